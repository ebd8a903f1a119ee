import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';
import { users } from './users.ts';

/** Every submission is kept; the gate judges the latest one for its stage. */
export const evidence = pgTable(
  'evidence',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    stage: text('stage').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    submittedBy: uuid('submitted_by').references(() => users.id),
    /** The pull request a merged evidence file came from; null when submitted through the API. */
    source: text('source'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('evidence_project_stage_idx').on(t.projectId, t.stage, t.createdAt)],
);
