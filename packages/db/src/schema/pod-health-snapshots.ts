import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { users } from './users.ts';

export const podHealthSnapshots = pgTable(
  'pod_health_snapshots',
  {
    id: uuid('id').primaryKey(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull(),
    components: jsonb('components').$type<Record<string, number>>().notNull(),
    score: integer('score').notNull(),
    /** `manual`: someone posted the metrics; `computed`: the scheduled job derived them from CLOS's own data. */
    source: text('source', { enum: ['manual', 'computed'] })
      .notNull()
      .default('manual'),
    recordedBy: uuid('recorded_by').references(() => users.id),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('pod_health_pod_idx').on(t.podId, t.recordedAt),
    check('pod_health_source_check', sql`${t.source} in ('manual', 'computed')`),
  ],
);
