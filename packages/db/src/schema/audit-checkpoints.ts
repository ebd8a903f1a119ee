import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Checkpoints CLOS has signed: bookkeeping only (which head was signed last, which exports are still
 * owed). What proves the log was not rewound are the copies in the sinks outside the database; a
 * database owner can edit these rows, and gains nothing by it.
 */
export const auditCheckpoints = pgTable(
  'audit_checkpoints',
  {
    sequence: bigint('sequence', { mode: 'number' }).notNull(),
    keyId: text('key_id').notNull(),
    hash: text('hash').notNull(),
    signedAt: timestamp('signed_at', { withTimezone: true }).notNull(),
    publicKey: text('public_key').notNull(),
    signature: text('signature').notNull(),
    /** Null until every sink has it; such rows are retried with backoff. */
    exportedAt: timestamp('exported_at', { withTimezone: true }),
    exportAttempts: integer('export_attempts').notNull().default(0),
    lastExportError: text('last_export_error'),
    nextExportAt: timestamp('next_export_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.keyId, t.sequence] }),
    index('audit_checkpoints_pending_idx').on(t.nextExportAt).where(sql`${t.exportedAt} is null`),
  ],
);
