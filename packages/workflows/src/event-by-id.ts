import type { DomainEvent, DomainEventType } from '@clos/core';
import { type Db, schema as t } from '@clos/db';
import { eq } from 'drizzle-orm';

/**
 * One outbox event, as subscribers received it. Jobs enqueue only the event's id (the payload stays
 * in one place) and read it back here; null once retention has removed it.
 */
export async function eventById(db: Db, id: string): Promise<DomainEvent | null> {
  const [row] = await db.select().from(t.domainEvents).where(eq(t.domainEvents.id, id));
  if (!row || row.seq === null) return null;
  return {
    id: row.id,
    seq: row.seq,
    type: row.type as DomainEventType,
    podId: row.podId,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    actorId: row.actorId,
    data: row.data as Record<string, unknown>,
    occurredAt: row.occurredAt,
  };
}
