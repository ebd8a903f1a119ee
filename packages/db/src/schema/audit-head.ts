import { bigint, integer, pgTable, text } from 'drizzle-orm/pg-core';

/** One row: the chain's last sequence and hash, so deleting the newest events is detectable. */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey(),
  sequence: bigint('sequence', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});
