import { describe, expect, it } from 'vitest';
import type { AlertsPolicy } from '../policy.ts';
import {
  type AlertFacts,
  alertKey,
  evaluateAlerts,
  gateCheckDue,
  gateStuckSeverity,
  type PodAlertFacts,
  type ProjectAlertFacts,
  stuckSince,
  type WipCellFacts,
} from './evaluate.ts';

const POLICY: AlertsPolicy = {
  wipExceeded: true,
  gateStuckHours: 24,
  podHealthBelow: 70,
  deploymentFailureRate: 0.1,
  deploymentWindowDays: 7,
  deploymentMinCount: 3,
};
const NOW = new Date('2026-03-10T12:00:00Z');
const HOUR = 3_600_000;
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR);

const pod = (over: Partial<PodAlertFacts> = {}): PodAlertFacts => ({
  podId: 'p1',
  pod: 'ratio',
  wip: [],
  healthScore: null,
  deployments: { finished: 0, failed: 0 },
  ...over,
});
const project = (over: Partial<ProjectAlertFacts> = {}): ProjectAlertFacts => ({
  projectId: 'j1',
  podId: 'p1',
  name: 'Checkout',
  stage: 'discovery',
  stageEnteredAt: hoursAgo(1),
  blockedAt: null,
  blockedReason: null,
  nextGateMet: null,
  nextStage: 'build',
  expectedDays: null,
  ...over,
});
const run = (facts: Partial<AlertFacts>, policy: AlertsPolicy = POLICY) =>
  evaluateAlerts(policy, { pods: [], projects: [], ...facts }, NOW);
const keys = (facts: Partial<AlertFacts>, policy?: AlertsPolicy) => run(facts, policy).map((c) => c.key);

describe('WIP limit exceeded', () => {
  const wip = (over: Partial<WipCellFacts>): WipCellFacts => ({
    itemType: 'pr',
    used: 3,
    limit: 3,
    queued: 0,
    refused: false,
    exceeded: false,
    ...over,
  });
  const runCell = (over: Partial<WipCellFacts>) => run({ pods: [pod({ wip: [wip(over)] })] });
  const cell = (used: number, limit: number, refused: boolean, queued = 0, exceeded = false) =>
    keys({ pods: [pod({ wip: [wip({ used, limit, refused, queued, exceeded })] })] });
  const KEY = alertKey.wip('p1', 'pr');

  it.each([
    ['below the limit, even after a refusal', 2, 3, true, 0, false, false],
    ['at the limit without a refusal', 3, 3, false, 0, false, false],
    ['at the limit after a refusal', 3, 3, true, 0, false, true],
    ['above a lowered limit, without a refusal', 4, 3, false, 0, false, true],
    ['a limit of 0 refused', 0, 0, true, 0, false, true],
    ['at the limit with items waiting in line', 3, 3, false, 2, false, true],
    ['below the limit with items waiting (about to be admitted)', 2, 3, false, 1, false, false],
    ['a limit of 0 with an item waiting', 0, 0, false, 1, false, true],
    ['back at the limit after being above it', 3, 3, false, 0, true, true],
    ['below the limit after being above it', 2, 3, false, 0, true, false],
  ])('%s', (_label, used, limit, refused, queued, exceeded, expected) => {
    expect(cell(used, limit, refused, queued, exceeded)).toEqual(expected ? [KEY] : []);
  });

  it('is critical above the limit and a warning at it', () => {
    const [above] = runCell({ used: 4, limit: 3 });
    const [at] = runCell({ used: 3, limit: 3, refused: true });
    expect(above).toMatchObject({
      kind: 'wip.limit_exceeded',
      severity: 'critical',
      subjectId: 'p1',
      details: { used: 4, limit: 3, queued: 0, refused: false, exceeded: true },
    });
    expect(at).toMatchObject({
      severity: 'warning',
      details: { used: 3, limit: 3, itemType: 'pr', queued: 0, refused: true, exceeded: false },
    });
    expect(at!.message).toBe('pod "ratio" is at its pr WIP limit (3 of 3) and refused an acquire');
  });

  it('a line at the limit is a warning that says how many wait', () => {
    const [c] = run({ pods: [pod({ wip: [wip({ itemType: 'pull-request', queued: 7 })] })] });
    expect(c).toMatchObject({
      key: alertKey.wip('p1', 'pull-request'),
      kind: 'wip.limit_exceeded',
      severity: 'warning',
      details: {
        pod: 'ratio',
        itemType: 'pull-request',
        used: 3,
        limit: 3,
        queued: 7,
        refused: false,
        exceeded: false,
      },
    });
    expect(c!.message).toBe('pod "ratio" is at its pull-request WIP limit (3 of 3) with 7 waiting in line');
  });

  it('counts the line in refused and above-limit alerts too', () => {
    const [refused] = runCell({ refused: true, queued: 2 });
    expect(refused!.message).toBe(
      'pod "ratio" is at its pr WIP limit (3 of 3) and refused an acquire, with 2 waiting in line',
    );
    expect(refused!.details).toMatchObject({ queued: 2, refused: true });
    const [above] = runCell({ used: 5, queued: 1 });
    expect(above).toMatchObject({ severity: 'critical', details: { used: 5, queued: 1, exceeded: true } });
    expect(above!.message).toBe('pod "ratio" holds 5 pr slots, above its limit of 3, with 1 waiting in line');
    const [down] = runCell({ exceeded: true });
    expect(down!.message).toBe('pod "ratio" is at its pr WIP limit (3 of 3), down from above it');
  });

  it('raises nothing when turned off', () => {
    const facts = { pods: [pod({ wip: [wip({ used: 9, refused: true, queued: 4 })] })] };
    expect(keys(facts, { ...POLICY, wipExceeded: false })).toEqual([]);
  });
});

