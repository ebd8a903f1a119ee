import type { UserRepository } from '@clos/core';
import { and, asc, count, eq, gt } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

/** `onChange` runs in the transaction of every change (a token lookup reads its user). */
export function userRepository(db: Db, onChange: () => Promise<void> = async () => {}): UserRepository {
  return {
    async insert(user) {
      await db.insert(t.users).values(user);
      await onChange();
    },
    async update(id, patch) {
      await db.update(t.users).set(patch).where(eq(t.users.id, id));
      await onChange();
    },
    async byEmail(email) {
      return (await db.select().from(t.users).where(eq(t.users.email, email)))[0] ?? null;
    },
    async byId(id) {
      return (await db.select().from(t.users).where(eq(t.users.id, id)))[0] ?? null;
    },
    async list({ limit, cursor }) {
      const after = decodeCursor(cursor, ['text']);
      const rows = await db
        .select()
        .from(t.users)
        .where(after ? gt(t.users.email, after[0]) : undefined)
        .orderBy(asc(t.users.email))
        .limit(limit + 1);
      return pageOf(rows, limit, (u) => [u.email]);
    },
    async byOidcSubject(subject) {
      return (await db.select().from(t.users).where(eq(t.users.oidcSubject, subject)))[0] ?? null;
    },
    async all() {
      return db.select().from(t.users).orderBy(asc(t.users.email));
    },
    async activeAdminCount() {
      const rows = await db
        .select({ n: count() })
        .from(t.users)
        .where(and(eq(t.users.role, 'admin'), eq(t.users.active, true)));
      return Number(rows[0]!.n);
    },
    async count() {
      return Number((await db.select({ n: count() }).from(t.users))[0]!.n);
    },
  };
}
