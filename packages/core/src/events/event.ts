import type { DomainEventType } from './catalog.ts';
import type { EventPayloads } from './payloads.ts';

interface EventEnvelope<T extends DomainEventType> {
  type: T;
  /** Scopes who may see it: pod-scoped tokens see their pods' events only; null is company-wide. */
  podId: string | null;
  subjectType: string;
  subjectId: string;
  actorId: string | null;
  /** The type's payload (events/payloads.ts; its wire schema is in `@clos/contract`). */
  data: EventPayloads[T];
  occurredAt: Date;
}

/** A domain event as written to the outbox: a union discriminated by `type`. */
export type NewDomainEvent = { [T in DomainEventType]: EventEnvelope<T> }[DomainEventType];

/** A dispatched domain event: `seq` orders the stream and is the SSE `id`. */
export type DomainEvent = {
  [T in DomainEventType]: EventEnvelope<T> & { id: string; seq: number };
}[DomainEventType];

/** The dispatched event of one type. */
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