describe('pod health low', () => {
  it.each([
    [69, true],
    [69.9, true],
    [70, false],
    [80, false],
    [null, false],
  ])('score %s', (score, expected) => {
    expect(keys({ pods: [pod({ healthScore: score })] })).toEqual(expected ? [alertKey.healthLow('p1')] : []);
  });
});

describe('deployment failure rate', () => {
  it.each([
    ['1 of 3 failed (33 %)', 3, 1, true],
    ['2 of 2 failed: fewer than the minimum count', 2, 2, false],
    ['0 of 5 failed', 5, 0, false],
    ['1 of 10 failed: exactly the threshold', 10, 1, false],
    ['2 of 19 failed: just above', 19, 2, true],
    ['none finished', 0, 0, false],
  ])('%s', (_label, finished, failed, expected) => {
    expect(keys({ pods: [pod({ deployments: { finished, failed } })] })).toEqual(
      expected ? [alertKey.deploymentFailureRate('p1')] : [],
    );
  });

  it('reports the rate and window', () => {
    const [c] = run({ pods: [pod({ deployments: { finished: 3, failed: 1 } })] });
    expect(c).toMatchObject({
      kind: 'deployment.failure_rate',
      severity: 'critical',
      details: { finished: 3, failed: 1, failureRate: 0.3333, windowDays: 7 },
    });
    expect(c!.message).toContain('33.3 %');
  });
});

describe('gate stuck', () => {
  const KEY = alertKey.gateStuck('j1');

  it.each([
    ['blocked 25 h ago', { blockedAt: hoursAgo(25), blockedReason: 'waiting on legal' }, true],
    ['blocked exactly 24 h ago', { blockedAt: hoursAgo(24), blockedReason: 'x' }, false],
    [
      'blocked 23 h ago in a stage entered long ago, gate met',
      { stageEnteredAt: hoursAgo(100), blockedAt: hoursAgo(23), blockedReason: 'x', nextGateMet: true },
      false,
    ],
    ['gate unmet for 25 h', { stageEnteredAt: hoursAgo(25), nextGateMet: false }, true],
    ['gate unmet for 24 h', { stageEnteredAt: hoursAgo(24), nextGateMet: false }, false],
    ['gate met for days', { stageEnteredAt: hoursAgo(100), nextGateMet: true }, false],
    ['last stage, not blocked', { stageEnteredAt: hoursAgo(100), nextGateMet: null, nextStage: null }, false],
    [
      'last stage, blocked 30 h',
      { stageEnteredAt: hoursAgo(100), nextStage: null, blockedAt: hoursAgo(30), blockedReason: 'x' },
      true,
    ],
    [
      'gate unmet 30 h, blocked 1 h: stuck since the stage began',
      { stageEnteredAt: hoursAgo(30), nextGateMet: false, blockedAt: hoursAgo(1), blockedReason: 'x' },
      true,
    ],
  ] as [string, Partial<ProjectAlertFacts>, boolean][])('%s', (_label, over, expected) => {
    expect(keys({ projects: [project(over)] })).toEqual(expected ? [KEY] : []);
  });

  it('names the reasons and the start', () => {
    const p = project({
      stageEnteredAt: hoursAgo(30),
      nextGateMet: false,
      blockedAt: hoursAgo(26),
      blockedReason: 'legal',
    });
    expect(stuckSince(p)).toEqual(hoursAgo(30));
    const [c] = run({ pods: [pod()], projects: [p] });
    expect(c).toMatchObject({ kind: 'gate.stuck', podId: 'p1', subjectType: 'project', subjectId: 'j1' });
    expect(c!.message).toBe(
      'project "Checkout" has not been able to leave stage "discovery" for 30 h (blocked: legal; the gate into "build" is not met)',
    );
    expect(c!.details).toMatchObject({
      pod: 'ratio',
      stuckSince: hoursAgo(30).toISOString(),
      thresholdHours: 24,
    });
  });

  it('evaluates gates only for projects old enough to be stuck', () => {
    expect(gateCheckDue(POLICY, hoursAgo(24), NOW)).toBe(false);
    expect(gateCheckDue(POLICY, hoursAgo(24.01), NOW)).toBe(true);
    // A stage with an expected duration: not before it has passed.
    expect(gateCheckDue(POLICY, hoursAgo(48), NOW, 3)).toBe(false);
    expect(gateCheckDue(POLICY, hoursAgo(72.01), NOW, 3)).toBe(true);
  });
});

