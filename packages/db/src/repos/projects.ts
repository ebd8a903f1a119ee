import type { ProjectRepository } from '@clos/core';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { newestFirst, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

export function projectRepository(db: Db): ProjectRepository {
  return {
    async insert(project) {
      await db.insert(t.projects).values(project);
    },
    async lockById(id) {
      return (await db.select().from(t.projects).where(eq(t.projects.id, id)).for('update'))[0] ?? null;
    },
    async byId(id) {
      return (await db.select().from(t.projects).where(eq(t.projects.id, id)))[0] ?? null;
    },
    async byKey(key) {
      return (await db.select().from(t.projects).where(eq(t.projects.key, key)))[0] ?? null;
    },
    async list(filter, { limit, cursor }) {
      const rows = await db
        .select()
        .from(t.projects)
        .where(
          and(
            filter.podId ? eq(t.projects.podId, filter.podId) : undefined,
            filter.stage ? eq(t.projects.currentStage, filter.stage) : undefined,
            filter.blocked === undefined
              ? undefined
              : filter.blocked
                ? sql`${t.projects.blockedReason} is not null`
                : isNull(t.projects.blockedReason),
            filter.closed === undefined
              ? undefined
              : filter.closed
                ? sql`${t.projects.closedAt} is not null`
                : isNull(t.projects.closedAt),
            newestFirst(t.projects.createdAt, t.projects.id, cursor),
          ),
        )
        .orderBy(desc(t.projects.createdAt), desc(t.projects.id))
        .limit(limit + 1);
      return pageOf(rows, limit, (p) => [p.createdAt.toISOString(), p.id]);
    },
    async update(id, patch) {
      await db.update(t.projects).set(patch).where(eq(t.projects.id, id));
    },
    async insertEvidence(e) {
      await db.insert(t.evidence).values(e);
    },
    async latestEvidence(projectId, stage) {
      return (
        (
          await db
            .select()
            .from(t.evidence)
            .where(and(eq(t.evidence.projectId, projectId), eq(t.evidence.stage, stage)))
            .orderBy(desc(t.evidence.createdAt), desc(t.evidence.id))
            .limit(1)
        )[0] ?? null
      );
    },
    async evidence(projectId) {
      return db
        .select()
        .from(t.evidence)
        .where(eq(t.evidence.projectId, projectId))
        .orderBy(asc(t.evidence.createdAt));
    },
    async insertApproval(a) {
      await db.insert(t.approvals).values(a);
    },
    async approvals(projectId, stage) {
      return db
        .select({
          id: t.approvals.id,
          projectId: t.approvals.projectId,
          stage: t.approvals.stage,
          userId: t.approvals.userId,
          decision: t.approvals.decision,
          comment: t.approvals.comment,
          createdAt: t.approvals.createdAt,
          userRole: t.users.role,
          userEmail: t.users.email,
        })
        .from(t.approvals)
        .innerJoin(t.users, eq(t.users.id, t.approvals.userId))
        .where(and(eq(t.approvals.projectId, projectId), stage ? eq(t.approvals.stage, stage) : undefined))
        .orderBy(asc(t.approvals.createdAt));
    },
    async insertTransition(tr) {
      await db.insert(t.stageTransitions).values(tr);
    },
    async transitions(projectId) {
      return db
        .select()
        .from(t.stageTransitions)
        .where(eq(t.stageTransitions.projectId, projectId))
        .orderBy(asc(t.stageTransitions.createdAt));
    },
    async insertCiStatus(status) {
      await db.insert(t.projectCiStatuses).values(status);
    },
    async ciStatuses(projectId, filter, { limit, cursor }) {
      const c = t.projectCiStatuses;
      const rows = await db
        .select()
        .from(c)
        .where(
          and(
            eq(c.projectId, projectId),
            filter.context ? eq(c.context, filter.context) : undefined,
            newestFirst(c.createdAt, c.id, cursor),
          ),
        )
        .orderBy(desc(c.createdAt), desc(c.id))
        .limit(limit + 1);
      return pageOf(rows, limit, (r) => [r.createdAt.toISOString(), r.id]);
    },
    async latestCiStatuses(projectId) {
      const c = t.projectCiStatuses;
      const rows = await db
        .selectDistinctOn([c.context])
        .from(c)
        .where(eq(c.projectId, projectId))
        .orderBy(c.context, desc(c.createdAt), desc(c.id));
      // DISTINCT ON needs the context first in ORDER BY; the page wants the newest first.
      return rows.sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.context.localeCompare(b.context),
      );
    },
  };
}
