import type { TrendsRepository, TrendWindow } from '@clos/core';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';

// count(*) is a bigint, which the drivers hand back as text.
const n = (value: unknown) => Number(value ?? 0);
const WEEK_SECONDS = 7 * 86_400;

/**
 * The window's parameters, bound once per statement as text and cast, so both drivers (pg and PGlite)
 * read the same instant whatever their Date serialisation.
 */
function bind(window: TrendWindow) {
  const from = sql`${window.from.toISOString()}::timestamptz`;
  const now = sql`${window.now.toISOString()}::timestamptz`;
  return {
    from,
    now,
    /** One row per week: its index and the instant it is read at (its end, or now for the current one). */
    weeks: sql`select w as week, least(${from} + (w + 1) * interval '7 days', ${now}) as week_end
      from generate_series(0, ${window.weeks - 1}::int) as w`,
    /** The index of the week `at` falls in (0 = the window's first). */
    weekOf: (at: SQL) => sql`floor(extract(epoch from (${at} - ${from})) / ${WEEK_SECONDS})::int`,
    /** `at` falls inside the window. */
    within: (at: SQL) => sql`${at} >= ${from} and ${at} <= ${now}`,
  };
}

/**
 * Every stay of a project in a stage: entered by a transition, left at the project's next one (null
 * while it stands there). Transitions at one instant are ordered by the policy's stage order.
 */
function stays(stageOrder: readonly string[]) {
  const order = sql`array_position(array[${sql.join(
    stageOrder.map((s) => sql`${s}`),
    sql`, `,
  )}]::text[], st.to_stage)`;
  return sql`select st.project_id, st.to_stage as stage, st.created_at as entered,
      lead(st.created_at) over (partition by st.project_id order by st.created_at, ${order}) as left_at
    from stage_transitions st`;
}

async function rows(db: Db, query: SQL): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

/** One aggregate statement per method, over every week of the window at once. */
export function trendsRepository(db: Db): TrendsRepository {
  return {
    async stagesAtWeekEnd(window, stageOrder) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`with weeks as (${w.weeks}), stays as (${stays(stageOrder)})
          select weeks.week, stays.stage, count(*) as count
          from weeks
          join stays on stays.entered <= weeks.week_end
            and (stays.left_at is null or stays.left_at > weeks.week_end)
          join projects p on p.id = stays.project_id
            and (p.closed_at is null or p.closed_at > weeks.week_end)
          group by weeks.week, stays.stage`,
      );
      return result.map((r) => ({ week: n(r.week), stage: String(r.stage), count: n(r.count) }));
    },

    async closedAtWeekEnd(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`with weeks as (${w.weeks})
          select weeks.week,
            count(p.id) filter (where p.outcome = 'shipped') as shipped,
            count(p.id) filter (where p.outcome = 'cancelled') as cancelled
          from weeks
          left join projects p on p.closed_at <= weeks.week_end
          group by weeks.week`,
      );
      return result.map((r) => ({ week: n(r.week), shipped: n(r.shipped), cancelled: n(r.cancelled) }));
    },

    async stayDaysByWeek(window, stageOrder) {
      const w = bind(window);
      // A stay in the stage a project shipped from ends at the shipping; one ended by a cancellation
      // never completed, so it does not count (as in the funnel's median).
      const result = await rows(
        db,
        sql`with stays as (${stays(stageOrder)}),
          ended as (
            select stays.stage, stays.entered,
              coalesce(stays.left_at, case when p.outcome = 'shipped' then p.closed_at end) as ended
            from stays join projects p on p.id = stays.project_id
          )
          select ${w.weekOf(sql`ended.ended`)} as week, ended.stage, count(*) as stays,
            percentile_cont(0.5) within group (order by extract(epoch from (ended.ended - ended.entered))) / 86400.0 as median_days,
            avg(extract(epoch from (ended.ended - ended.entered))) / 86400.0 as mean_days
          from ended
          where ended.ended is not null and ${w.within(sql`ended.ended`)}
          group by 1, ended.stage`,
      );
      return result.map((r) => ({
        week: n(r.week),
        stage: String(r.stage),
        stays: n(r.stays),
        medianDays: Number(r.median_days),
        meanDays: Number(r.mean_days),
      }));
    },

    async throughputByWeek(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`select week,
            count(*) filter (where kind = 'advanced') as advanced,
            count(*) filter (where kind = 'shipped') as shipped,
            count(*) filter (where kind = 'cancelled') as cancelled
          from (
            select ${w.weekOf(sql`created_at`)} as week, 'advanced' as kind
              from stage_transitions where from_stage is not null and ${w.within(sql`created_at`)}
            union all
            select ${w.weekOf(sql`closed_at`)}, outcome
              from projects where outcome is not null and ${w.within(sql`closed_at`)}
          ) happened
          group by week`,
      );
      return result.map((r) => ({
        week: n(r.week),
        advanced: n(r.advanced),
        shipped: n(r.shipped),
        cancelled: n(r.cancelled),
      }));
    },

    async wipAtWeekEnd(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`with weeks as (${w.weeks})
          select weeks.week, l.pod_id, l.item_type, count(*) as used
          from weeks
          join wip_locks l on l.acquired_at <= weeks.week_end
            and (l.released_at is null or l.released_at > weeks.week_end)
          group by weeks.week, l.pod_id, l.item_type`,
      );
      return result.map((r) => ({
        week: n(r.week),
        podId: String(r.pod_id),
        itemType: String(r.item_type),
        used: n(r.used),
      }));
    },

    async ideaFlowByWeek(window) {
      const w = bind(window);
      // Ideas keep no promotion or archival date of their own: the audit log has both, to the second.
      const result = await rows(
        db,
        sql`select week,
            count(*) filter (where kind = 'submitted') as submitted,
            count(*) filter (where kind = 'evaluated') as evaluated,
            count(*) filter (where kind = 'idea.promoted') as promoted,
            count(*) filter (where kind = 'idea.archived') as archived
          from (
            select ${w.weekOf(sql`created_at`)} as week, 'submitted' as kind
              from ideas where ${w.within(sql`created_at`)}
            union all
            select ${w.weekOf(sql`created_at`)}, 'evaluated'
              from idea_evaluations where ${w.within(sql`created_at`)}
            union all
            select ${w.weekOf(sql`occurred_at`)}, action
              from audit_events
              where action in ('idea.promoted', 'idea.archived') and ${w.within(sql`occurred_at`)}
          ) happened
          group by week`,
      );
      return result.map((r) => ({
        week: n(r.week),
        submitted: n(r.submitted),
        evaluated: n(r.evaluated),
        promoted: n(r.promoted),
        archived: n(r.archived),
      }));
    },
  };
}