describe('gate stuck in a stage with expectedDays', () => {
  const DAY = 24;
  const severityOf = (over: Partial<ProjectAlertFacts>) => {
    const found = run({ projects: [project({ expectedDays: 5, ...over })] });
    return found.length ? found[0]!.severity : null;
  };

  it.each([
    ['gate unmet 2 days of 5: a stage at work, not stuck', 2 * DAY, null],
    ['gate unmet exactly 5 days', 5 * DAY, null],
    ['gate unmet 5 days and an hour: warning', 5 * DAY + 1, 'warning'],
    ['gate unmet exactly 10 days: still a warning', 10 * DAY, 'warning'],
    ['gate unmet 10 days and an hour: critical', 10 * DAY + 1, 'critical'],
  ] as [string, number, string | null][])('%s', (_label, hours, expected) => {
    expect(severityOf({ stageEnteredAt: hoursAgo(hours), nextGateMet: false })).toBe(expected);
  });

  it('a block is stuck after gateStuckHours whatever the stage expects, and critical past twice it', () => {
    const blocked = { blockedAt: hoursAgo(25), blockedReason: 'legal', nextGateMet: true };
    expect(severityOf({ ...blocked, stageEnteredAt: hoursAgo(2 * DAY) })).toBe('warning');
    expect(severityOf({ ...blocked, stageEnteredAt: hoursAgo(11 * DAY) })).toBe('critical');
    expect(severityOf({ ...blocked, blockedAt: hoursAgo(23), stageEnteredAt: hoursAgo(11 * DAY) })).toBe(
      null,
    );
  });

  it('says how long against the expected duration', () => {
    const [c] = run({
      projects: [project({ expectedDays: 5, stageEnteredAt: hoursAgo(11 * DAY), nextGateMet: false })],
    });
    expect(c!.message).toBe(
      'project "Checkout" has not been able to leave stage "discovery" for 264 h (the gate into "build" is not met, 11 of an expected 5 days in the stage)',
    );
    expect(c!.details).toMatchObject({ expectedDays: 5, daysInStage: 11, thresholdHours: 24 });
  });

  it('severity without expectedDays is always a warning', () => {
    expect(gateStuckSeverity(100, null)).toBe('warning');
    expect(gateStuckSeverity(10, 5)).toBe('warning');
    expect(gateStuckSeverity(10.01, 5)).toBe('critical');
  });
});

it('reports every condition of every pod and project at once', () => {
  const facts: Partial<AlertFacts> = {
    pods: [
      pod({ healthScore: 50, deployments: { finished: 4, failed: 4 } }),
      pod({
        podId: 'p2',
        pod: 'atlas',
        wip: [{ itemType: 'project', used: 5, limit: 2, queued: 0, refused: false, exceeded: false }],
      }),
    ],
    projects: [project({ blockedAt: hoursAgo(48), blockedReason: 'x' })],
  };
  expect(keys(facts).sort()).toEqual(
    [
      alertKey.healthLow('p1'),
      alertKey.deploymentFailureRate('p1'),
      alertKey.wip('p2', 'project'),
      alertKey.gateStuck('j1'),
    ].sort(),
  );
});
