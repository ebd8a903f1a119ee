import type { HealthMetrics, HealthRepository } from '@clos/core';
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

// The entity names the metrics there are; the column holds whichever were measured. Reading needs
// no mapping (a record of numbers is a HealthMetrics); writing copies into a plain object, which TS
// lets stand for a record where it does not let the named interface.
const metricsColumn = (m: HealthMetrics): Record<string, number> => ({ ...m });

export function healthRepository(db: Db): HealthRepository {
  return {
    async insert(s) {
      await db.insert(t.podHealthSnapshots).values({ ...s, metrics: metricsColumn(s.metrics) });
    },
    async latest(podId) {
      return (
        (
          await db
            .select()
            .from(t.podHealthSnapshots)
            .where(eq(t.podHealthSnapshots.podId, podId))
            .orderBy(desc(t.podHealthSnapshots.recordedAt))
            .limit(1)
        )[0] ?? null
      );
    },
    async history(podId, limit) {
      return db
        .select()
        .from(t.podHealthSnapshots)
        .where(eq(t.podHealthSnapshots.podId, podId))
        .orderBy(desc(t.podHealthSnapshots.recordedAt))
        .limit(limit);
    },
  };
}
