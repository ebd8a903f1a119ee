import type { AlertKind } from '@clos/core';
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pods } from './pods.ts';

/**
 * Alerts open once per key (`wip.limit_exceeded:<pod>:<type>`, …) and resolve when their condition
 * clears; the partial unique index is the database's guarantee that a key has one open alert.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey(),
    key: text('key').notNull(),
    kind: text('kind').$type<AlertKind>().notNull(),
    podId: uuid('pod_id').references(() => pods.id),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    severity: text('severity', { enum: ['warning', 'critical'] }).notNull(),
    message: text('message').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['open', 'resolved'] }).notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    // Who took the alert on: the user (null for an actor without one) and the audit log's label for
    // them, so the list names them without a join and after the user is gone.
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: uuid('acknowledged_by'),
    acknowledgedByLabel: text('acknowledged_by_label'),
    snoozedUntil: timestamp('snoozed_until', { withTimezone: true }),
    snoozedAt: timestamp('snoozed_at', { withTimezone: true }),
    snoozedBy: uuid('snoozed_by'),
    snoozedByLabel: text('snoozed_by_label'),
  },
  (t) => [
    uniqueIndex('alerts_open_key_uq').on(t.key).where(sql`${t.status} = 'open'`),
    index('alerts_list_idx').on(t.status, t.openedAt),
    check('alerts_status_check', sql`${t.status} in ('open', 'resolved')`),
    // All or nothing: an acknowledgement or a snooze always says when and by whom.
    check(
      'alerts_acknowledged_check',
      sql`(${t.acknowledgedAt} is null) = (${t.acknowledgedByLabel} is null)`,
    ),
    check(
      'alerts_snooze_check',
      sql`(${t.snoozedUntil} is null) = (${t.snoozedAt} is null) and (${t.snoozedUntil} is null) = (${t.snoozedByLabel} is null)`,
    ),
  ],
);

/** Keys of job effects already applied: a handler inserts its key in the transaction of its effect. */
export const jobKeys = pgTable('job_keys', {
  key: text('key').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
