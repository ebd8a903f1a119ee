/**
 * The dashboard's trends (issue 14 §5): cumulative flow, cycle time per stage, throughput, WIP
 * utilisation per pod and the idea funnel, week by week. The database answers sparse weekly
 * aggregates (`TrendsRepository`); this module lays them out as dense series, one value per week,
 * so a chart never has to guess what a missing week means.
 */
import { sealCommittedAudit } from '../audit/seal.ts';
import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Policy } from '../policy.ts';
import type { DashboardPod, StoredWipLimit } from '../ports/dashboard.ts';
import type {
  ClosedAtWeekEnd,
  IdeaFlowInWeek,
  StageAtWeekEnd,
  StayDaysInWeek,
  ThroughputInWeek,
  TrendWindow,
  WipAtWeekEnd,
} from '../ports/trends.ts';
import { effectiveLimit } from '../wip/limits.ts';
import { ratio, weekStart } from './metrics.ts';

const WEEK_MS = 7 * 86_400_000;
/** Weeks shown when the caller does not say. */
export const TRENDS_DEFAULT_WEEKS = 12;
/** A year of weeks: beyond that the charts stop being readable, and the queries stop being cheap. */
export const TRENDS_MAX_WEEKS = 52;

export interface StageSeries {
  stage: string;
  /** One value per week, oldest first. */
  counts: number[];
}

export interface CycleTimeSeries {
  stage: string;
  /** Median days of the stays in the stage that ended in each week; null in a week where none did. */
  medianDays: (number | null)[];
  meanDays: (number | null)[];
  /** How many stays each week's figures are over. */
  stays: number[];
}

export interface WipTrendCell {
  itemType: string;
  /** The limit in force now: limits are not versioned, so past weeks are measured against it. */
  limit: number;
  /** Locks held at each week's end. */
  used: number[];
  /** used ÷ limit per week; null when the limit is 0. */
  utilisation: (number | null)[];
}

export interface WipTrendPod extends DashboardPod {
  cells: WipTrendCell[];
}

export interface DashboardTrends {
  /** The start (Monday 00:00 UTC) of each week, oldest first; the last is the current week. */
  weeks: Date[];
  /** Open projects per stage at each week's end (the current week: now), in policy order. */
  cumulativeFlow: StageSeries[];
  /** Projects shipped and cancelled by each week's end (running totals, for the flow's top bands). */
  closed: { shipped: number[]; cancelled: number[] };
  cycleTime: CycleTimeSeries[];
  /** Per week: stage transitions made, projects shipped, projects cancelled. */
  throughput: { advanced: number[]; shipped: number[]; cancelled: number[] };
  wip: { types: string[]; pods: WipTrendPod[] };
  /** Per week: ideas submitted, evaluations made, ideas promoted and archived. */
  ideas: { submitted: number[]; evaluated: number[]; promoted: number[]; archived: number[] };
}

/** The aggregates the trends are laid out from, as the repositories answer them. */
export interface TrendsInput {
  stagesAtWeekEnd: StageAtWeekEnd[];
  closedAtWeekEnd: ClosedAtWeekEnd[];
  stayDays: StayDaysInWeek[];
  throughput: ThroughputInWeek[];
  wipAtWeekEnd: WipAtWeekEnd[];
  ideaFlow: IdeaFlowInWeek[];
  pods: DashboardPod[];
  storedLimits: StoredWipLimit[];
}

/**
 * The window of `weeks` whole weeks ending with the one `now` falls in. Weeks start on Monday 00:00
 * UTC, as the overview's "this week" does, so the last point of a trend and the overview agree.
 */
