import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';
import { users } from './users.ts';

/** CI reports on a project, kept as history; the newest per context is the project's current state. */
export const projectCiStatuses = pgTable(
  'project_ci_statuses',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    status: text('status', { enum: ['passed', 'failed', 'running'] }).notNull(),
    url: text('url'),
    /** The reporting check, e.g. a workflow name. */
    context: text('context').notNull().default('ci'),
    reportedBy: uuid('reported_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('project_ci_statuses_project_idx').on(t.projectId, t.context, t.createdAt),
    // Writers other than the API (a manual fix, a future importer) cannot store a state the UI cannot show.
    check('project_ci_statuses_status_check', sql`${t.status} in ('passed', 'failed', 'running')`),
  ],
);
