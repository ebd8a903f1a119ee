import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The transactional outbox: every domain event is inserted in the same transaction as the change it
 * reports. `seq` is given by the relay, one relay at a time, after the row has committed: ids taken
 * inside concurrent transactions become visible out of order, so they cannot serve as a stream
 * position (a reader at 11 would never see 10 commit late); relay-assigned sequences can.
 */
export const domainEvents = pgTable(
  'domain_events',
  {
    id: uuid('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }),
    /**
     * Insertion order. The relay numbers pending events in this order: events written one after the
     * other keep their order (timestamps can tie — a fake clock, one millisecond — and ids are random).
     */
    position: bigserial('position', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    podId: uuid('pod_id'),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    actorId: uuid('actor_id'),
    data: jsonb('data').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    /**
     * The W3C `traceparent` of the request that wrote the event, when tracing is on: the relay
     * dispatches under it, so the jobs an event causes join the request's trace.
     */
    traceContext: text('trace_context'),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('domain_events_seq_uq').on(t.seq),
    index('domain_events_pending_idx').on(t.position).where(sql`${t.seq} is null`),
    index('domain_events_type_idx').on(t.type, t.occurredAt),
  ],
);