export function trendWindow(now: Date, weeks: number): TrendWindow {
  const count = Math.min(TRENDS_MAX_WEEKS, Math.max(1, Math.trunc(weeks)));
  return { from: new Date(weekStart(now).getTime() - (count - 1) * WEEK_MS), weeks: count, now };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** A dense series: `value(row)` at each row's week, `empty` in weeks no row names (or outside the window). */
function series<R extends { week: number }, V>(
  weeks: number,
  rows: readonly R[],
  value: (row: R) => V,
  empty: V,
): V[] {
  const out = Array.from({ length: weeks }, () => empty);
  for (const row of rows) if (row.week >= 0 && row.week < weeks) out[row.week] = value(row);
  return out;
}

/** Lays the weekly aggregates out as one value per week, stages in policy order, pods × types as configured. */
export function buildTrends(policy: Policy, window: TrendWindow, input: TrendsInput): DashboardTrends {
  const { weeks } = window;
  const stages = policy.stages.map((s) => s.name);
  const types = policy.wip.types.map((t) => t.name);
  const storedByPod = new Map<string, Record<string, number>>();
  for (const s of input.storedLimits)
    storedByPod.set(s.podId, { ...storedByPod.get(s.podId), [s.itemType]: s.limit });

  return {
    weeks: Array.from({ length: weeks }, (_, i) => new Date(window.from.getTime() + i * WEEK_MS)),
    cumulativeFlow: stages.map((stage) => ({
      stage,
      counts: series(
        weeks,
        input.stagesAtWeekEnd.filter((r) => r.stage === stage),
        (r) => r.count,
        0,
      ),
    })),
    closed: {
      shipped: fillForward(series(weeks, input.closedAtWeekEnd, (r) => r.shipped, null)),
      cancelled: fillForward(series(weeks, input.closedAtWeekEnd, (r) => r.cancelled, null)),
    },
    cycleTime: stages.map((stage) => {
      const rows = input.stayDays.filter((r) => r.stage === stage);
      return {
        stage,
        medianDays: series(weeks, rows, (r) => round2(r.medianDays), null),
        meanDays: series(weeks, rows, (r) => round2(r.meanDays), null),
        stays: series(weeks, rows, (r) => r.stays, 0),
      };
    }),
    throughput: {
      advanced: series(weeks, input.throughput, (r) => r.advanced, 0),
      shipped: series(weeks, input.throughput, (r) => r.shipped, 0),
      cancelled: series(weeks, input.throughput, (r) => r.cancelled, 0),
    },
    wip: {
      types,
      pods: input.pods.map((pod) => ({
        ...pod,
        cells: types.map((itemType) => {
          const limit = effectiveLimit({ policy }, storedByPod.get(pod.id) ?? {}, itemType);
          const used = series(
            weeks,
            input.wipAtWeekEnd.filter((r) => r.podId === pod.id && r.itemType === itemType),
            (r) => r.used,
            0,
          );
          return { itemType, limit, used, utilisation: used.map((u) => ratio(u, limit)) };
        }),
      })),
    },
    ideas: {
      submitted: series(weeks, input.ideaFlow, (r) => r.submitted, 0),
      evaluated: series(weeks, input.ideaFlow, (r) => r.evaluated, 0),
      promoted: series(weeks, input.ideaFlow, (r) => r.promoted, 0),
      archived: series(weeks, input.ideaFlow, (r) => r.archived, 0),
    },
  };
}

/**
 * A running total the database answers only for weeks it has a row for: a week without one holds the
 * week before's total (nothing closed in it), and 0 before the first.
 */
function fillForward(values: (number | null)[]): number[] {
  let last = 0;
  return values.map((v) => {
    last = v ?? last;
    return last;
  });
}

/**
 * The trends use case: one snapshot read of six weekly aggregates plus the pods and their limits, so
 * every chart describes the same instant.
 */
export function createTrendsService(deps: Deps) {
  const { uow, clock, policy } = deps;
  const stages = policy.stages.map((s) => s.name);
  return {
    async trends(ctx: Ctx, options: { weeks?: number } = {}): Promise<DashboardTrends> {
      assertCan(ctx.actor, 'read');
      const window = trendWindow(clock.now(), options.weeks ?? TRENDS_DEFAULT_WEEKS);
      // Promotions and archivals are read from the audit log: the newest ones are chained first.
      await sealCommittedAudit(uow);
      return uow.run(
        async (repos) => {
          const t = repos.trends;
          return buildTrends(policy, window, {
            stagesAtWeekEnd: await t.stagesAtWeekEnd(window, stages),
            closedAtWeekEnd: await t.closedAtWeekEnd(window),
            stayDays: await t.stayDaysByWeek(window, stages),
            throughput: await t.throughputByWeek(window),
            wipAtWeekEnd: await t.wipAtWeekEnd(window),
            ideaFlow: await t.ideaFlowByWeek(window),
            pods: await repos.dashboard.pods(),
            storedLimits: await repos.dashboard.storedWipLimits(),
          });
        },
        { snapshot: true },
      );
    },
  };
}

export type TrendsService = ReturnType<typeof createTrendsService>;
