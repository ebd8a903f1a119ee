import { sql } from 'drizzle-orm';
import type { Db } from './database.ts';
import * as t from './schema/index.ts';

/**
 * The audit and outbox rows a unit of work records, held until its work is done and then inserted
 * together in one statement just before the commit. Nothing in a change reads them back (the sealer
 * and the relay read them after the commit), so holding them costs no correctness, and every write
 * saves a round trip per row kind: the two inserts were two of an acquire's seven statements.
 * They are flushed inside the transaction, so a failed insert still rolls the whole change back.
 */
export interface WriteBehind {
  audit: (typeof t.auditPending.$inferInsert)[];
  events: (typeof t.domainEvents.$inferInsert)[];
}

export const createWriteBehind = (): WriteBehind => ({ audit: [], events: [] });

/** Inserts what `rows` holds in the transaction `db`, in recording order, and empties it. */
export async function flushWriteBehind(db: Db, rows: WriteBehind): Promise<void> {
  const audit = rows.audit.length ? db.insert(t.auditPending).values(rows.audit.splice(0)) : null;
  const events = rows.events.length ? db.insert(t.domainEvents).values(rows.events.splice(0)) : null;
  // A data-modifying CTE runs whether or not the outer statement reads it: both inserts, one trip.
  if (audit && events) await db.execute(sql`with audited as (${audit.getSQL()}) ${events.getSQL()}`);
  else if (audit) await audit;
  else if (events) await events;
}
