import { describe, expect, it } from 'vitest';
import type { HealthPolicy } from '../policy.ts';
import { healthScore } from './health.ts';
import { type HealthFigures, healthChanges, healthInputs, healthWindow } from './health-inputs.ts';

const POLICY: HealthPolicy = {
  weights: {
    velocity: 0.25,
    wipUtilisation: 0.2,
    blockedItems: 0.2,
    cycleTime: 0.15,
    deploymentSuccess: 0.2,
    blockedTime: 0.1,
    gateRefusals: 0.1,
    demoParticipation: 0.1,
  },
  cycleTimeTargetDays: 5,
  blockedItemsTolerance: 5,
  blockedDaysTolerance: 5,
  windowDays: 14,
  compute: true,
  computeAt: '06:00',
};

const NOTHING: HealthFigures = {
  commitments: { recorded: 0, done: 0 },
  stays: { count: 0, totalDays: 0 },
  projects: { open: 0, blocked: 0, blockedDays: 0 },
  gates: { rejections: 0, projects: 0 },
  demos: { closed: 0, members: 0, participants: 0 },
};

describe('healthWindow', () => {
  it('reaches windowDays back, and takes the local days before today for commitments', () => {
    // 02:00 UTC on 10 March is still 9 March in New York.
    const now = new Date('2026-03-10T02:00:00.000Z');
    expect(healthWindow({ windowDays: 14 }, ['a', 'b'], 'America/New_York', now)).toEqual({
      since: new Date('2026-02-24T02:00:00.000Z'),
      now,
      fromDay: '2026-02-23',
      toDay: '2026-03-08',
      stageOrder: ['a', 'b'],
    });
    expect(healthWindow({ windowDays: 1 }, ['a'], 'UTC', now)).toMatchObject({
      fromDay: '2026-03-09',
      toDay: '2026-03-09',
    });
  });
});

describe('healthInputs', () => {
  it('measures nothing a pod has no data for', () => {
    expect(healthInputs(NOTHING, [], null)).toEqual({});
    // Types without a limit (0) say nothing about utilisation.
    expect(healthInputs(NOTHING, [{ itemType: 'project', used: 0, limit: 0 }], null)).toEqual({});
  });

  it('computes each metric from its figures', () => {
    const figures: HealthFigures = {
      commitments: { recorded: 8, done: 6 },
      stays: { count: 3, totalDays: 10 },
      projects: { open: 4, blocked: 2, blockedDays: 5 },
      gates: { rejections: 1, projects: 4 },
      demos: { closed: 2, members: 3, participants: 2 },
    };
    const wip = [
      { itemType: 'project', used: 2, limit: 4 },
      { itemType: 'pull-request', used: 3, limit: 4 },
      { itemType: 'spike', used: 1, limit: 0 },
    ];
    expect(healthInputs(figures, wip, 0.75)).toEqual({
      velocity: 0.75,
      wipUtilisation: 0.75, // the fullest type
      blockedItems: 2,
      blockedDays: 2.5, // mean over the blocked ones
      cycleTimeDays: 3.3333,
      deploymentSuccess: 0.75,
      gateRefusals: 0.25,
      demoParticipation: 0.6667,
    });
  });

  it('counts blocked items (and 0 days) whenever the pod has open projects', () => {
    const open = { ...NOTHING, projects: { open: 3, blocked: 0, blockedDays: 0 } };
    expect(healthInputs(open, [], null)).toEqual({ blockedItems: 0, blockedDays: 0 });
  });

  it('leaves demo participation out without a closed demo or without members', () => {
    const noMembers = { ...NOTHING, demos: { closed: 1, members: 0, participants: 0 } };
    expect(healthInputs(noMembers, [], null)).toEqual({});
    const noDemo = { ...NOTHING, demos: { closed: 0, members: 4, participants: 0 } };
    expect(healthInputs(noDemo, [], null)).toEqual({});
  });

  it('reports utilisation over the limit as it is', () => {
    expect(healthInputs(NOTHING, [{ itemType: 'project', used: 3, limit: 2 }], null)).toEqual({
      wipUtilisation: 1.5,
    });
  });
});

describe('healthChanges', () => {
  const snapshot = (metrics: Parameters<typeof healthScore>[1]) => ({
    metrics,
    components: healthScore(POLICY, metrics).components,
  });

  it('is empty for the first snapshot and when nothing moved', () => {
    const s = snapshot({ velocity: 0.5 });
    expect(healthChanges(POLICY, s, null)).toEqual([]);
    expect(healthChanges(POLICY, s, snapshot({ velocity: 0.5 }))).toEqual([]);
  });

  it('lists moved components by score points, biggest first, then moved metrics', () => {
    const before = snapshot({ velocity: 1, cycleTimeDays: 5, blockedItems: 0 });
    const after = snapshot({ velocity: 0.8, cycleTimeDays: 7.5, blockedItems: 0, gateRefusals: 0.5 });
    // Before: weights 0.25 + 0.15 + 0.2 = 0.6; after: + 0.1 = 0.7.
    // velocity: 100·0.25·0.8/0.7 − 100·0.25·1/0.6 = 28.571 − 41.667 = −13.1
    // cycleTime: 100·0.15·0.5/0.7 − 100·0.15·1/0.6 = 10.714 − 25 = −14.3
    // blockedItems (unchanged value, smaller share): not listed. gateRefusals: 100·0.1·0.5/0.7 = 7.1
    expect(healthChanges(POLICY, after, before)).toEqual([
      { input: 'cycleTime', kind: 'component', from: 1, to: 0.5, points: -14.3 },
      { input: 'velocity', kind: 'component', from: 1, to: 0.8, points: -13.1 },
      { input: 'gateRefusals', kind: 'component', from: null, to: 0.5, points: 7.1 },
      { input: 'velocity', kind: 'metric', from: 1, to: 0.8, points: null },
      { input: 'cycleTimeDays', kind: 'metric', from: 5, to: 7.5, points: null },
      { input: 'gateRefusals', kind: 'metric', from: null, to: 0.5, points: null },
    ]);
  });

  it('notes a metric that stopped being measured', () => {
    const changes = healthChanges(
      POLICY,
      snapshot({ velocity: 1 }),
      snapshot({ velocity: 1, demoParticipation: 0 }),
    );
    expect(changes).toEqual([
      { input: 'demoParticipation', kind: 'component', from: 0, to: null, points: 0 },
      { input: 'demoParticipation', kind: 'metric', from: 0, to: null, points: null },
    ]);
  });
});
