import type { DashboardRepository } from '@clos/core';
import { and, asc, count, desc, eq, gte, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

// count(*) is a bigint, which the drivers hand back as text.
const n = (value: unknown) => Number(value ?? 0);
const countWhere = (condition: SQL) => sql<number>`count(*) filter (where ${condition})`;

/** One aggregate statement per method: the dashboard's cost does not grow with the number of pods. */
export function dashboardRepository(db: Db): DashboardRepository {
  const p = t.projects;
  const st = t.stageTransitions;
  return {
    async pods() {
      return db
        .select({ id: t.pods.id, slug: t.pods.slug, name: t.pods.name })
        .from(t.pods)
        .orderBy(asc(t.pods.slug));
    },

    async openProjectsByStage() {
      const rows = await db
        .select({
          stage: p.currentStage,
          open: count(),
          blocked: countWhere(sql`${p.blockedReason} is not null`),
        })
        .from(p)
        .where(isNull(p.closedAt))
        .groupBy(p.currentStage);
      return rows.map((r) => ({ stage: r.stage, open: n(r.open), blocked: n(r.blocked) }));
    },

    async projectTotals() {
      const [row] = await db
        .select({
          created: count(),
          shipped: countWhere(sql`${p.outcome} = 'shipped'`),
          cancelled: countWhere(sql`${p.outcome} = 'cancelled'`),
        })
        .from(p);
      return { created: n(row?.created), shipped: n(row?.shipped), cancelled: n(row?.cancelled) };
    },

    async enteredByTransition() {
      const rows = await db
        .select({ stage: st.toStage, entered: sql<number>`count(distinct ${st.projectId})` })
        .from(st)
        .where(isNotNull(st.fromStage))
        .groupBy(st.toStage);
      return Object.fromEntries(rows.map((r) => [r.stage, n(r.entered)]));
    },

    async medianStayHours(stageOrder) {
      // Transitions of one project recorded at the same instant (two advances within one clock tick)
      // are ordered by the policy's stage order: projects only move forward.
      const order = sql`array_position(array[${sql.join(
        stageOrder.map((s) => sql`${s}`),
        sql`, `,
      )}]::text[], ${st.toStage})`;
      // A stay ends at the project's next transition, or, in the stage it shipped from, at shipping.
      // Stays still running, and those ended by a cancellation, are not complete.
      const stays = db
        .select({
          stage: sql<string>`${st.toStage}`.as('stage'),
          hours: sql<number | null>`extract(epoch from (coalesce(
              lead(${st.createdAt}) over (partition by ${st.projectId} order by ${st.createdAt}, ${order}),
              case when ${p.outcome} = 'shipped' then ${p.closedAt} end
            ) - ${st.createdAt})) / 3600.0`.as('hours'),
        })
        .from(st)
        .innerJoin(p, eq(p.id, st.projectId))
        .as('stays');
      const rows = await db
        .select({
          stage: stays.stage,
          median: sql<number>`percentile_cont(0.5) within group (order by ${stays.hours})`,
        })
        .from(stays)
        .where(isNotNull(stays.hours))
        .groupBy(stays.stage);
      return Object.fromEntries(rows.map((r) => [r.stage, Number(r.median)]));
    },

    async openWipUsage() {
      const l = t.wipLocks;
      const rows = await db
        .select({ podId: l.podId, itemType: l.itemType, used: count() })
        .from(l)
        .where(isNull(l.releasedAt))
        .groupBy(l.podId, l.itemType);
      return rows.map((r) => ({ podId: r.podId, itemType: r.itemType, used: n(r.used) }));
    },

    async storedWipLimits() {
      const w = t.wipLimits;
      return db.select({ podId: w.podId, itemType: w.itemType, limit: w.limit }).from(w);
    },

    async latestHealthScores() {
      const h = t.podHealthSnapshots;
      const rows = await db
        .selectDistinctOn([h.podId], { podId: h.podId, score: h.score })
        .from(h)
        .orderBy(h.podId, desc(h.recordedAt), desc(h.id));
      return Object.fromEntries(rows.map((r) => [r.podId, r.score]));
    },

    async activeMemberCounts() {
      const m = t.podMembers;
      const rows = await db
        .select({ podId: m.podId, members: count() })
        .from(m)
        .where(isNull(m.leftAt))
        .groupBy(m.podId);
      return Object.fromEntries(rows.map((r) => [r.podId, Number(r.members)]));
    },

    async ideaTallies(since) {
      const i = t.ideas;
      const [ideas] = await db
        .select({
          pending: countWhere(sql`${i.status} = 'pending'`),
          promoted: countWhere(sql`${i.status} = 'promoted'`),
          archived: countWhere(sql`${i.status} = 'archived'`),
          submitted: countWhere(gte(i.createdAt, since)),
        })
        .from(i);
      const [evaluations] = await db
        .select({ n: count() })
        .from(t.ideaEvaluations)
        .where(gte(t.ideaEvaluations.createdAt, since));
      return {
        byStatus: { pending: n(ideas?.pending), promoted: n(ideas?.promoted), archived: n(ideas?.archived) },
        submittedSince: n(ideas?.submitted),
        evaluationsSince: n(evaluations?.n),
      };
    },

    async openAlertCounts() {
      const a = t.alerts;
      const [row] = await db
        .select({ open: count(), critical: countWhere(sql`${a.severity} = 'critical'`) })
        .from(a)
        .where(eq(a.status, 'open'));
      return { open: n(row?.open), critical: n(row?.critical) };
    },

    async openGateInputs(nextStages, podId) {
      const open = and(isNull(p.closedAt), podId ? eq(p.podId, podId) : undefined);
      const projects = await db.select().from(p).where(open);
      const pairs = Object.entries(nextStages);
      if (projects.length === 0 || pairs.length === 0) return { projects, evidence: [], approvals: [] };
      // Only the evidence and decisions for the stage after each project's current one count.
      const forNextStage = (stage: typeof t.evidence.stage | typeof t.approvals.stage) =>
        sql`(${p.currentStage}, ${stage}) in (${sql.join(
          pairs.map(([from, to]) => sql`(${from}, ${to})`),
          sql`, `,
        )})`;
      const e = t.evidence;
      const evidence = await db
        .selectDistinctOn([e.projectId], {
          id: e.id,
          projectId: e.projectId,
          stage: e.stage,
          data: e.data,
          submittedBy: e.submittedBy,
          source: e.source,
          createdAt: e.createdAt,
        })
        .from(e)
        .innerJoin(p, eq(p.id, e.projectId))
        .where(and(open, forNextStage(e.stage)))
        .orderBy(e.projectId, desc(e.createdAt), desc(e.id));
      const ap = t.approvals;
      const approvals = await db
        .select({
          id: ap.id,
          projectId: ap.projectId,
          stage: ap.stage,
          userId: ap.userId,
          decision: ap.decision,
          comment: ap.comment,
          createdAt: ap.createdAt,
          userRole: t.users.role,
          userEmail: t.users.email,
        })
        .from(ap)
        .innerJoin(p, eq(p.id, ap.projectId))
        .innerJoin(t.users, eq(t.users.id, ap.userId))
        .where(and(open, forNextStage(ap.stage)))
        .orderBy(asc(ap.createdAt));
      return { projects, evidence, approvals };
    },
  };
}
