import type { HealthFigures, HealthMetrics, HealthRepository, HealthWindow } from '@clos/core';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import { prepared } from '../prepared.ts';
import * as t from '../schema/index.ts';

// The entity names the metrics there are; the column holds whichever were measured. Reading needs
// no mapping (a record of numbers is a HealthMetrics); writing copies into a plain object, which TS
// lets stand for a record where it does not let the named interface.
const metricsColumn = (m: HealthMetrics): Record<string, number> => ({ ...m });

// A pod's status reads its latest snapshot (see prepared.ts).
const latestHealthQuery = prepared((db) =>
  db
    .select()
    .from(t.podHealthSnapshots)
    .where(eq(t.podHealthSnapshots.podId, sql.placeholder('podId')))
    .orderBy(desc(t.podHealthSnapshots.recordedAt))
    .limit(1)
    .prepare(''),
);

export function healthRepository(db: Db): HealthRepository {
  return {
    async insert(s) {
      await db.insert(t.podHealthSnapshots).values({ ...s, metrics: metricsColumn(s.metrics) });
    },
    async latest(podId, source) {
      if (!source) return (await latestHealthQuery(db).execute({ podId }))[0] ?? null;
      return (
        (
          await db
            .select()
            .from(t.podHealthSnapshots)
            .where(
              and(
                eq(t.podHealthSnapshots.podId, podId),
                source ? eq(t.podHealthSnapshots.source, source) : undefined,
              ),
            )
            .orderBy(desc(t.podHealthSnapshots.recordedAt))
            .limit(1)
        )[0] ?? null
      );
    },
    async history(podId, limit) {
      return db
        .select()
        .from(t.podHealthSnapshots)
        .where(eq(t.podHealthSnapshots.podId, podId))
        .orderBy(desc(t.podHealthSnapshots.recordedAt))
        .limit(limit);
    },
    figures: (podId, window) => healthFigures(db, podId, window),
  };
}

// count(*) is a bigint and sums are numeric, which the drivers hand back as text.
const n = (value: unknown) => Number(value ?? 0);

/**
 * Every figure of a pod's computed health in one statement of scalar subqueries. The window's
 * instants are bound as text and cast, so both drivers read the same instant.
 */
async function healthFigures(db: Db, podId: string, w: HealthWindow): Promise<HealthFigures> {
  const since = sql`${w.since.toISOString()}::timestamptz`;
  const now = sql`${w.now.toISOString()}::timestamptz`;
  const pod = sql`${podId}::uuid`;
  const within = (at: ReturnType<typeof sql>) => sql`${at} > ${since} and ${at} <= ${now}`;
  // Transitions at one instant are ordered by the policy's stage order, as the dashboard's trends do.
  const order = sql`array_position(array[${sql.join(
    w.stageOrder.map((s) => sql`${s}`),
    sql`, `,
  )}]::text[], st.to_stage)`;
  const closedDemos = sql`select d.id from weekly_demos d where d.pod_id = ${pod} and ${within(sql`d.closed_at`)}`;
  const result = (await db.execute(
    sql`with stays as (
        select st.project_id, st.created_at as entered,
          lead(st.created_at) over (partition by st.project_id order by st.created_at, ${order}) as left_at
        from stage_transitions st join projects p on p.id = st.project_id
        where p.pod_id = ${pod}
      ),
      -- A stay in the stage a project shipped from ends at the shipping; one ended by a cancellation
      -- never completed.
      ended as (
        select stays.entered,
          coalesce(stays.left_at, case when p.outcome = 'shipped' then p.closed_at end) as ended
        from stays join projects p on p.id = stays.project_id
      ),
      completed as (select * from ended where ended.ended is not null and ${within(sql`ended.ended`)})
      select
        (select count(*) from commitments c
          where c.pod_id = ${pod} and c.day >= ${w.fromDay} and c.day <= ${w.toDay}) as recorded,
        (select count(*) from commitments c
          where c.pod_id = ${pod} and c.day >= ${w.fromDay} and c.day <= ${w.toDay} and c.status = 'done') as done,
        (select count(*) from completed) as stays,
        (select sum(extract(epoch from (completed.ended - completed.entered))) / 86400.0 from completed) as stay_days,
        (select count(*) from projects p where p.pod_id = ${pod} and p.closed_at is null) as open,
        (select count(*) from projects p
          where p.pod_id = ${pod} and p.closed_at is null and p.blocked_at is not null) as blocked,
        (select sum(extract(epoch from (${now} - p.blocked_at))) / 86400.0 from projects p
          where p.pod_id = ${pod} and p.closed_at is null and p.blocked_at is not null) as blocked_days,
        (select count(*) from approvals a join projects p on p.id = a.project_id
          where p.pod_id = ${pod} and a.decision = 'reject' and ${within(sql`a.created_at`)}) as rejections,
        (select count(distinct g.project_id) from (
            select a.project_id from approvals a where ${within(sql`a.created_at`)}
            union
            select st.project_id from stage_transitions st
              where st.from_stage is not null and ${within(sql`st.created_at`)}
          ) g join projects p on p.id = g.project_id
          where p.pod_id = ${pod}) as gated,
        (select count(*) from (${closedDemos}) cd) as demos,
        (select count(*) from pod_members m where m.pod_id = ${pod} and m.left_at is null) as members,
        (select count(*) from pod_members m where m.pod_id = ${pod} and m.left_at is null and (
          exists (select 1 from demo_submissions s
            where s.demo_id in (${closedDemos}) and s.user_id = m.user_id)
          or exists (select 1 from demo_feedback f join demo_submissions s on s.id = f.submission_id
            where s.demo_id in (${closedDemos}) and f.user_id = m.user_id)
        )) as participants`,
  )) as unknown as { rows: Record<string, unknown>[] };
  const r = result.rows[0]!;
  return {
    commitments: { recorded: n(r.recorded), done: n(r.done) },
    stays: { count: n(r.stays), totalDays: n(r.stay_days) },
    projects: { open: n(r.open), blocked: n(r.blocked), blockedDays: n(r.blocked_days) },
    gates: { rejections: n(r.rejections), projects: n(r.gated) },
    demos: { closed: n(r.demos), members: n(r.members), participants: n(r.participants) },
  };
}
