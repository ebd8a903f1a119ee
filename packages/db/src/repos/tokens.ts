import type { TokenRepository } from '@clos/core';
import { and, count, desc, eq, gt, isNull, or } from 'drizzle-orm';
import { newestFirst, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

/** `onChange` runs in the transaction of every change a token lookup would see (not `touch`). */
export function tokenRepository(db: Db, onChange: () => Promise<void> = async () => {}): TokenRepository {
  const columns = {
    id: t.apiTokens.id,
    name: t.apiTokens.name,
    userId: t.apiTokens.userId,
    role: t.apiTokens.role,
    podIds: t.apiTokens.podIds,
    prefix: t.apiTokens.prefix,
    allowedCidrs: t.apiTokens.allowedCidrs,
    expiresAt: t.apiTokens.expiresAt,
    revokedAt: t.apiTokens.revokedAt,
    lastUsedAt: t.apiTokens.lastUsedAt,
    createdAt: t.apiTokens.createdAt,
  };
  return {
    async insert(token) {
      await db.insert(t.apiTokens).values(token);
      await onChange();
    },
    async byHash(hash) {
      const row = (
        await db
          .select({ token: columns, user: t.users })
          .from(t.apiTokens)
          .innerJoin(t.users, eq(t.users.id, t.apiTokens.userId))
          .where(eq(t.apiTokens.tokenHash, hash))
      )[0];
      return row ? { ...row.token, user: row.user } : null;
    },
    async byId(id) {
      return (await db.select(columns).from(t.apiTokens).where(eq(t.apiTokens.id, id)))[0] ?? null;
    },
    async list({ limit, cursor }) {
      const rows = await db
        .select(columns)
        .from(t.apiTokens)
        .where(newestFirst(t.apiTokens.createdAt, t.apiTokens.id, cursor))
        .orderBy(desc(t.apiTokens.createdAt), desc(t.apiTokens.id))
        .limit(limit + 1);
      return pageOf(rows, limit, (r) => [r.createdAt.toISOString(), r.id]);
    },
    async all() {
      return db.select(columns).from(t.apiTokens).orderBy(desc(t.apiTokens.createdAt), desc(t.apiTokens.id));
    },
    async revokeForUser(userId, at) {
      const rows = await db
        .update(t.apiTokens)
        .set({ revokedAt: at })
        .where(and(eq(t.apiTokens.userId, userId), isNull(t.apiTokens.revokedAt)))
        .returning({ id: t.apiTokens.id });
      if (rows.length) await onChange();
      return rows.map((r) => r.id);
    },
    async revoke(id, at) {
      await db.update(t.apiTokens).set({ revokedAt: at }).where(eq(t.apiTokens.id, id));
      await onChange();
    },
    async touch(id, at) {
      await db.update(t.apiTokens).set({ lastUsedAt: at }).where(eq(t.apiTokens.id, id));
    },
    async count() {
      return Number((await db.select({ n: count() }).from(t.apiTokens))[0]!.n);
    },
    async activeAdminCount(now) {
      const rows = await db
        .select({ n: count() })
        .from(t.apiTokens)
        .innerJoin(t.users, eq(t.users.id, t.apiTokens.userId))
        .where(
          and(
            eq(t.apiTokens.role, 'admin'),
            eq(t.users.role, 'admin'),
            eq(t.users.active, true),
            isNull(t.apiTokens.revokedAt),
            or(isNull(t.apiTokens.expiresAt), gt(t.apiTokens.expiresAt, now)),
          ),
        );
      return Number(rows[0]!.n);
    },
  };
}
