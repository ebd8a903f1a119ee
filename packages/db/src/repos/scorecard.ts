import {
  DEPLOYMENT_WORKFLOW,
  type DemoFacts,
  type DeploymentIncident,
  type PerPeriod,
  type ScorecardRepository,
  type ScorecardWindow,
  type StageStayFacts,
} from '@clos/core';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';

type Period = 'current' | 'previous';

// count(*) and sum() of integers are bigints, which the drivers hand back as text.
const n = (value: unknown) => Number(value ?? 0);
const nOrNull = (value: unknown) => (value == null ? null : Number(value));

async function rows(db: Db, query: SQL): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

/**
 * The window's instants and days, bound as text and cast, so both drivers (pg and PGlite) read the
 * same instant whatever their Date serialisation. Every statement covers both periods at once and
 * tags each row with the one it falls in.
 */
function bind(w: ScorecardWindow) {
  const previousFrom = sql`${w.previousFrom.toISOString()}::timestamptz`;
  const from = sql`${w.from.toISOString()}::timestamptz`;
  const to = sql`${w.to.toISOString()}::timestamptz`;
  const fromDay = sql`${w.fromDay}::date`;
  return {
    from,
    to,
    period: (at: SQL) => sql`case when ${at} >= ${from} then 'current' else 'previous' end`,
    within: (at: SQL) => sql`${at} >= ${previousFrom} and ${at} < ${to}`,
    dayPeriod: (day: SQL) => sql`case when ${day} >= ${fromDay} then 'current' else 'previous' end`,
    withinDays: (day: SQL) => sql`${day} >= ${w.previousFromDay}::date and ${day} < ${w.toDay}::date`,
  };
}

/** One value per period from rows tagged with `period`; a period without a row gets `empty`. */
function perPeriod<T>(
  result: Record<string, unknown>[],
  read: (row: Record<string, unknown>) => T,
  empty: T,
) {
  const out: PerPeriod<T> = { current: empty, previous: empty };
  for (const row of result) out[row.period as Period] = read(row);
  return out;
}

