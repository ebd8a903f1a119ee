import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * What an audit event records, sealed (`audit_events`) or not yet (`audit_pending`): one definition,
 * so the sealer moves a row between them column for column. New builders per call (Drizzle ties a
 * column builder to its table).
 */
export const auditRecordColumns = () => ({
  id: uuid('id').notNull().unique(),
  occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  actorId: uuid('actor_id'),
  actorLabel: text('actor_label').notNull(),
  action: text('action').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectId: text('subject_id').notNull(),
  before: jsonb('before'),
  after: jsonb('after'),
  reason: text('reason'),
  requestId: text('request_id'),
});

/**
 * Append-only and hash-chained. `sequence` is assigned by the appender under an advisory lock (not a
 * database sequence, which would leave gaps on rollback and make deletions indistinguishable).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    sequence: bigint('sequence', { mode: 'number' }).primaryKey(),
    ...auditRecordColumns(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_subject_idx').on(t.subjectType, t.subjectId, t.sequence),
    index('audit_actor_idx').on(t.actorId, t.sequence),
    index('audit_action_idx').on(t.action, t.sequence),
    index('audit_time_idx').on(t.occurredAt),
  ],
);
