import { index, integer, numeric, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { projects } from './projects.ts';
import { users } from './users.ts';

export const ideas = pgTable(
  'ideas',
  {
    id: uuid('id').primaryKey(),
    title: varchar('title', { length: 500 }).notNull(),
    description: text('description'),
    submittedBy: uuid('submitted_by').references(() => users.id),
    /** The pod the idea was submitted to: it holds one of that pod's `idea` WIP slots while pending. */
    podId: uuid('pod_id').references(() => pods.id),
    evaluationScore: numeric('evaluation_score', { precision: 3, scale: 2, mode: 'number' }),
    evaluationCount: integer('evaluation_count').notNull().default(0),
    status: text('status', { enum: ['pending', 'promoted', 'archived'] })
      .notNull()
      .default('pending'),
    promotedToProjectId: uuid('promoted_to_project_id').references(() => projects.id),
    archivedReason: text('archived_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('ideas_status_idx').on(t.status, t.createdAt)],
);