/** Aggregate statements over both periods at once (one per figure family). */
export function scorecardRepository(db: Db): ScorecardRepository {
  return {
    async deployments(window) {
      const w = bind(window);
      // A deployment reached production when its run has a `prod` step that finished. An incident
      // starts at a failure whose previous production deployment (same pod and project) did not
      // fail: a second failure in a row is the same outage, not a new one.
      const result = await rows(
        db,
        sql`with prod as (
            select d.pod_id, d.project_id, d.finished_at, s.status
            from deployments d
            join workflow_steps s on s.run_id = d.run_id and s.name = 'prod'
            where d.finished_at is not null and s.status in ('succeeded', 'failed')
          ),
          ordered as (
            select prod.*, lag(status) over (partition by pod_id, project_id order by finished_at) as previous_status
            from prod
          ),
          scoped as (
            select ${w.period(sql`o.finished_at`)} as period, o.status, o.finished_at,
              case when o.status = 'failed' then (
                select min(p.finished_at) from prod p
                where p.pod_id = o.pod_id and p.project_id is not distinct from o.project_id
                  and p.status = 'succeeded' and p.finished_at > o.finished_at
              ) end as recovered_at
            from ordered o
            where ${w.within(sql`o.finished_at`)}
              and (o.status = 'succeeded' or o.previous_status is distinct from 'failed')
          )
          select period, count(*) filter (where status = 'succeeded') as succeeded,
            json_agg(json_build_object('failedAt', finished_at, 'recoveredAt', recovered_at) order by finished_at)
              filter (where status = 'failed') as incidents
          from scoped group by period`,
      );
      return perPeriod(
        result,
        (r) => ({
          succeeded: n(r.succeeded),
          incidents: ((r.incidents as { failedAt: string; recoveredAt: string | null }[] | null) ?? []).map(
            (i): DeploymentIncident => ({
              failedAt: new Date(i.failedAt),
              recoveredAt: i.recoveredAt ? new Date(i.recoveredAt) : null,
            }),
          ),
        }),
        { succeeded: 0, incidents: [] },
      );
    },

    async stageStays(window, stageOrder) {
      const w = bind(window);
      const order = sql`array_position(array[${sql.join(
        stageOrder.map((s) => sql`${s}`),
        sql`, `,
      )}]::text[], st.to_stage)`;
      // As the trends read them: a stay ends at the next transition, or at the shipping of a project
      // shipped from that stage; one ended by a cancellation never completed.
      const result = await rows(
        db,
        sql`with stays as (
            select st.project_id, st.to_stage as stage, st.created_at as entered,
              lead(st.created_at) over (partition by st.project_id order by st.created_at, ${order}) as left_at
            from stage_transitions st
          ),
          ended as (
            select stays.stage, stays.entered,
              coalesce(stays.left_at, case when p.outcome = 'shipped' then p.closed_at end) as ended
            from stays join projects p on p.id = stays.project_id
          )
          select ${w.period(sql`ended`)} as period, stage, count(*) as stays,
            avg(extract(epoch from (ended - entered))) / 86400.0 as mean_days
          from ended
          where ended is not null and ${w.within(sql`ended`)}
          group by 1, stage
          order by 1, array_position(array[${sql.join(
            stageOrder.map((s) => sql`${s}`),
            sql`, `,
          )}]::text[], stage), stage`,
      );
      const out: PerPeriod<StageStayFacts[]> = { current: [], previous: [] };
      for (const r of result)
        out[r.period as Period].push({
          stage: String(r.stage),
          stays: n(r.stays),
          meanDays: Number(r.mean_days),
        });
      return out;
    },

    async wipViolations(window) {
      const w = bind(window);
      // An alert opened by a refusal at the limit would count that refusal twice: only alerts for a
      // pod holding more than its limit are added to the refusals.
      const result = await rows(
        db,
        sql`select period, count(*) filter (where kind = 'refusal') as refusals,
            count(*) filter (where kind = 'over_limit') as over_limit
          from (
            select ${w.period(sql`occurred_at`)} as period, 'refusal' as kind
              from domain_events where type = 'wip.limit_reached' and ${w.within(sql`occurred_at`)}
            union all
            select ${w.period(sql`opened_at`)}, 'over_limit'
              from alerts
              where kind = 'wip.limit_exceeded' and details->>'exceeded' = 'true' and ${w.within(sql`opened_at`)}
          ) violations
          group by period`,
      );
      return perPeriod(result, (r) => ({ refusals: n(r.refusals), overLimit: n(r.over_limit) }), {
        refusals: 0,
        overLimit: 0,
      });
    },

    async ideasEvaluated(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`select ${w.period(sql`created_at`)} as period, count(distinct idea_id) as ideas
          from idea_evaluations where ${w.within(sql`created_at`)} group by 1`,
      );
      return perPeriod(result, (r) => n(r.ideas), 0);
    },

    async podHealth(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`select period, count(*) as pods, avg(score) as mean_score
          from (
            select distinct on (period, pod_id) period, pod_id, score
            from (
              select ${w.period(sql`recorded_at`)} as period, pod_id, score, recorded_at, id
              from pod_health_snapshots where ${w.within(sql`recorded_at`)}
            ) scoped
            order by period, pod_id, recorded_at desc, id desc
          ) latest
          group by period`,
      );
      return perPeriod(result, (r) => ({ pods: n(r.pods), meanScore: nOrNull(r.mean_score) }), {
        pods: 0,
        meanScore: null,
      });
    },

    async ideaToProduction(window, lastStage) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`with reached as (
            select project_id, min(created_at) as reached_at
            from stage_transitions where to_stage = ${lastStage} group by project_id
          )
          select ${w.period(sql`r.reached_at`)} as period, count(*) as ideas,
            avg(extract(epoch from (r.reached_at - i.created_at))) / 86400.0 as mean_days
          from ideas i join reached r on r.project_id = i.promoted_to_project_id
          where ${w.within(sql`r.reached_at`)}
          group by 1`,
      );
      return perPeriod(result, (r) => ({ ideas: n(r.ideas), meanDays: nOrNull(r.mean_days) }), {
        ideas: 0,
        meanDays: null,
      });
    },

    async demos(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`with d as (
            select id, pod_id, cutoff_at, ${w.period(sql`cutoff_at`)} as period
            from weekly_demos where ${w.within(sql`cutoff_at`)}
          ),
          members as (
            select distinct d.id as demo_id, pm.user_id
            from d join pod_members pm on pm.pod_id = d.pod_id
              and pm.joined_at <= d.cutoff_at and (pm.left_at is null or pm.left_at > d.cutoff_at)
          ),
          took_part as (
            select s.demo_id, s.user_id from demo_submissions s join d on d.id = s.demo_id
            union
            select s.demo_id, f.user_id
              from demo_feedback f join demo_submissions s on s.id = f.submission_id join d on d.id = s.demo_id
            union
            select p.demo_id, p.user_id from demo_pulses p join d on d.id = p.demo_id
          ),
          per_demo as (
            select d.id, d.period,
              (select count(*) from members m where m.demo_id = d.id) as members,
              (select count(*) from members m join took_part t on t.demo_id = m.demo_id and t.user_id = m.user_id
                where m.demo_id = d.id) as participants
            from d
          ),
          feedback as (
            select d.period, count(*) as n, avg(f.score) as mean
            from demo_feedback f join demo_submissions s on s.id = f.submission_id join d on d.id = s.demo_id
            group by d.period
          ),
          pulses as (
            select d.period, count(*) as n, avg(p.score) as mean
            from demo_pulses p join d on d.id = p.demo_id group by d.period
          )
          select pd.period, count(*) as demos, sum(pd.members) as members, sum(pd.participants) as participants,
            max(feedback.n) as feedback_count, max(feedback.mean) as feedback_mean,
            max(pulses.n) as pulse_count, max(pulses.mean) as pulse_mean
          from per_demo pd
          left join feedback on feedback.period = pd.period
          left join pulses on pulses.period = pd.period
          group by pd.period`,
      );
      const empty: DemoFacts = {
        demos: 0,
        participants: 0,
        members: 0,
        feedbackCount: 0,
        feedbackMean: null,
        pulseCount: 0,
        pulseMean: null,
      };
      return perPeriod(
        result,
        (r) => ({
          demos: n(r.demos),
          participants: n(r.participants),
          members: n(r.members),
          feedbackCount: n(r.feedback_count),
          feedbackMean: nOrNull(r.feedback_mean),
          pulseCount: n(r.pulse_count),
          pulseMean: nOrNull(r.pulse_mean),
        }),
        empty,
      );
    },

    async activeUsers(window) {
      const w = bind(window);
      const previousFrom = sql`${window.previousFrom.toISOString()}::timestamptz`;
      // Accounts that existed and were not deactivated at some instant of the period.
      const result = await rows(
        db,
        sql`select period, sum(user_days) as user_days, sum(users) as users from (
            select ${w.dayPeriod(sql`day`)} as period, count(*) as user_days, 0 as users
              from active_users where ${w.withinDays(sql`day`)} group by 1
            union all
            select 'current', 0, count(*) from users
              where created_at < ${w.to} and (deactivated_at is null or deactivated_at >= ${w.from})
            union all
            select 'previous', 0, count(*) from users
              where created_at < ${w.from} and (deactivated_at is null or deactivated_at >= ${previousFrom})
          ) counts
          group by period`,
      );
      return perPeriod(result, (r) => ({ userDays: n(r.user_days), users: n(r.users) }), {
        userDays: 0,
        users: 0,
      });
    },

    async usage(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`select ${w.dayPeriod(sql`day`)} as period,
            coalesce(sum(count) filter (where metric like 'slack.command:%'), 0) as slack_commands,
            coalesce(sum(count) filter (where metric = 'dashboard.view'), 0) as dashboard_views
          from usage_counts where ${w.withinDays(sql`day`)}
          group by 1`,
      );
      return perPeriod(
        result,
        (r) => ({ slackCommands: n(r.slack_commands), dashboardViews: n(r.dashboard_views) }),
        { slackCommands: 0, dashboardViews: 0 },
      );
    },

    async workflowRuns(window) {
      const w = bind(window);
      const result = await rows(
        db,
        sql`select ${w.period(sql`started_at`)} as period,
            count(*) filter (where status = 'succeeded') as succeeded,
            count(*) filter (where status = 'failed') as failed
          from workflow_runs
          where workflow <> ${DEPLOYMENT_WORKFLOW} and started_at is not null and ${w.within(sql`started_at`)}
          group by 1`,
      );
      return perPeriod(result, (r) => ({ succeeded: n(r.succeeded), failed: n(r.failed) }), {
        succeeded: 0,
        failed: 0,
      });
    },
  };
}
