/**
 * The success scorecard (seed §9), computed from what CLOS stores: pure arithmetic over the
 * aggregates the database answers (`ScorecardRepository`), so each rule is tested on its own.
 */
import type {
  DemoFacts,
  DeploymentIncident,
  PerPeriod,
  ScorecardWindow,
  ServiceMinuteTotals,
  StageStayFacts,
} from '../ports/scorecard.ts';
import { daysBetween } from './period.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export const SCORECARD_GROUPS = ['technical', 'business', 'adoption'] as const;
export type ScorecardGroup = (typeof SCORECARD_GROUPS)[number];

export type TargetOp = '>' | '>=' | '<' | '<=';

export interface ScorecardTarget {
  op: TargetOp;
  value: number;
  unit: string;
  /** The seed's wording. */
  text: string;
  /** What the target is compared with: the period's value, or its change (%) against the previous period. */
  on: 'value' | 'change';
}

/** A part of a figure (a stage of the cycle time), with its own value this period and last. */
export interface ScorecardDetail {
  label: string;
  value: number | null;
  previous: number | null;
  unit: string;
}

export interface ScorecardFigure {
  key: string;
  group: ScorecardGroup;
  label: string;
  /** The seed's target; null for figures the seed names without one. */
  target: ScorecardTarget | null;
  /** This period; null when there is nothing to compute it from (`reason` says why). */
  value: number | null;
  /** The same-length period just before. */
  previous: number | null;
  /** value against previous in %, null when either is missing or previous is 0. */
  change: number | null;
  unit: string;
  /** Whether the target is met this period; null without a target or a value. */
  met: boolean | null;
  /** One sentence: how the figure is computed. */
  how: string;
  /** Why `value` is null. */
  reason: string | null;
  detail?: ScorecardDetail[];
}

export interface Scorecard {
  from: Date;
  to: Date;
  previousFrom: Date;
  figures: ScorecardFigure[];
}

/** Everything the figures are computed from, as the repositories answer it. */
export interface ScorecardFacts {
  service: { first: Date | null; last: Date | null; periods: PerPeriod<ServiceMinuteTotals> };
  deployments: PerPeriod<{ succeeded: number; incidents: DeploymentIncident[] }>;
  stageStays: PerPeriod<StageStayFacts[]>;
  wipViolations: PerPeriod<{ refusals: number; overLimit: number }>;
  ideasEvaluated: PerPeriod<number>;
  podHealth: PerPeriod<{ pods: number; meanScore: number | null }>;
  ideaToProduction: PerPeriod<{ ideas: number; meanDays: number | null }>;
  demos: PerPeriod<DemoFacts>;
  activeUsers: PerPeriod<{ userDays: number; users: number }>;
  usage: PerPeriod<{ slackCommands: number; dashboardViews: number }>;
  workflowRuns: PerPeriod<{ succeeded: number; failed: number }>;
}

const round = (n: number, places = 3) => {
  const f = 10 ** places;
  return Math.round(n * f) / f;
};
const roundOrNull = (n: number | null, places = 3) => (n === null ? null : round(n, places));

/** `part ÷ whole` in %, null when `whole` is 0. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? (part / whole) * 100 : null;
}

/**
 * The 95th percentile of request durations from bucket counts, read as the upper bound of the bucket
 * in which the cumulative count first reaches 95 % of all requests (the conservative reading: "95 %
 * of requests took at most this"). No interpolation: it would invent a shape inside a bucket, and
 * 100 ms, the seed's target, is a bound, so "p95 within 100 ms" is exact. A percentile in the last,
 * unbounded bucket is reported as `overflow` above the last bound. Null without requests.
 */
export function p95FromBuckets(
  buckets: readonly number[],
  bounds: readonly number[],
): { ms: number; overflow: boolean } | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = 0.95 * total;
  let cumulative = 0;
  for (let i = 0; i < buckets.length; i++) {
    cumulative += buckets[i] ?? 0;
    if (cumulative >= rank) {
      if (i < bounds.length) return { ms: bounds[i]!, overflow: false };
      break;
    }
  }
  return { ms: bounds[bounds.length - 1]!, overflow: true };
}

/**
 * Minutes of `[from, to)` in which CLOS was expected to answer: those from the first minute any
 * process ever recorded to the last one recorded. A minute inside that span without any row is a
 * minute nobody was serving (down); minutes before CLOS ran, or not written yet, are not counted.
 */
export function expectedMinutes(from: Date, to: Date, first: Date | null, last: Date | null): number {
  if (!first || !last) return 0;
  const start = Math.ceil(Math.max(from.getTime(), first.getTime()) / MINUTE_MS) * MINUTE_MS;
  const end = Math.min(to.getTime(), last.getTime() + MINUTE_MS);
  return end > start ? Math.ceil((end - start) / MINUTE_MS) : 0;
}

