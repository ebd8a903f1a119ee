import { describe, expect, it } from 'vitest';
import type { Policy } from '../policy.ts';
import { buildTrends, TRENDS_MAX_WEEKS, trendWindow } from './trends.ts';

const POLICY = {
  stages: [{ name: 'inception' }, { name: 'build' }, { name: 'ship' }],
  wip: {
    types: [
      { name: 'project', defaultLimit: 2 },
      { name: 'spike', defaultLimit: 0 },
    ],
  },
} as Policy;
const ATLAS = { id: 'p1', slug: 'atlas', name: 'Atlas' };
const EMPTY = {
  stagesAtWeekEnd: [],
  closedAtWeekEnd: [],
  stayDays: [],
  throughput: [],
  wipAtWeekEnd: [],
  ideaFlow: [],
  pods: [],
  storedLimits: [],
};

describe('trendWindow', () => {
  it('ends with the week now falls in, weeks starting Monday 00:00 UTC', () => {
    const now = new Date('2026-03-04T12:00:00.000Z'); // a Wednesday
    expect(trendWindow(now, 3)).toEqual({ from: new Date('2026-02-16T00:00:00.000Z'), weeks: 3, now });
  });

  it('keeps the number of weeks between 1 and the maximum', () => {
    const now = new Date('2026-03-02T00:00:00.000Z');
    expect(trendWindow(now, 0).weeks).toBe(1);
    expect(trendWindow(now, 0).from).toEqual(now);
    expect(trendWindow(now, 500).weeks).toBe(TRENDS_MAX_WEEKS);
  });
});

describe('buildTrends', () => {
  const window = trendWindow(new Date('2026-03-02T09:00:00.000Z'), 3);

  it('fills weeks without a row: zeros for counts, null for durations, the last total for running totals', () => {
    const t = buildTrends(POLICY, window, {
      ...EMPTY,
      stagesAtWeekEnd: [
        { week: 1, stage: 'build', count: 2 },
        { week: 0, stage: 'retired-stage', count: 9 },
      ],
      closedAtWeekEnd: [{ week: 1, shipped: 1, cancelled: 2 }],
      stayDays: [{ week: 2, stage: 'inception', stays: 2, medianDays: 1.234, meanDays: 1.5 }],
      throughput: [{ week: 0, advanced: 3, shipped: 0, cancelled: 1 }],
      ideaFlow: [{ week: 2, submitted: 4, evaluated: 1, promoted: 0, archived: 1 }],
    });
    expect(t.weeks.map((w) => w.toISOString())).toEqual([
      '2026-02-16T00:00:00.000Z',
      '2026-02-23T00:00:00.000Z',
      '2026-03-02T00:00:00.000Z',
    ]);
    // Policy order; a stage no longer configured is left out.
    expect(t.cumulativeFlow).toEqual([
      { stage: 'inception', counts: [0, 0, 0] },
      { stage: 'build', counts: [0, 2, 0] },
      { stage: 'ship', counts: [0, 0, 0] },
    ]);
    expect(t.closed).toEqual({ shipped: [0, 1, 1], cancelled: [0, 2, 2] });
    expect(t.cycleTime[0]).toEqual({
      stage: 'inception',
      medianDays: [null, null, 1.23],
      meanDays: [null, null, 1.5],
      stays: [0, 0, 2],
    });
    expect(t.throughput).toEqual({ advanced: [3, 0, 0], shipped: [0, 0, 0], cancelled: [1, 0, 0] });
    expect(t.ideas).toEqual({
      submitted: [0, 0, 4],
      evaluated: [0, 0, 1],
      promoted: [0, 0, 0],
      archived: [0, 0, 1],
    });
  });

  it('measures every week against the limit in force, with no utilisation against a zero limit', () => {
    const t = buildTrends(POLICY, window, {
      ...EMPTY,
      pods: [ATLAS],
      storedLimits: [{ podId: 'p1', itemType: 'project', limit: 4 }],
      wipAtWeekEnd: [
        { week: 0, podId: 'p1', itemType: 'project', used: 4 },
        { week: 2, podId: 'p1', itemType: 'project', used: 1 },
        { week: 2, podId: 'p1', itemType: 'spike', used: 1 },
        { week: 2, podId: 'other', itemType: 'project', used: 7 },
      ],
    });
    expect(t.wip).toEqual({
      types: ['project', 'spike'],
      pods: [
        {
          ...ATLAS,
          cells: [
            { itemType: 'project', limit: 4, used: [4, 0, 1], utilisation: [1, 0, 0.25] },
            { itemType: 'spike', limit: 0, used: [0, 0, 1], utilisation: [null, null, null] },
          ],
        },
      ],
    });
  });
});
