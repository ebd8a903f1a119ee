import { describe, expect, it } from 'vitest';
import type { PerPeriod, ServiceMinuteTotals } from '../ports/scorecard.ts';
import { REQUEST_DURATION_BUCKETS_MS } from '../usage/request-buckets.ts';
import {
  buildScorecard,
  changePercent,
  expectedMinutes,
  meanTimeToRecoveryMinutes,
  meets,
  p95FromBuckets,
  percent,
  pooledMeanDays,
  type ScorecardFacts,
} from './figures.ts';
import { resolveScorecardPeriod } from './period.ts';

const at = (iso: string) => new Date(iso);
const BOUNDS = [5, 10, 25, 50, 100] as const;

describe('p95FromBuckets', () => {
  it('answers the upper bound of the bucket where the cumulative count reaches 95 %', () => {
    // 100 requests: 90 within 5 ms, 5 within 10, 5 within 25 → the 95th falls in the 10 ms bucket.
    expect(p95FromBuckets([90, 5, 5, 0, 0, 0], BOUNDS)).toEqual({ ms: 10, overflow: false });
    // 94 within 5 ms: the 95th request is the first of the 25 ms bucket.
    expect(p95FromBuckets([94, 0, 6, 0, 0, 0], BOUNDS)).toEqual({ ms: 25, overflow: false });
  });

  it('reads exactly 95 % as reached', () => {
    expect(p95FromBuckets([19, 1, 0, 0, 0, 0], BOUNDS)).toEqual({ ms: 5, overflow: false });
  });

  it('reports a percentile in the unbounded bucket as overflowing the last bound', () => {
    expect(p95FromBuckets([50, 0, 0, 0, 0, 50], BOUNDS)).toEqual({ ms: 100, overflow: true });
  });

  it('has no p95 without requests', () => {
    expect(p95FromBuckets([], BOUNDS)).toBeNull();
    expect(p95FromBuckets([0, 0, 0, 0, 0, 0], BOUNDS)).toBeNull();
  });
});

describe('expectedMinutes', () => {
  const from = at('2026-03-01T00:00:00Z');
  const to = at('2026-03-02T00:00:00Z');

  it('counts the whole period when CLOS ran before and after it', () => {
    expect(expectedMinutes(from, to, at('2026-02-01T00:00:00Z'), at('2026-03-05T00:00:00Z'))).toBe(1440);
  });

  it('starts at the first minute ever recorded and ends after the last one', () => {
    // 10:00 to 10:59 inclusive.
    expect(expectedMinutes(from, to, at('2026-03-01T10:00:00Z'), at('2026-03-01T10:59:00Z'))).toBe(60);
  });

  it('is 0 without any record, or with records only after the period', () => {
    expect(expectedMinutes(from, to, null, null)).toBe(0);
    expect(expectedMinutes(from, to, at('2026-03-03T00:00:00Z'), at('2026-03-04T00:00:00Z'))).toBe(0);
  });

  it('counts a minute the period starts inside of only from the next whole minute', () => {
    const mid = at('2026-03-01T00:00:30Z');
    expect(expectedMinutes(mid, at('2026-03-01T00:03:00Z'), at('2026-01-01T00:00:00Z'), to)).toBe(2);
  });
});

describe('meanTimeToRecoveryMinutes', () => {
  it('averages the recovered incidents and leaves out the open ones', () => {
    expect(
      meanTimeToRecoveryMinutes([
        { failedAt: at('2026-03-01T10:00:00Z'), recoveredAt: at('2026-03-01T10:20:00Z') },
        { failedAt: at('2026-03-01T12:00:00Z'), recoveredAt: at('2026-03-01T12:40:00Z') },
        { failedAt: at('2026-03-01T14:00:00Z'), recoveredAt: null },
      ]),
    ).toBe(30);
  });

  it('is null when nothing recovered', () => {
    expect(meanTimeToRecoveryMinutes([])).toBeNull();
    expect(
      meanTimeToRecoveryMinutes([{ failedAt: at('2026-03-01T14:00:00Z'), recoveredAt: null }]),
    ).toBeNull();
  });
});

describe('small rules', () => {
  it('pools stage means by their number of stays', () => {
    expect(
      pooledMeanDays([
        { stage: 'a', stays: 1, meanDays: 1 },
        { stage: 'b', stays: 3, meanDays: 5 },
      ]),
    ).toBe(4);
    expect(pooledMeanDays([])).toBeNull();
  });

  it('computes percentages and changes, null where they mean nothing', () => {
    expect(percent(1, 4)).toBe(25);
    expect(percent(1, 0)).toBeNull();
    expect(changePercent(5, 10)).toBe(-50);
    expect(changePercent(5, 0)).toBeNull();
    expect(changePercent(null, 3)).toBeNull();
  });

  it('compares strictly or not as the operator says', () => {
    expect(meets('>', 80, 80)).toBe(false);
    expect(meets('>=', 80, 80)).toBe(true);
    expect(meets('<', 0.1, 0.1)).toBe(false);
    expect(meets('<=', -50, -50)).toBe(true);
  });
});

