import type { UsageRepository } from '@clos/core';
import { and, asc, gte, like, lte, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const u = t.usageCounts;

export function usageRepository(db: Db): UsageRepository {
  return {
    async increment(day, metric) {
      // One statement, so concurrent uses of one metric on one day add up (the row lock serialises them).
      await db
        .insert(u)
        .values({ day, metric, count: 1 })
        .onConflictDoUpdate({ target: [u.day, u.metric], set: { count: sql`${u.count} + 1` } });
    },
    async recordActive(day, userId, via) {
      // The first use of the day is kept: the process caches who it recorded, other processes race harmlessly.
      await db.insert(t.activeUsers).values({ day, userId, via }).onConflictDoNothing();
    },
    async daily(from, to, prefix) {
      return db
        .select({ day: u.day, metric: u.metric, count: u.count })
        .from(u)
        .where(and(gte(u.day, from), lte(u.day, to), like(u.metric, `${prefix.replace(/[%_\\]/g, '\\$&')}%`)))
        .orderBy(asc(u.day), asc(u.metric));
    },
  };
}
