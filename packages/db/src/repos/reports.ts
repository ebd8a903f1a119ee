import type { ReportRepository, UserSession } from '@clos/core';
import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lte,
  or,
  sql,
} from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

// Every column but the cookie's hash, which never leaves the sessions repository.
const { tokenHash: _hash, ...sessionColumns } = getTableColumns(t.userSessions);

// `_` and `%` are LIKE wildcards (and `pod.member_` has one): a prefix must match literally.
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function reportRepository(db: Db): ReportRepository {
  return {
    async memberships() {
      return db
        .select({
          userId: t.podMembers.userId,
          podId: t.podMembers.podId,
          slug: t.pods.slug,
          podRole: t.podMembers.podRole,
        })
        .from(t.podMembers)
        .innerJoin(t.pods, eq(t.pods.id, t.podMembers.podId))
        .where(isNull(t.podMembers.leftAt))
        .orderBy(asc(t.pods.slug));
    },
    async latestSessions() {
      const s = t.userSessions;
      const rows: UserSession[] = await db
        .selectDistinctOn([s.userId], sessionColumns)
        .from(s)
        .orderBy(s.userId, desc(s.createdAt), desc(s.id));
      return rows;
    },
    async sessionOwners(ids) {
      if (!ids.length) return [];
      const s = t.userSessions;
      return db
        .select({ id: s.id, userId: s.userId })
        .from(s)
        .where(inArray(s.id, [...ids]));
    },
    async openSessions(now) {
      const s = t.userSessions;
      const rows: UserSession[] = await db
        .select(sessionColumns)
        .from(s)
        .where(and(isNull(s.endedAt), gt(s.expiresAt, now)))
        .orderBy(asc(s.createdAt), asc(s.id));
      return rows;
    },
    async countAuditEvents(from, to) {
      const e = t.auditEvents;
      const rows = await db
        .select({ n: count() })
        .from(e)
        .where(and(gte(e.occurredAt, from), lte(e.occurredAt, to)));
      return Number(rows[0]?.n ?? 0);
    },
    async auditEvents(filter, limit) {
      const e = t.auditEvents;
      const kinds = [
        ...(filter.actions.length ? [inArray(e.action, [...filter.actions])] : []),
        ...filter.prefixes.map((p) => sql`${e.action} like ${likePrefix(p)}`),
      ];
      if (!kinds.length) return [];
      return db
        .select()
        .from(e)
        .where(and(gte(e.occurredAt, filter.from), lte(e.occurredAt, filter.to), or(...kinds)))
        .orderBy(asc(e.sequence))
        .limit(limit);
    },
    async transitions(from, to, limit) {
      const s = t.stageTransitions;
      return db
        .select()
        .from(s)
        .where(and(isNotNull(s.fromStage), gte(s.createdAt, from), lte(s.createdAt, to)))
        .orderBy(asc(s.createdAt), asc(s.id))
        .limit(limit);
    },
    async projects(ids) {
      if (!ids.length) return [];
      return db
        .select()
        .from(t.projects)
        .where(inArray(t.projects.id, [...ids]));
    },
    async evidence(projectIds) {
      if (!projectIds.length) return [];
      return db
        .select()
        .from(t.evidence)
        .where(inArray(t.evidence.projectId, [...projectIds]))
        .orderBy(asc(t.evidence.createdAt), asc(t.evidence.id));
    },
    async approvals(projectIds) {
      if (!projectIds.length) return [];
      const a = t.approvals;
      return db
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
        .where(inArray(a.projectId, [...projectIds]))
        .orderBy(asc(a.createdAt), asc(a.id));
    },
  };
}
