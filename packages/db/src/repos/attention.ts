import type { AttentionRepository } from '@clos/core';
import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

// count(*) is a bigint, which the drivers hand back as text.
const n = (value: unknown) => Number(value ?? 0);

/** One statement per method: the overview's cost does not grow with the number of pods or projects. */
export function attentionRepository(db: Db): AttentionRepository {
  const p = t.projects;
  const st = t.stageTransitions;
  const openProjectIds = db.select({ id: p.id }).from(p).where(isNull(p.closedAt));
  return {
    async queuedCounts() {
      const q = t.wipQueue;
      const rows = await db
        .select({ podId: q.podId, itemType: q.itemType, queued: count() })
        .from(q)
        .groupBy(q.podId, q.itemType);
      return rows.map((r) => ({ podId: r.podId, itemType: r.itemType, queued: n(r.queued) }));
    },

    async openProjectGates() {
      const e = t.evidence;
      const a = t.approvals;
      const projects = await db.select().from(p).where(isNull(p.closedAt)).orderBy(asc(p.stageEnteredAt));
      const evidence = await db
        .selectDistinctOn([e.projectId, e.stage])
        .from(e)
        .where(inArray(e.projectId, openProjectIds))
        .orderBy(e.projectId, e.stage, desc(e.createdAt), desc(e.id));
      const approvals = await db
        .select({
          id: a.id,
          projectId: a.projectId,
          stage: a.stage,
          userId: a.userId,
          decision: a.decision,
          comment: a.comment,
          createdAt: a.createdAt,
          userRole: t.users.role,
          userEmail: t.users.email,
        })
        .from(a)
        .innerJoin(t.users, eq(t.users.id, a.userId))
        .where(inArray(a.projectId, openProjectIds))
        .orderBy(asc(a.createdAt), asc(a.id));
      return { projects, evidence, approvals };
    },

    async readyIdeas(minEvaluations, threshold) {
      const i = t.ideas;
      const rows = await db
        .select({ id: i.id, title: i.title, score: i.evaluationScore, evaluations: i.evaluationCount })
        .from(i)
        .where(
          and(
            eq(i.status, 'pending'),
            gte(i.evaluationCount, minEvaluations),
            isNotNull(i.evaluationScore),
            gte(i.evaluationScore, threshold),
          ),
        )
        .orderBy(desc(i.evaluationScore), asc(i.createdAt));
      return rows.map((r) => ({ ...r, score: Number(r.score) }));
    },

    async openCriticalAlerts(limit) {
      const a = t.alerts;
      // A snoozed alert has been taken on by someone until its snooze ends (the evaluator then clears it).
      return db
        .select({ id: a.id, kind: a.kind, message: a.message, openedAt: a.openedAt })
        .from(a)
        .where(and(eq(a.status, 'open'), eq(a.severity, 'critical'), isNull(a.snoozedUntil)))
        .orderBy(desc(a.openedAt), asc(a.id))
        .limit(limit);
    },

    async medianStayHoursEnded(stageOrder, from, to) {
      // As dashboard.medianStayHours, but the stay is counted in the window its end falls in.
      const order = sql`array_position(array[${sql.join(
        stageOrder.map((s) => sql`${s}`),
        sql`, `,
      )}]::text[], ${st.toStage})`;
      const stays = db
        .select({
          stage: sql<string>`${st.toStage}`.as('stage'),
          startedAt: sql<Date>`${st.createdAt}`.as('started_at'),
          endedAt: sql<Date | null>`coalesce(
              lead(${st.createdAt}) over (partition by ${st.projectId} order by ${st.createdAt}, ${order}),
              case when ${p.outcome} = 'shipped' then ${p.closedAt} end
            )`.as('ended_at'),
        })
        .from(st)
        .innerJoin(p, eq(p.id, st.projectId))
        .as('stays');
      const rows = await db
        .select({
          stage: stays.stage,
          median: sql<number>`percentile_cont(0.5) within group (order by extract(epoch from (${stays.endedAt} - ${stays.startedAt})) / 3600.0)`,
        })
        .from(stays)
        .where(
          and(
            isNotNull(stays.endedAt),
            sql`${stays.endedAt} >= ${from.toISOString()}::timestamptz`,
            sql`${stays.endedAt} < ${to.toISOString()}::timestamptz`,
          ),
        )
        .groupBy(stays.stage);
      return Object.fromEntries(rows.map((r) => [r.stage, Number(r.median)]));
    },

    async throughput(from, to) {
      const [moved] = await db
        .select({ advanced: count() })
        .from(st)
        .where(and(isNotNull(st.fromStage), gte(st.createdAt, from), lt(st.createdAt, to)));
      const [shipped] = await db
        .select({ shipped: count() })
        .from(p)
        .where(and(eq(p.outcome, 'shipped'), gte(p.closedAt, from), lt(p.closedAt, to)));
      return { advanced: n(moved?.advanced), shipped: n(shipped?.shipped) };
    },

    async wipUsedAt(instant) {
      const l = t.wipLocks;
      const rows = await db
        .select({ itemType: l.itemType, used: count() })
        .from(l)
        .where(
          and(
            lte(l.acquiredAt, instant),
            or(isNull(l.releasedAt), sql`${l.releasedAt} > ${instant.toISOString()}::timestamptz`),
          ),
        )
        .groupBy(l.itemType);
      return Object.fromEntries(rows.map((r) => [r.itemType, n(r.used)]));
    },
  };
}
