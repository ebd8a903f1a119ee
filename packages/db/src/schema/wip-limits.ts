import { integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { users } from './users.ts';

/** Limits set for a pod (API or config file); types without a row use the configured default. */
export const wipLimits = pgTable(
  'wip_limits',
  {
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    itemType: text('item_type').notNull(),
    limit: integer('limit').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    updatedBy: uuid('updated_by').references(() => users.id),
  },
  (t) => [primaryKey({ columns: [t.podId, t.itemType] })],
);
