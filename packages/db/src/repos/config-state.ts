import type { ConfigStateRepository } from '@clos/core';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

export function configStateRepository(db: Db): ConfigStateRepository {
  return {
    async get(key) {
      return (
        await db.select({ value: t.configState.value }).from(t.configState).where(eq(t.configState.key, key))
      )[0]?.value;
    },
    async lockStartup() {
      await db.execute(sql`select pg_advisory_xact_lock(hashtextextended('clos:startup', 0))`);
    },
    async set(key, value, at) {
      await db
        .insert(t.configState)
        .values({ key, value, appliedAt: at })
        .onConflictDoUpdate({ target: t.configState.key, set: { value, appliedAt: at } });
    },
  };
}
