import { describe, expect, it } from 'vitest';
import type { Policy } from '../policy.ts';
import {
  buildFunnel,
  buildWipHeatmap,
  projectsPerStage,
  ratio,
  summariseDeployments,
  summariseHealth,
  summariseWip,
  weekStart,
} from './metrics.ts';

const STAGES = ['inception', 'build', 'ship'];
const POLICY = {
  wip: {
    types: [
      { name: 'project', defaultLimit: 2 },
      { name: 'pull-request', defaultLimit: 5 },
      { name: 'spike', defaultLimit: 0 },
    ],
  },
} as Policy;
const RATIO = { id: 'p1', slug: 'ratio', name: 'Ratio' };
const ATLAS = { id: 'p2', slug: 'atlas', name: 'Atlas' };

describe('weekStart', () => {
  it.each([
    ['2026-03-02T09:00:00.000Z', '2026-03-02T00:00:00.000Z'], // a Monday
    ['2026-03-02T00:00:00.000Z', '2026-03-02T00:00:00.000Z'], // Monday midnight is its own week
    ['2026-03-01T23:59:59.999Z', '2026-02-23T00:00:00.000Z'], // Sunday belongs to the week before
    ['2026-03-05T12:30:00.000Z', '2026-03-02T00:00:00.000Z'], // Thursday
    ['2027-01-01T08:00:00.000Z', '2026-12-28T00:00:00.000Z'], // across a year end
  ])('%s → %s (Monday 00:00 UTC)', (now, expected) => {
    expect(weekStart(new Date(now)).toISOString()).toBe(expected);
  });
});

describe('ratio', () => {
  it('rounds to 4 decimals and is null when there is nothing to divide by', () => {
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(0, 4)).toBe(0);
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(0, 0)).toBeNull();
  });
});

describe('projectsPerStage', () => {
  it('follows the policy order, fills zeros and ignores stages no longer configured', () => {
    expect(
      projectsPerStage(STAGES, [
        { stage: 'ship', open: 1, blocked: 0 },
        { stage: 'inception', open: 4, blocked: 1 },
        { stage: 'retired-stage', open: 9, blocked: 0 },
      ]),
    ).toEqual([
      { stage: 'inception', count: 4 },
      { stage: 'build', count: 0 },
      { stage: 'ship', count: 1 },
    ]);
  });
});

describe('buildFunnel', () => {
  it('counts creation as entering the first stage and transitions for the rest', () => {
    const funnel = buildFunnel(STAGES, {
      occupancy: [
        { stage: 'inception', open: 2, blocked: 0 },
        { stage: 'build', open: 1, blocked: 1 },
      ],
      totals: { created: 4, shipped: 1, cancelled: 1 },
      enteredByTransition: { build: 2, ship: 1 },
      medianStayHours: { inception: 10.123, build: 48 },
    });
    expect(funnel.stages).toEqual([
      { stage: 'inception', current: 2, entered: 4, conversion: 0.5, medianHoursInStage: 10.12 },
      { stage: 'build', current: 1, entered: 2, conversion: 0.5, medianHoursInStage: 48 },
      { stage: 'ship', current: 0, entered: 1, conversion: null, medianHoursInStage: null },
    ]);
    expect(funnel.closed).toEqual({ shipped: 1, cancelled: 1 });
  });

  it('gives no conversion out of a stage nobody entered', () => {
    const funnel = buildFunnel(STAGES, {
      occupancy: [],
      totals: { created: 0, shipped: 0, cancelled: 0 },
      enteredByTransition: {},
      medianStayHours: {},
    });
    expect(funnel.stages.map((s) => [s.entered, s.conversion])).toEqual([
      [0, null],
      [0, null],
      [0, null],
    ]);
  });
});

describe('buildWipHeatmap and summariseWip', () => {
  const heatmap = buildWipHeatmap(
    POLICY,
    [ATLAS, RATIO],
    [
      { podId: 'p1', itemType: 'project', used: 2 },
      { podId: 'p1', itemType: 'pull-request', used: 1 },
      { podId: 'p2', itemType: 'pull-request', used: 4 },
      // A type no longer configured is not a column.
      { podId: 'p2', itemType: 'retired', used: 7 },
    ],
    // Atlas lowered its pull-request limit below usage.
    [{ podId: 'p2', itemType: 'pull-request', limit: 3 }],
  );

  it('has a cell per pod and configured type, with the stored limit else the default', () => {
    expect(heatmap.types).toEqual(['project', 'pull-request', 'spike']);
    expect(heatmap.pods.map((p) => p.slug)).toEqual(['atlas', 'ratio']);
    expect(heatmap.pods[0]!.cells).toEqual([
      { itemType: 'project', used: 0, limit: 2, utilisation: 0 },
      { itemType: 'pull-request', used: 4, limit: 3, utilisation: 1.3333 },
      { itemType: 'spike', used: 0, limit: 0, utilisation: null },
    ]);
    expect(heatmap.pods[1]!.cells).toEqual([
      { itemType: 'project', used: 2, limit: 2, utilisation: 1 },
      { itemType: 'pull-request', used: 1, limit: 5, utilisation: 0.2 },
      { itemType: 'spike', used: 0, limit: 0, utilisation: null },
    ]);
  });

  it('sums usage and limits, and counts cells at or over their limit (an unused zero limit is not full)', () => {
    expect(summariseWip(heatmap)).toEqual({ used: 7, limit: 12, utilisation: 0.5833, fullCells: 2 });
    expect(summariseWip({ types: [], pods: [] })).toEqual({
      used: 0,
      limit: 0,
      utilisation: null,
      fullCells: 0,
    });
  });
});

describe('summariseHealth', () => {
  it("averages each pod's latest score, listing pods without one as null", () => {
    expect(summariseHealth([ATLAS, RATIO], { p1: 80, p2: 65 })).toEqual({
      mean: 72.5,
      pods: [
        { ...ATLAS, score: 65 },
        { ...RATIO, score: 80 },
      ],
    });
    expect(summariseHealth([ATLAS, RATIO], { p1: 71 }).mean).toBe(71);
    expect(summariseHealth([ATLAS], {})).toEqual({ mean: null, pods: [{ ...ATLAS, score: null }] });
  });
});

describe('summariseDeployments', () => {
  it('adds up every pod, with no rate when nothing finished', () => {
    expect(
      summariseDeployments(
        {
          p1: { succeeded: 3, failed: 1, meanDurationSeconds: 10 },
          p2: { succeeded: 0, failed: 1, meanDurationSeconds: 5 },
        },
        7,
      ),
    ).toEqual({ successRate: 0.6, finished: 5, windowDays: 7 });
    expect(summariseDeployments({}, 14)).toEqual({ successRate: null, finished: 0, windowDays: 14 });
  });
});
