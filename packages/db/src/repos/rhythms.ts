import type { RhythmDigest, RhythmRepository } from '@clos/core';
import { and, asc, eq, gte, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const commitmentColumns = {
  id: t.commitments.id,
  podId: t.commitments.podId,
  userId: t.commitments.userId,
  day: t.commitments.day,
  text: t.commitments.text,
  status: t.commitments.status,
  createdAt: t.commitments.createdAt,
  updatedAt: t.commitments.updatedAt,
  userEmail: t.users.email,
  userName: t.users.name,
};

const toDigest = (r: typeof t.rhythmDigests.$inferSelect): RhythmDigest => r;

/** Commitments and digests, and the reads across projects and locks that the digests report on. */
export function rhythmRepository(db: Db): RhythmRepository {
  return {
    async insertCommitment(c) {
      await db.insert(t.commitments).values(c);
    },
    async commitmentById(id, forUpdate = false) {
      const query = db
        .select(commitmentColumns)
        .from(t.commitments)
        .innerJoin(t.users, eq(t.users.id, t.commitments.userId))
        .where(eq(t.commitments.id, id));
      const rows = forUpdate ? await query.for('update', { of: t.commitments }) : await query;
      return rows[0] ?? null;
    },
    async updateCommitment(id, patch) {
      await db.update(t.commitments).set(patch).where(eq(t.commitments.id, id));
    },
    async commitments(podId, day) {
      return db
        .select(commitmentColumns)
        .from(t.commitments)
        .innerJoin(t.users, eq(t.users.id, t.commitments.userId))
        .where(and(eq(t.commitments.podId, podId), eq(t.commitments.day, day)))
        .orderBy(asc(t.commitments.createdAt), asc(t.commitments.id));
    },
    async insertDigest(d) {
      const rows = await db
        .insert(t.rhythmDigests)
        .values(d)
        .onConflictDoNothing({
          target: [t.rhythmDigests.podId, t.rhythmDigests.day, t.rhythmDigests.phase],
        })
        .returning({ id: t.rhythmDigests.id });
      return rows.length === 1;
    },
    async digest(podId, day, phase) {
      const [row] = await db
        .select()
        .from(t.rhythmDigests)
        .where(
          and(
            eq(t.rhythmDigests.podId, podId),
            eq(t.rhythmDigests.day, day),
            eq(t.rhythmDigests.phase, phase),
          ),
        );
      return row ? toDigest(row) : null;
    },
    async digests(podId, day) {
      const rows = await db
        .select()
        .from(t.rhythmDigests)
        .where(and(eq(t.rhythmDigests.podId, podId), eq(t.rhythmDigests.day, day)))
        .orderBy(asc(t.rhythmDigests.createdAt));
      return rows.map(toDigest);
    },
    async openProjects(podId) {
      return db
        .select()
        .from(t.projects)
        .where(and(eq(t.projects.podId, podId), isNull(t.projects.closedAt)))
        .orderBy(asc(t.projects.createdAt), asc(t.projects.id));
    },
    async staleLocks(podId, acquiredBefore) {
      const rows = await db
        .select({ lock: t.wipLocks, holder: t.users.email })
        .from(t.wipLocks)
        .leftJoin(t.users, eq(t.users.id, t.wipLocks.acquiredBy))
        .where(
          and(
            eq(t.wipLocks.podId, podId),
            isNull(t.wipLocks.releasedAt),
            lt(t.wipLocks.acquiredAt, acquiredBefore),
          ),
        )
        .orderBy(asc(t.wipLocks.acquiredAt));
      return rows.map((r) => ({ ...r.lock, holder: r.holder ?? null }));
    },
    async transitionsBetween(podId, from, to) {
      const rows = await db
        .select({ transition: t.stageTransitions, projectName: t.projects.name })
        .from(t.stageTransitions)
        .innerJoin(t.projects, eq(t.projects.id, t.stageTransitions.projectId))
        .where(
          and(
            eq(t.projects.podId, podId),
            isNotNull(t.stageTransitions.fromStage),
            gte(t.stageTransitions.createdAt, from),
            lt(t.stageTransitions.createdAt, to),
          ),
        )
        .orderBy(asc(t.stageTransitions.createdAt), asc(t.stageTransitions.id));
      return rows.map((r) => ({ ...r.transition, projectName: r.projectName }));
    },
    async locksReleasedBetween(podId, from, to) {
      return db
        .select()
        .from(t.wipLocks)
        .where(
          and(eq(t.wipLocks.podId, podId), gte(t.wipLocks.releasedAt, from), lt(t.wipLocks.releasedAt, to)),
        )
        .orderBy(asc(t.wipLocks.releasedAt), asc(t.wipLocks.id));
    },
    async projectsClosedBetween(podId, from, to) {
      return db
        .select()
        .from(t.projects)
        .where(and(eq(t.projects.podId, podId), gte(t.projects.closedAt, from), lt(t.projects.closedAt, to)))
        .orderBy(asc(t.projects.closedAt), asc(t.projects.id));
    },
  };
}
