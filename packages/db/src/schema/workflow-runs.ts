import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';

/**
 * One record per workflow run. `key` is the run's identity (e.g. `daily-rhythm:unblock:<pod>:2026-11-26`):
 * schedulers in every process may try to start the same run, and the unique key lets exactly one in.
 */
export const workflowRuns = pgTable(
  'workflow_runs',
  {
    id: uuid('id').primaryKey(),
    workflow: text('workflow').notNull(),
    key: text('key').notNull(),
    podId: uuid('pod_id').references(() => pods.id),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed'] }).notNull(),
    input: jsonb('input').notNull(),
    output: jsonb('output'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('workflow_runs_key_uq').on(t.key),
    index('workflow_runs_list_idx').on(t.createdAt, t.id),
    index('workflow_runs_workflow_idx').on(t.workflow, t.createdAt),
    check('workflow_runs_status_check', sql`${t.status} in ('queued', 'running', 'succeeded', 'failed')`),
  ],
);

/**
 * A run's steps. A step's effect and its `succeeded` row commit in one transaction, so a retried run
 * skips what already happened: the step row is the idempotency key of its effect.
 */
export const workflowSteps = pgTable(
  'workflow_steps',
  {
    id: uuid('id').primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => workflowRuns.id),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    status: text('status', { enum: ['pending', 'running', 'succeeded', 'failed', 'skipped'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    output: jsonb('output'),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('workflow_steps_run_name_uq').on(t.runId, t.name),
    check(
      'workflow_steps_status_check',
      sql`${t.status} in ('pending', 'running', 'succeeded', 'failed', 'skipped')`,
    ),
  ],
);
