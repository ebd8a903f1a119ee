import type { NewDomainEvent } from '../events/event.ts';

/** The outbox. Events written here commit (or roll back) with the transaction they are written in. */
export interface EventRepository {
  emit(event: NewDomainEvent): Promise<void>;
}