describe('resolveScorecardPeriod', () => {
  const now = at('2026-03-10T15:30:00Z');

  it('defaults to the last seven full UTC days, with the seven before as the previous period', () => {
    expect(resolveScorecardPeriod({}, now)).toEqual({
      previousFrom: at('2026-02-24T00:00:00Z'),
      from: at('2026-03-03T00:00:00Z'),
      to: at('2026-03-10T00:00:00Z'),
      previousFromDay: '2026-02-24',
      fromDay: '2026-03-03',
      toDay: '2026-03-10',
    });
  });

  it('ends at now when only `from` is given, and counts every day the period touches', () => {
    const w = resolveScorecardPeriod({ from: at('2026-03-09T12:00:00Z') }, now);
    expect(w.to).toEqual(now);
    expect(w.previousFrom).toEqual(at('2026-03-08T08:30:00Z'));
    expect([w.previousFromDay, w.fromDay, w.toDay]).toEqual(['2026-03-08', '2026-03-09', '2026-03-11']);
  });

  it('refuses a future `to`, `from` not before `to` and more than 366 days, naming the field', () => {
    const problem = (input: { from?: Date; to?: Date }) => {
      try {
        resolveScorecardPeriod(input, now);
      } catch (error) {
        return (error as { details: { path: string }[] }).details.map((p) => p.path);
      }
      return null;
    };
    expect(problem({ to: at('2026-03-11T00:00:00Z') })).toEqual(['to']);
    expect(problem({ from: at('2026-03-05T00:00:00Z'), to: at('2026-03-05T00:00:00Z') })).toEqual(['from']);
    expect(problem({ from: at('2025-01-01T00:00:00Z'), to: at('2026-03-01T00:00:00Z') })).toEqual(['from']);
    expect(problem({ from: new Date(Number.NaN) })).toEqual(['from']);
  });
});

describe('buildScorecard', () => {
  const window = resolveScorecardPeriod({}, at('2026-03-10T15:30:00Z'));
  const both = <T>(current: T, previous: T): PerPeriod<T> => ({ current, previous });
  const service = (t: Partial<ServiceMinuteTotals>): ServiceMinuteTotals => ({
    recordedMinutes: 0,
    readyMinutes: 0,
    requests: 0,
    errors: 0,
    buckets: [],
    ...t,
  });
  const empty: ScorecardFacts = {
    service: { first: null, last: null, periods: both(service({}), service({})) },
    deployments: both({ succeeded: 0, incidents: [] }, { succeeded: 0, incidents: [] }),
    stageStays: both([], []),
    wipViolations: both({ refusals: 0, overLimit: 0 }, { refusals: 0, overLimit: 0 }),
    ideasEvaluated: both(0, 0),
    podHealth: both({ pods: 0, meanScore: null }, { pods: 0, meanScore: null }),
    ideaToProduction: both({ ideas: 0, meanDays: null }, { ideas: 0, meanDays: null }),
    demos: both(
      {
        demos: 0,
        participants: 0,
        members: 0,
        feedbackCount: 0,
        feedbackMean: null,
        pulseCount: 0,
        pulseMean: null,
      },
      {
        demos: 0,
        participants: 0,
        members: 0,
        feedbackCount: 0,
        feedbackMean: null,
        pulseCount: 0,
        pulseMean: null,
      },
    ),
    activeUsers: both({ userDays: 0, users: 0 }, { userDays: 0, users: 0 }),
    usage: both({ slackCommands: 0, dashboardViews: 0 }, { slackCommands: 0, dashboardViews: 0 }),
    workflowRuns: both({ succeeded: 0, failed: 0 }, { succeeded: 0, failed: 0 }),
  };
  const byKey = (facts: ScorecardFacts) =>
    Object.fromEntries(
      buildScorecard(window, facts, REQUEST_DURATION_BUCKETS_MS).figures.map((f) => [f.key, f]),
    );

  it('says why a figure without data has no value, and leaves `met` open', () => {
    const f = byKey(empty);
    expect(f.availability).toMatchObject({
      value: null,
      met: null,
      reason: expect.stringContaining('no server'),
    });
    expect(f.team_satisfaction).toMatchObject({ value: null, met: null });
    // Counts over a period are 0, not missing.
    expect(f.wip_violations_per_week).toMatchObject({ value: 0, met: true });
    expect(Object.keys(f)).toHaveLength(17);
  });

  it('judges the cycle time on its change against the previous period', () => {
    const f = byKey({
      ...empty,
      stageStays: both(
        [{ stage: 'build', stays: 2, meanDays: 3 }],
        [{ stage: 'build', stays: 1, meanDays: 6 }],
      ),
    });
    expect(f.stage_cycle_time).toMatchObject({ value: 3, previous: 6, change: -50, met: true });
    expect(f.stage_cycle_time?.detail).toEqual([{ label: 'build', value: 3, previous: 6, unit: 'days' }]);
  });

  it('counts a minute without any record inside the recorded span as down', () => {
    const f = byKey({
      ...empty,
      service: {
        first: at('2026-01-01T00:00:00Z'),
        last: at('2026-03-10T15:00:00Z'),
        // 7 days = 10 080 minutes; 10 minutes had no row at all and 10 had a row that was not ready.
        periods: both(service({ recordedMinutes: 10_070, readyMinutes: 10_060 }), service({})),
      },
    });
    expect(f.availability?.value).toBe(round3((10_060 / 10_080) * 100));
    expect(f.availability?.met).toBe(false);
  });
});

const round3 = (n: number) => Math.round(n * 1000) / 1000;
