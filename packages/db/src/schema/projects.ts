import { index, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey(),
    name: varchar('name', { length: 255 }).notNull(),
    /**
     * A short unique handle (`payments`) accepted wherever a project id is: settable at creation,
     * derived from the name otherwise. Unique across all projects, closed ones included.
     */
    key: varchar('key', { length: 40 }).notNull(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    /** A stage name from the config file; stages are policy, not schema, so this is text. */
    currentStage: text('current_stage').notNull(),
    stageEnteredAt: timestamp('stage_entered_at', { withTimezone: true }).notNull(),
    blockedReason: text('blocked_reason'),
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
    ideaId: uuid('idea_id'),
    wipLockId: uuid('wip_lock_id'),
    /** Set when the project ends: shipped from the last stage, or cancelled from any. */
    closedAt: timestamp('closed_at', { withTimezone: true }),
    outcome: text('outcome', { enum: ['shipped', 'cancelled'] }),
    closeReason: text('close_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('projects_key_uq').on(t.key),
    index('projects_pod_stage_idx').on(t.podId, t.currentStage),
    index('projects_created_idx').on(t.createdAt, t.id),
  ],
);
