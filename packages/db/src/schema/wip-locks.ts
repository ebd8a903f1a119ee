import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { users } from './users.ts';

export const wipLocks = pgTable(
  'wip_locks',
  {
    id: uuid('id').primaryKey(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    itemType: text('item_type').notNull(),
    itemId: varchar('item_id', { length: 255 }).notNull(),
    acquiredBy: uuid('acquired_by').references(() => users.id),
    acquiredAt: timestamp('acquired_at', { withTimezone: true }).notNull(),
    releasedAt: timestamp('released_at', { withTimezone: true }),
    releasedBy: uuid('released_by').references(() => users.id),
    /** What the holder is, for people (a pull request's title and author); null when not given. */
    label: varchar('label', { length: 300 }),
    /** Where the holder is (a pull request's page); null when not given. */
    url: varchar('url', { length: 2000 }),
  },
  (t) => [
    // The database's own guarantee that one item holds at most one open lock.
    uniqueIndex('wip_locks_open_item_uq')
      .on(t.podId, t.itemType, t.itemId)
      .where(sql`${t.releasedAt} is null`),
    index('wip_locks_open_idx').on(t.podId, t.itemType).where(sql`${t.releasedAt} is null`),
  ],
);
