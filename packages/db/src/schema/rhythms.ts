import type { DigestContent } from '@clos/core';
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { users } from './users.ts';
import { workflowRuns } from './workflow-runs.ts';

/** What a member commits to for one local day of their pod. */
export const commitments = pgTable(
  'commitments',
  {
    id: uuid('id').primaryKey(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** The pod's local date, YYYY-MM-DD. */
    day: text('day').notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: ['open', 'done', 'dropped'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('commitments_pod_day_idx').on(t.podId, t.day),
    check('commitments_status_check', sql`${t.status} in ('open', 'done', 'dropped')`),
  ],
);

/** The stored output of one daily-rhythm phase for one pod and local day. */
export const rhythmDigests = pgTable(
  'rhythm_digests',
  {
    id: uuid('id').primaryKey(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    day: text('day').notNull(),
    phase: text('phase', { enum: ['unblock', 'commit', 'recap'] }).notNull(),
    content: jsonb('content').$type<DigestContent>().notNull(),
    runId: uuid('run_id').references(() => workflowRuns.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('rhythm_digests_pod_day_phase_uq').on(t.podId, t.day, t.phase)],
);
