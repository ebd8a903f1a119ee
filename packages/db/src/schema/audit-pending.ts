import { bigserial, pgTable } from 'drizzle-orm/pg-core';
import { auditRecordColumns } from './audit-events.ts';

/**
 * Audit events committed but not yet chained. A change inserts its event here in its own transaction
 * (so it is never lost, nor published without it) instead of taking the chain head, which would
 * make every write in every process wait for every other; the sealer — one at a time, under the
 * chain head's row lock — moves rows into `audit_events` in the order it finds them committed,
 * giving each its sequence and hash. Rows are inserted and deleted, never updated (a trigger).
 */
export const auditPending = pgTable('audit_pending', {
  /**
   * Insertion order: the sealer chains pending rows in this order, so the events one transaction
   * wrote keep their order (timestamps can tie and ids are random).
   */
  position: bigserial('position', { mode: 'number' }).primaryKey(),
  ...auditRecordColumns(),
});
