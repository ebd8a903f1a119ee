import type { LoginAttemptRepository, SessionRepository, UserSession } from '@clos/core';
import { and, desc, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import { newestFirst, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const columns = {
  id: t.userSessions.id,
  userId: t.userSessions.userId,
  role: t.userSessions.role,
  mappedRole: t.userSessions.mappedRole,
  podIds: t.userSessions.podIds,
  mfa: t.userSessions.mfa,
  amr: t.userSessions.amr,
  acr: t.userSessions.acr,
  downgradeReason: t.userSessions.downgradeReason,
  ip: t.userSessions.ip,
  userAgent: t.userSessions.userAgent,
  createdAt: t.userSessions.createdAt,
  lastSeenAt: t.userSessions.lastSeenAt,
  expiresAt: t.userSessions.expiresAt,
  endedAt: t.userSessions.endedAt,
  endReason: t.userSessions.endReason,
};

export function sessionRepository(db: Db): SessionRepository {
  return {
    async insert(session) {
      await db.insert(t.userSessions).values(session);
    },
    async byHash(hash) {
      const row = (
        await db
          .select({ session: columns, user: t.users })
          .from(t.userSessions)
          .innerJoin(t.users, eq(t.users.id, t.userSessions.userId))
          .where(eq(t.userSessions.tokenHash, hash))
      )[0];
      return row ? { ...row.session, user: row.user } : null;
    },
    async byId(id) {
      return (await db.select(columns).from(t.userSessions).where(eq(t.userSessions.id, id)))[0] ?? null;
    },
    async list(filter, { limit, cursor }) {
      const rows: UserSession[] = await db
        .select(columns)
        .from(t.userSessions)
        .where(
          and(
            newestFirst(t.userSessions.createdAt, t.userSessions.id, cursor),
            filter.userId ? eq(t.userSessions.userId, filter.userId) : undefined,
            filter.activeAt
              ? and(isNull(t.userSessions.endedAt), gt(t.userSessions.expiresAt, filter.activeAt))
              : undefined,
          ),
        )
        .orderBy(desc(t.userSessions.createdAt), desc(t.userSessions.id))
        .limit(limit + 1);
      return pageOf(rows, limit, (r) => [r.createdAt.toISOString(), r.id]);
    },
    async touch(id, at) {
      await db.update(t.userSessions).set({ lastSeenAt: at }).where(eq(t.userSessions.id, id));
    },
    async end(id, at, reason) {
      const rows = await db
        .update(t.userSessions)
        .set({ endedAt: at, endReason: reason })
        .where(and(eq(t.userSessions.id, id), isNull(t.userSessions.endedAt)))
        .returning({ id: t.userSessions.id });
      return rows.length > 0;
    },
    async endForUser(userId, at, reason) {
      const rows = await db
        .update(t.userSessions)
        .set({ endedAt: at, endReason: reason })
        .where(and(eq(t.userSessions.userId, userId), isNull(t.userSessions.endedAt)))
        .returning({ id: t.userSessions.id });
      return rows.map((r) => r.id);
    },
    async openIds(ids, now) {
      if (!ids.length) return new Set();
      const rows = await db
        .select({ id: t.userSessions.id })
        .from(t.userSessions)
        .where(
          and(
            inArray(t.userSessions.id, [...ids]),
            isNull(t.userSessions.endedAt),
            gt(t.userSessions.expiresAt, now),
          ),
        );
      return new Set(rows.map((r) => r.id));
    },
  };
}

export function loginAttemptRepository(db: Db): LoginAttemptRepository {
  return {
    async insert(bindingHash, attempt) {
      await db.insert(t.loginAttempts).values({ bindingHash, ...attempt });
    },
    async take(bindingHash) {
      const rows = await db
        .delete(t.loginAttempts)
        .where(eq(t.loginAttempts.bindingHash, bindingHash))
        .returning();
      const row = rows[0];
      if (!row) return null;
      const { bindingHash: _key, ...attempt } = row;
      return attempt;
    },
    async prune(before) {
      await db.delete(t.loginAttempts).where(lt(t.loginAttempts.createdAt, before));
    },
  };
}
