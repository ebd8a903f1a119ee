import { randomUUID } from 'node:crypto';
import type { EventRepository, NewDomainEvent } from '@clos/core';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

/** Outbox rows, written in the caller's transaction; the relay gives them their sequence. */
export function eventRepository(db: Db, onEmit?: () => void): EventRepository {
  return {
    async emit(e: NewDomainEvent) {
      onEmit?.();
      await db.insert(t.domainEvents).values({
        id: randomUUID(),
        type: e.type,
        podId: e.podId,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        actorId: e.actorId,
        // Through JSON so the stored payload is exactly what subscribers will read (dates → strings).
        data: JSON.parse(JSON.stringify(e.data)),
        occurredAt: e.occurredAt,
      });
    },
  };
}
