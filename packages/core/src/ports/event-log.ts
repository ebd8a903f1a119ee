import type { DomainEventType } from '../events/catalog.ts';
import type { DomainEvent } from '../events/event.ts';

/** Which dispatched events a reader receives (see `createEventStreamService`). */
export interface EventSelection {
  /** Events of these pods plus company-wide ones (`podId` null); null: every pod (unscoped readers). */
  visiblePods: readonly string[] | null;
  /** Only this pod's events; null: any pod. */
  pod: string | null;
  /** Only these types; null: every type. */
  types: readonly DomainEventType[] | null;
}

/** The dispatched part of the outbox, read in `seq` order: the live stream's history. */
export interface EventLogRepository {
  /** Dispatched events with `seq` above `afterSeq`, in `seq` order, at most `limit`, narrowed by `selection`. */
  after(afterSeq: number, limit: number, selection?: EventSelection): Promise<DomainEvent[]>;
  /**
   * One dispatched event. Jobs enqueue only an event's id (its payload stays in one place) and read it
   * back here; null before the relay dispatched it, and once retention removed it.
   */
  byId(id: string): Promise<DomainEvent | null>;
  /** The lowest and highest `seq` still stored; null when no dispatched event is. */
  bounds(): Promise<{ oldest: number; newest: number } | null>;
  /**
   * Deletes up to `limit` dispatched events that occurred before `cutoff`, with their webhook
   * deliveries, and returns how many. Only an unbroken run from the oldest `seq` goes (what is
   * retained stays one range, so a resuming reader knows exactly what it missed), and never the
   * newest event: the relay numbers new events from it.
   */
  prune(cutoff: Date, limit: number): Promise<number>;
}