/** Mean minutes from each recovered incident's failure to its recovery; null when none recovered. */
export function meanTimeToRecoveryMinutes(incidents: readonly DeploymentIncident[]): number | null {
  const recovered = incidents.filter((i) => i.recoveredAt !== null);
  if (!recovered.length) return null;
  const total = recovered.reduce((sum, i) => sum + (i.recoveredAt!.getTime() - i.failedAt.getTime()), 0);
  return total / recovered.length / MINUTE_MS;
}

/** The mean over every stay of every stage (each stage weighted by its number of stays). */
export function pooledMeanDays(stays: readonly StageStayFacts[]): number | null {
  const count = stays.reduce((a, s) => a + s.stays, 0);
  return count ? stays.reduce((a, s) => a + s.meanDays * s.stays, 0) / count : null;
}

/** `value` against `previous` in %; null when either is missing or `previous` is 0. */
export function changePercent(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return ((value - previous) / Math.abs(previous)) * 100;
}

export function meets(op: TargetOp, actual: number, target: number): boolean {
  switch (op) {
    case '>':
      return actual > target;
    case '>=':
      return actual >= target;
    case '<':
      return actual < target;
    case '<=':
      return actual <= target;
  }
}

interface FigureSpec {
  key: string;
  group: ScorecardGroup;
  label: string;
  unit: string;
  target: ScorecardTarget | null;
  how: string;
  /** Why the value is null, when it is. */
  empty: string;
  value: number | null;
  previous: number | null;
  detail?: ScorecardDetail[];
  /** Decimal places kept (3 by default). */
  places?: number;
}

function figure(spec: FigureSpec): ScorecardFigure {
  const { value, previous, target } = spec;
  const change = changePercent(value, previous);
  let met: boolean | null = null;
  if (target) {
    const actual = target.on === 'change' ? change : value;
    met = actual === null ? null : meets(target.op, actual, target.value);
  }
  const places = spec.places ?? 3;
  return {
    key: spec.key,
    group: spec.group,
    label: spec.label,
    target,
    value: roundOrNull(value, places),
    previous: roundOrNull(previous, places),
    change: roundOrNull(change, 1),
    unit: spec.unit,
    met,
    how: spec.how,
    reason: value === null ? spec.empty : null,
    ...(spec.detail ? { detail: spec.detail } : {}),
  };
}

const target = (
  op: TargetOp,
  value: number,
  unit: string,
  text: string,
  on: 'value' | 'change' = 'value',
) => ({
  op,
  value,
  unit,
  text,
  on,
});

