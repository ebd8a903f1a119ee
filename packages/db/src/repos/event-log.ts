import type { DomainEvent, DomainEventType, EventLogRepository } from '@clos/core';
import { and, asc, eq, gt, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const e = t.domainEvents;

// The payload was checked against its type when it was written (the outbox is only written through
// typed `emit`), so the row's JSON is that type's payload.
const toEvent = (r: typeof e.$inferSelect): DomainEvent =>
  ({
    id: r.id,
    seq: r.seq!,
    type: r.type as DomainEventType,
    podId: r.podId,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    actorId: r.actorId,
    data: r.data,
    occurredAt: r.occurredAt,
  }) as DomainEvent;

/** Reads the sequenced outbox in `seq` order (on its unique index) and prunes its oldest end. */
export function eventLogRepository(db: Db): EventLogRepository {
  return {
    async byId(id) {
      const [row] = await db.select().from(e).where(eq(e.id, id));
      return row && row.seq !== null ? toEvent(row) : null;
    },
    async after(afterSeq, limit, s) {
      const rows = await db
        .select()
        .from(e)
        .where(
          and(
            gt(e.seq, afterSeq),
            s?.pod ? eq(e.podId, s.pod) : undefined,
            s?.visiblePods
              ? or(isNull(e.podId), s.visiblePods.length ? inArray(e.podId, [...s.visiblePods]) : sql`false`)
              : undefined,
            s?.types ? (s.types.length ? inArray(e.type, [...s.types]) : sql`false`) : undefined,
          ),
        )
        .orderBy(asc(e.seq))
        .limit(limit);
      return rows.map(toEvent);
    },
    async bounds() {
      const [row] = await db
        .select({ oldest: sql<string | null>`min(${e.seq})`, newest: sql<string | null>`max(${e.seq})` })
        .from(e);
      if (!row || row.oldest === null || row.newest === null) return null;
      return { oldest: Number(row.oldest), newest: Number(row.newest) };
    },
    async prune(cutoff, limit) {
      const [newest] = await db.select({ seq: sql<string | null>`max(${e.seq})` }).from(e);
      if (!newest?.seq) return 0;
      const newestSeq = Number(newest.seq);
      const oldestFirst = (n: number) =>
        db
          .select({ id: e.id, seq: e.seq, occurredAt: e.occurredAt })
          .from(e)
          .where(isNotNull(e.seq))
          .orderBy(asc(e.seq))
          .limit(n);
      // Runs at every scheduler tick: one row answers "nothing to do" in the usual case.
      const [first] = await oldestFirst(1);
      if (!first || first.occurredAt >= cutoff || first.seq! >= newestSeq) return 0;
      const oldest = await oldestFirst(limit);
      const ids: string[] = [];
      for (const row of oldest) {
        // Stop at the first event still within the window, so what is retained remains one range.
        if (row.seq! >= newestSeq || row.occurredAt >= cutoff) break;
        ids.push(row.id);
      }
      if (ids.length === 0) return 0;
      // Deliveries reference their event; their log goes with it.
      await db.delete(t.webhookDeliveries).where(inArray(t.webhookDeliveries.eventId, ids));
      const deleted = await db.delete(e).where(inArray(e.id, ids)).returning({ id: e.id });
      return deleted.length;
    },
  };
}
