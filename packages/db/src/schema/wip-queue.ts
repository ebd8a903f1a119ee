import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { users } from './users.ts';

/**
 * Items waiting for a WIP slot of a full pod, first come first served: when a slot of the pod's
 * type frees, the oldest entry (lowest `position`) takes it in the same transaction.
 */
export const wipQueue = pgTable(
  'wip_queue',
  {
    id: uuid('id').primaryKey(),
    /** Arrival order; ties in `enqueuedAt` (one clock tick) cannot reorder the line. */
    position: bigserial('position', { mode: 'number' }).notNull(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    itemType: text('item_type').notNull(),
    itemId: varchar('item_id', { length: 255 }).notNull(),
    label: varchar('label', { length: 300 }),
    url: varchar('url', { length: 2000 }),
    enqueuedBy: uuid('enqueued_by').references(() => users.id),
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // An item waits at most once per pod and type.
    uniqueIndex('wip_queue_item_uq').on(t.podId, t.itemType, t.itemId),
    index('wip_queue_line_idx').on(t.podId, t.itemType, t.position),
  ],
);