/** Lays the aggregates out as the scorecard's figures, in the seed's order within each group. */
export function buildScorecard(
  window: ScorecardWindow,
  facts: ScorecardFacts,
  bounds: readonly number[],
): Scorecard {
  const spans = {
    current: { from: window.from, to: window.to, days: daysBetween(window.fromDay, window.toDay) },
    previous: {
      from: window.previousFrom,
      to: window.from,
      days: daysBetween(window.previousFromDay, window.fromDay),
    },
  };
  const both = <T>(f: (p: 'current' | 'previous') => T) => ({
    current: f('current'),
    previous: f('previous'),
  });
  const lengthDays = (p: 'current' | 'previous') =>
    (spans[p].to.getTime() - spans[p].from.getTime()) / DAY_MS;
  const lengthWeeks = (p: 'current' | 'previous') =>
    (spans[p].to.getTime() - spans[p].from.getTime()) / WEEK_MS;
  const s = facts.service;

  const availability = both((p) => {
    const expected = expectedMinutes(spans[p].from, spans[p].to, s.first, s.last);
    return percent(Math.min(s.periods[p].readyMinutes, expected), expected);
  });
  const p95 = both((p) => p95FromBuckets(s.periods[p].buckets, bounds));
  const errorRate = both((p) => percent(s.periods[p].errors, s.periods[p].requests));
  const deployFrequency = both((p) =>
    lengthDays(p) > 0 ? facts.deployments[p].succeeded / lengthDays(p) : null,
  );
  const mttr = both((p) => meanTimeToRecoveryMinutes(facts.deployments[p].incidents));
  const unrecovered = facts.deployments.current.incidents.filter((i) => !i.recoveredAt).length;

  const stages = [
    ...new Set([...facts.stageStays.current, ...facts.stageStays.previous].map((x) => x.stage)),
  ];
  const stageMean = (p: 'current' | 'previous', stage: string) =>
    facts.stageStays[p].find((x) => x.stage === stage)?.meanDays ?? null;

  const wip = both((p) => {
    const v = facts.wipViolations[p];
    return (v.refusals + v.overLimit) / lengthWeeks(p);
  });
  const ideasPerWeek = both((p) => facts.ideasEvaluated[p] / lengthWeeks(p));
  const demo = facts.demos;
  const perDay = (count: (p: 'current' | 'previous') => number) =>
    both((p) => (spans[p].days > 0 ? count(p) / spans[p].days : null));
  const dau = both((p) => {
    const a = facts.activeUsers[p];
    return spans[p].days > 0 ? percent(a.userDays / spans[p].days, a.users) : null;
  });
  const slack = perDay((p) => facts.usage[p].slackCommands);
  const views = perDay((p) => facts.usage[p].dashboardViews);
  const runs = facts.workflowRuns;

  const figures: ScorecardFigure[] = [
    figure({
      key: 'availability',
      group: 'technical',
      label: 'API uptime',
      unit: '%',
      target: target('>', 99.9, '%', '> 99.9 %'),
      how: 'Minutes in which at least one server process passed its /readyz self-check, divided by the minutes from the first to the last minute any process recorded (a minute without any record counts as down).',
      empty: 'no server process recorded a minute in this period',
      value: availability.current,
      previous: availability.previous,
    }),
    figure({
      key: 'api_p95_ms',
      group: 'technical',
      label: 'API response time (p95)',
      unit: 'ms',
      target: target('<=', 100, 'ms', '< 100 ms p95 (read as: 95 % of requests within the 100 ms bucket)'),
      how: 'The request-duration buckets of every process and minute are summed; p95 is the upper bound of the bucket in which the cumulative count reaches 95 % of requests (no interpolation).',
      empty: 'no request was recorded in this period',
      value: p95.current?.ms ?? null,
      previous: p95.previous?.ms ?? null,
      ...(p95.current?.overflow
        ? {
            detail: [
              {
                label: `more than 5 % of requests took longer than ${bounds[bounds.length - 1]} ms`,
                value: null,
                previous: null,
                unit: 'ms',
              },
            ],
          }
        : {}),
    }),
    figure({
      key: 'error_rate',
      group: 'technical',
      label: 'Error rate',
      unit: '%',
      target: target('<', 0.1, '%', '< 0.1 %'),
      how: 'Requests answered with a 5xx status divided by all requests, summed over every process and minute (4xx answers are the client’s errors, not the service’s).',
      empty: 'no request was recorded in this period',
      value: errorRate.current,
      previous: errorRate.previous,
      places: 4,
    }),
    figure({
      key: 'deployment_frequency',
      group: 'technical',
      label: 'Deployment frequency',
      unit: 'per day',
      target: target('>=', 1, 'per day', 'Daily'),
      how: 'Production deployments (their prod step) that succeeded in the period, divided by its length in days.',
      empty: 'the period is empty',
      value: deployFrequency.current,
      previous: deployFrequency.previous,
    }),
    figure({
      key: 'mttr_minutes',
      group: 'technical',
      label: 'Mean time to recovery',
      unit: 'minutes',
      target: target('<', 30, 'minutes', '< 30 minutes'),
      how: 'For each failed production deployment (after a good one) in the period, the minutes until the next successful production deployment of the same pod and project; the mean over those that recovered.',
      empty:
        unrecovered > 0
          ? `${unrecovered} production failure(s) in this period have not recovered yet`
          : 'no production deployment failed in this period',
      value: mttr.current,
      previous: mttr.previous,
      places: 1,
    }),
    figure({
      key: 'stage_cycle_time',
      group: 'business',
      label: 'Stage-gate cycle time',
      unit: 'days',
      target: target('<=', -50, '%', '−50 % (against the previous period)', 'change'),
      how: 'The mean days a project stayed in a stage before its next transition (or its shipping), over the stays that ended in the period; the target is its change against the previous period, per stage in the detail.',
      empty: 'no project left a stage in this period',
      value: pooledMeanDays(facts.stageStays.current),
      previous: pooledMeanDays(facts.stageStays.previous),
      detail: stages.map((stage) => ({
        label: stage,
        value: roundOrNull(stageMean('current', stage)),
        previous: roundOrNull(stageMean('previous', stage)),
        unit: 'days',
      })),
    }),
    figure({
      key: 'wip_violations_per_week',
      group: 'business',
      label: 'WIP-limit violations',
      unit: 'per week',
      target: target('<', 5, 'per week', '< 5/week'),
      how: 'Refused WIP acquires (wip.limit_reached events) plus WIP alerts opened because a pod held more than its limit, divided by the period’s length in weeks.',
      empty: 'the period is empty',
      value: wip.current,
      previous: wip.previous,
      detail: [
        {
          label: 'refused acquires',
          value: facts.wipViolations.current.refusals,
          previous: facts.wipViolations.previous.refusals,
          unit: 'count',
        },
        {
          label: 'over-limit alerts opened',
          value: facts.wipViolations.current.overLimit,
          previous: facts.wipViolations.previous.overLimit,
          unit: 'count',
        },
      ],
    }),
    figure({
      key: 'ideas_evaluated_per_week',
      group: 'business',
      label: 'Ideas evaluated',
      unit: 'per week',
      target: target('>', 10, 'per week', '> 10/week'),
      how: 'Distinct ideas that received an evaluation in the period, divided by its length in weeks.',
      empty: 'the period is empty',
      value: ideasPerWeek.current,
      previous: ideasPerWeek.previous,
    }),
    figure({
      key: 'pod_health_mean',
      group: 'business',
      label: 'Pod health score',
      unit: 'score',
      target: target('>', 80, 'score', '> 80 %'),
      how: 'The mean of each pod’s latest health snapshot recorded in the period (pods without one are left out).',
      empty: 'no pod health snapshot was recorded in this period',
      value: facts.podHealth.current.meanScore,
      previous: facts.podHealth.previous.meanScore,
    }),
    figure({
      key: 'idea_to_production_days',
      group: 'business',
      label: 'Idea to production',
      unit: 'days',
      target: null,
      how: 'For promoted ideas whose project first entered the last stage in the period, the mean days from the idea’s submission to that transition.',
      empty: 'no project promoted from an idea reached the last stage in this period',
      value: facts.ideaToProduction.current.meanDays,
      previous: facts.ideaToProduction.previous.meanDays,
    }),
    figure({
      key: 'demo_attendance',
      group: 'business',
      label: 'Demo attendance',
      unit: '%',
      target: null,
      how: 'For weekly demos whose cutoff falls in the period: pod members who submitted, gave feedback or answered the pulse, divided by the pods’ members at the cutoff (summed over demos).',
      empty: 'no weekly demo with members had its cutoff in this period',
      value: percent(demo.current.participants, demo.current.members),
      previous: percent(demo.previous.participants, demo.previous.members),
    }),
    figure({
      key: 'demo_feedback_score',
      group: 'business',
      label: 'Demo feedback score',
      unit: 'score (1–5)',
      target: null,
      how: 'The mean of every feedback score (1–5) given on the submissions of weekly demos whose cutoff falls in the period.',
      empty: 'no demo feedback was given in this period',
      value: demo.current.feedbackMean,
      previous: demo.previous.feedbackMean,
    }),
    figure({
      key: 'team_satisfaction',
      group: 'business',
      label: 'Team satisfaction',
      unit: 'score (1–10)',
      target: target('>', 8, 'score (1–10)', '> 8/10'),
      how: 'The mean answer (1–10) to the weekly demo’s one-question pulse, over demos whose cutoff falls in the period.',
      empty: 'nobody answered the demo pulse in this period',
      value: demo.current.pulseMean,
      previous: demo.previous.pulseMean,
    }),
    figure({
      key: 'daily_active_users',
      group: 'adoption',
      label: 'Daily active users',
      unit: '%',
      target: target('>=', 100, '%', '100 %'),
      how: 'The mean number of distinct users per UTC day who made an authenticated API call, used a dashboard session or a Slack command, divided by the accounts active in the period.',
      empty: 'no user account was active in this period',
      value: dau.current,
      previous: dau.previous,
    }),
    figure({
      key: 'slack_commands_per_day',
      group: 'adoption',
      label: 'Slack command usage',
      unit: 'per day',
      target: target('>', 50, 'per day', '> 50/day'),
      how: 'Slack slash commands handled, counted per UTC day, divided by the days of the period.',
      empty: 'the period is empty',
      value: slack.current,
      previous: slack.previous,
    }),
    figure({
      key: 'dashboard_views_per_day',
      group: 'adoption',
      label: 'Dashboard views',
      unit: 'per day',
      target: target('>', 100, 'per day', '> 100/day'),
      how: 'Dashboard page loads (its index.html served, not its assets or API calls), divided by the days of the period.',
      empty: 'the period is empty',
      value: views.current,
      previous: views.previous,
    }),
    figure({
      key: 'workflow_completion_rate',
      group: 'adoption',
      label: 'Workflow completion',
      unit: '%',
      target: target('>', 95, '%', '> 95 %'),
      how: 'Workflow runs started in the period that succeeded, divided by those that finished (succeeded or failed); deployments are counted by the technical figures instead.',
      empty: 'no workflow run started in this period has finished',
      value: percent(runs.current.succeeded, runs.current.succeeded + runs.current.failed),
      previous: percent(runs.previous.succeeded, runs.previous.succeeded + runs.previous.failed),
    }),
  ];
  return { from: window.from, to: window.to, previousFrom: window.previousFrom, figures };
}
