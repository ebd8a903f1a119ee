import type { Clock, PodRepository } from '@clos/core';
import { and, asc, count, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import { prepared } from '../prepared.ts';
import * as t from '../schema/index.ts';

/** A pod as the domain sees it (updatedAt is the adapter's own). */
export const podColumns = {
  id: t.pods.id,
  slug: t.pods.slug,
  name: t.pods.name,
  timezone: t.pods.timezone,
  createdAt: t.pods.createdAt,
};

const memberColumns = {
  podId: t.podMembers.podId,
  userId: t.podMembers.userId,
  podRole: t.podMembers.podRole,
  joinedAt: t.podMembers.joinedAt,
  leftAt: t.podMembers.leftAt,
  email: t.users.email,
  name: t.users.name,
  role: t.users.role,
};

// The reads of a pod's status (its most frequent request), built once per database (see prepared.ts).
const podBySlugQuery = prepared((db) =>
  db
    .select(podColumns)
    .from(t.pods)
    .where(eq(t.pods.slug, sql.placeholder('slug')))
    .prepare(''),
);
const currentMembersQuery = prepared((db) =>
  db
    .select(memberColumns)
    .from(t.podMembers)
    .innerJoin(t.users, eq(t.users.id, t.podMembers.userId))
    .where(and(eq(t.podMembers.podId, sql.placeholder('podId')), isNull(t.podMembers.leftAt)))
    .orderBy(asc(t.podMembers.joinedAt), asc(t.users.email))
    .prepare(''),
);
const projectsPerStageQuery = prepared((db) =>
  db
    .select({ stage: t.projects.currentStage, n: count() })
    .from(t.projects)
    .where(and(eq(t.projects.podId, sql.placeholder('podId')), isNull(t.projects.closedAt)))
    .groupBy(t.projects.currentStage)
    .prepare(''),
);

export function podRepository(db: Db, clock: Clock): PodRepository {
  return {
    async insert(pod) {
      await db.insert(t.pods).values({ ...pod, updatedAt: pod.createdAt });
    },
    async update(id, patch) {
      await db
        .update(t.pods)
        .set({ ...patch, updatedAt: clock.now() })
        .where(eq(t.pods.id, id));
    },
    async bySlug(slug) {
      return (await podBySlugQuery(db).execute({ slug }))[0] ?? null;
    },
    async byId(id) {
      return (await db.select(podColumns).from(t.pods).where(eq(t.pods.id, id)))[0] ?? null;
    },
    async byIds(ids) {
      return ids.length ? db.select(podColumns).from(t.pods).where(inArray(t.pods.id, ids)) : [];
    },
    async list({ limit, cursor }) {
      const after = decodeCursor(cursor, ['text']);
      const rows = await db
        .select(podColumns)
        .from(t.pods)
        .where(after ? gt(t.pods.slug, after[0]) : undefined)
        .orderBy(asc(t.pods.slug))
        .limit(limit + 1);
      return pageOf(rows, limit, (p) => [p.slug]);
    },
    async members(podId, withHistory = false) {
      if (!withHistory) return currentMembersQuery(db).execute({ podId });
      return db
        .select(memberColumns)
        .from(t.podMembers)
        .innerJoin(t.users, eq(t.users.id, t.podMembers.userId))
        .where(eq(t.podMembers.podId, podId))
        .orderBy(asc(t.podMembers.joinedAt), asc(t.users.email));
    },
    async activeMembership(podId, userId) {
      const rows = await db
        .select(memberColumns)
        .from(t.podMembers)
        .innerJoin(t.users, eq(t.users.id, t.podMembers.userId))
        .where(
          and(eq(t.podMembers.podId, podId), eq(t.podMembers.userId, userId), isNull(t.podMembers.leftAt)),
        );
      return rows[0] ?? null;
    },
    async membershipsOf(userId) {
      return db
        .select({ podId: t.podMembers.podId, slug: t.pods.slug, podRole: t.podMembers.podRole })
        .from(t.podMembers)
        .innerJoin(t.pods, eq(t.pods.id, t.podMembers.podId))
        .where(and(eq(t.podMembers.userId, userId), isNull(t.podMembers.leftAt)))
        .orderBy(asc(t.pods.slug));
    },
    async addMember(m) {
      await db.insert(t.podMembers).values(m);
    },
    async endMembership(podId, userId, leftAt) {
      await db
        .update(t.podMembers)
        .set({ leftAt })
        .where(
          and(eq(t.podMembers.podId, podId), eq(t.podMembers.userId, userId), isNull(t.podMembers.leftAt)),
        );
    },
    async setPodRole(podId, userId, podRole) {
      await db
        .update(t.podMembers)
        .set({ podRole })
        .where(
          and(eq(t.podMembers.podId, podId), eq(t.podMembers.userId, userId), isNull(t.podMembers.leftAt)),
        );
    },
    async projectsPerStage(podId) {
      const rows = await projectsPerStageQuery(db).execute({ podId });
      return Object.fromEntries(rows.map((r) => [r.stage, Number(r.n)]));
    },
  };
}
