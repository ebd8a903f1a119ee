import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { users } from './users.ts';

/** Memberships are never deleted: leaving (or rotating out) sets `left_at`, which keeps history. */
export const podMembers = pgTable(
  'pod_members',
  {
    id: uuid('id').primaryKey(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    podRole: text('pod_role', { enum: ['lead', 'member'] }).notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull(),
    leftAt: timestamp('left_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('pod_members_active_uq').on(t.podId, t.userId).where(sql`${t.leftAt} is null`),
    index('pod_members_user_idx').on(t.userId),
  ],
);
