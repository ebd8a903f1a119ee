import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { projects } from './projects.ts';
import { users } from './users.ts';
import { workflowRuns } from './workflow-runs.ts';

/** A deploy reported by CI; its Build → Test → Stage → Prod steps are the steps of its workflow run. */
export const deployments = pgTable(
  'deployments',
  {
    id: uuid('id').primaryKey(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    projectId: uuid('project_id').references(() => projects.id),
    version: text('version').notNull(),
    status: text('status', { enum: ['running', 'succeeded', 'failed'] }).notNull(),
    runId: uuid('run_id')
      .notNull()
      .references(() => workflowRuns.id),
    url: text('url'),
    createdBy: uuid('created_by').references(() => users.id),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** A GitHub deployment or workflow run this deploy was recorded from; unique, so a redelivery finds it. */
    externalId: text('external_id').unique(),
  },
  (t) => [
    index('deployments_pod_idx').on(t.podId, t.startedAt),
    check('deployments_status_check', sql`${t.status} in ('running', 'succeeded', 'failed')`),
  ],
);
