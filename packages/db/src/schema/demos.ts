import type { DemoAgendaItem, DemoSummary } from '@clos/core';
import { sql } from 'drizzle-orm';
import { check, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';
import { projects } from './projects.ts';
import { users } from './users.ts';

/** A pod's weekly demo: collect → present → feedback → closed. */
export const weeklyDemos = pgTable(
  'weekly_demos',
  {
    id: uuid('id').primaryKey(),
    podId: uuid('pod_id')
      .notNull()
      .references(() => pods.id),
    /** ISO week of the pod's local calendar, e.g. 2026-W48. */
    week: text('week').notNull(),
    status: text('status', { enum: ['collecting', 'presenting', 'feedback', 'closed'] }).notNull(),
    cutoffAt: timestamp('cutoff_at', { withTimezone: true }).notNull(),
    agenda: jsonb('agenda').$type<DemoAgendaItem[]>(),
    summary: jsonb('summary').$type<DemoSummary>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('weekly_demos_pod_week_uq').on(t.podId, t.week),
    check(
      'weekly_demos_status_check',
      sql`${t.status} in ('collecting', 'presenting', 'feedback', 'closed')`,
    ),
  ],
);

export const demoSubmissions = pgTable('demo_submissions', {
  id: uuid('id').primaryKey(),
  demoId: uuid('demo_id')
    .notNull()
    .references(() => weeklyDemos.id),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  title: text('title').notNull(),
  description: text('description'),
  projectId: uuid('project_id').references(() => projects.id),
  url: text('url'),
  /** Order on the agenda, set when the demo moves to presenting. */
  position: integer('position'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

export const demoFeedback = pgTable(
  'demo_feedback',
  {
    id: uuid('id').primaryKey(),
    submissionId: uuid('submission_id')
      .notNull()
      .references(() => demoSubmissions.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    score: integer('score').notNull(),
    comment: text('comment'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('demo_feedback_submission_user_uq').on(t.submissionId, t.userId),
    check('demo_feedback_score_check', sql`${t.score} between 1 and 5`),
  ],
);

/**
 * The weekly demo's one-question pulse, "how was your week?" from 1 to 10: team satisfaction (seed §9),
 * one answer per person per demo, changeable until the demo closes.
 */
export const demoPulses = pgTable(
  'demo_pulses',
  {
    id: uuid('id').primaryKey(),
    demoId: uuid('demo_id')
      .notNull()
      .references(() => weeklyDemos.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    score: integer('score').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('demo_pulses_demo_user_uq').on(t.demoId, t.userId),
    check('demo_pulses_score_check', sql`${t.score} between 1 and 10`),
  ],
);
