import { randomUUID } from 'node:crypto';
import type { EventRepository, NewDomainEvent } from '@clos/core';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';
import type { WriteBehind } from '../write-behind.ts';

/**
 * Told of each event as it is written; what it returns is stored as the event's trace context (the
 * unit of work answers with the current trace, so the relay can dispatch the event inside it).
 */
export type OnEmit = (event: NewDomainEvent) => string | undefined;

/** Outbox rows, written in the caller's transaction; the relay gives them their sequence. */
export function eventRepository(db: Db, onEmit?: OnEmit, writeBehind?: WriteBehind): EventRepository {
  return {
    async emit(e: NewDomainEvent) {
      const traceContext = onEmit?.(e) || null;
      const row = {
        id: randomUUID(),
        type: e.type,
        podId: e.podId,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        actorId: e.actorId,
        // Through JSON so the stored payload is exactly what subscribers will read (dates → strings).
        data: JSON.parse(JSON.stringify(e.data)),
        occurredAt: e.occurredAt,
        traceContext,
      };
      if (writeBehind) writeBehind.events.push(row);
      else await db.insert(t.domainEvents).values(row);
    },
  };
}
