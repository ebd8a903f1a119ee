import {
  type DomainEvent,
  type DomainEventType,
  type Instrumentation,
  NO_INSTRUMENTATION,
  SEAL_BATCH,
} from '@clos/core';
import { type Database, type Db, preparedSql, RELAY_LOCK, sealAudit } from '@clos/db';
import { sql } from 'drizzle-orm';
import type { Enqueue, JobQueue } from './queue.ts';

/** The channel on which the relay announces newly sequenced events to every process's stream hub. */
export const EVENTS_CHANNEL = 'clos_events';
/** Audit rows sealed, and domain events numbered, per pass: one batch size, so a full pass means more wait. */
const BATCH = SEAL_BATCH;

/**
 * How long a poke waits before the pass it starts, given how many events the last pass carried. A
 * pass costs about nine statements whatever it carries, so under load (the last pass carried several)
 * it waits longer and carries more: at 400 writes a second this halves the relay's statements per
 * write (bench/statements.ts). When writes are sparse it starts almost at once. The stream's latency
 * budget (docs/benchmarks.md) is far larger than either.
 */
export const pokeDelayMs = (lastPassCarried: number): number => (lastPassCarried > 1 ? 20 : 5);

/**
 * Reacts to dispatched events by enqueueing work in the relay's transaction (so each event causes
 * its jobs exactly once): webhook deliveries, notifications, workflow starts, alert checks.
 */
export interface EventSubscriber {
  name: string;
  /** Types it wants, or '*'. */
  types: readonly DomainEventType[] | '*';
  dispatch(event: DomainEvent, ctx: { tx: Db; enqueue: Enqueue }): Promise<void>;
}

export interface Relay {
  /** Sequences and dispatches whatever is pending, now (coalesced with a drain already running). */
  poke(): void;
  /** Resolves once everything pending when called has been dispatched. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

interface RawEvent {
  id: string;
  seq: string | number;
  type: string;
  pod_id: string | null;
  subject_type: string;
  subject_id: string;
  actor_id: string | null;
  data: Record<string, unknown> | string;
  occurred_at: Date | string;
  trace_context: string | null;
}

// Written through typed `emit` only: the row's JSON is its type's payload.
const fromRaw = (r: RawEvent): DomainEvent =>
  ({
    id: r.id,
    seq: Number(r.seq),
    type: r.type as DomainEventType,
    podId: r.pod_id,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    actorId: r.actor_id,
    data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
    occurredAt: r.occurred_at instanceof Date ? r.occurred_at : new Date(r.occurred_at),
  }) as DomainEvent;

/**
 * One statement numbers the oldest pending events after the highest sequence given so far, and queues
 * the NOTIFY of the last one for the stream hubs (delivered at commit, dropped with a rollback, so a
 * hub never hears of an event it cannot read). The scalar subquery runs once. Built once per
 * database (`preparedSql`).
 */
const numberPending = preparedSql<RawEvent>(
  () => sql`
    with pending as (
      select id, position from domain_events where seq is null
      order by position limit ${BATCH} for update
    ), numbered as (
      select p.id, (select coalesce(max(seq), 0) from domain_events)
        + row_number() over (order by p.position) as seq
      from pending p
    ), updated as (
      update domain_events d set seq = n.seq, dispatched_at = now()
      from numbered n where d.id = n.id
      returning d.id, d.seq, d.type, d.pod_id, d.subject_type, d.subject_id, d.actor_id, d.data,
        d.occurred_at, d.trace_context
    )
    select u.*, (select pg_notify(${EVENTS_CHANNEL}, max(seq)::text) from updated) as notified
    from updated u`,
);

/**
 * The outbox relay and audit sealer. Seals the audit events committed since its last pass, sequences
 * committed events (one relay at a time, under an advisory lock, so
 * sequences become visible in order), hands each to its subscribers, and NOTIFYs the stream hubs —
 * all in one transaction. Every process runs one: it is poked after its own commits, and sweeps
 * every `sweepMs` for events whose writer died before poking.
 */
export function createRelay(options: {
  database: Database;
  queue: JobQueue;
  subscribers: readonly EventSubscriber[];
  sweepMs: number;
  /** Wraps each pass (metrics, tracing). */
  instrumentation?: Instrumentation | undefined;
  onError: (error: unknown) => void;
}): Relay {
  const { database, queue, subscribers } = options;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastCarried = 0;

  const instrumentation = options.instrumentation ?? NO_INSTRUMENTATION;

  function once(): Promise<number> {
    return instrumentation.relayPass({}, pass);
  }

  async function pass(): Promise<number> {
    // The queues this pass enqueued to: their local workers are woken once it commits, so a reaction
    // starts now rather than at the worker's next poll.
    const touched = new Set<string>();
    const done = await database.db.transaction(async (txDb) => {
      const tx = txDb as unknown as Db;
      await tx.execute(sql`select pg_advisory_xact_lock(${RELAY_LOCK})`);
      // The audit events committed since the last pass are chained first, in this transaction: the
      // domain events dispatched below never reach a subscriber before the audit entries they report.
      const sealed = await sealAudit(tx, BATCH);
      const result = await numberPending(tx).execute({});
      if (result.rows.length === 0) return sealed;
      const traces = new Map(result.rows.map((r) => [r.id, r.trace_context]));
      const events = result.rows.map(fromRaw).sort((a, b) => a.seq - b.seq);
      const enqueueInTx = queue.enqueueIn(tx);
      const enqueue: typeof enqueueInTx = (name, data, opts) => {
        touched.add(name);
        return enqueueInTx(name, data, opts);
      };
      for (const event of events) {
        const interested = subscribers.filter((s) => s.types === '*' || s.types.includes(event.type));
        if (interested.length === 0) continue;
        // In the trace of the request that wrote the event: the jobs enqueued here carry it on.
        await instrumentation.relayDispatch(
          { type: event.type, traceparent: traces.get(event.id) ?? null },
          async () => {
            for (const s of interested) await s.dispatch(event, { tx, enqueue });
          },
        );
      }
      return Math.max(sealed, events.length);
    });
    for (const name of touched) queue.wake(name);
    // A full batch of either means more may be waiting.
    return done as number;
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        // A full batch means more may be waiting.
        do lastCarried = await once();
        while (lastCarried === BATCH);
      } catch (error) {
        if (!stopped) options.onError(error);
      }
    } while (again && !stopped);
  }

  function start(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = null;
    });
    return running;
  }

  const sweep = setInterval(() => void start(), options.sweepMs);
  sweep.unref();
  // A poke waits a little (pokeDelayMs) so that, under load, one relay transaction carries the events
  // of many requests instead of one each.
  let scheduled: ReturnType<typeof setTimeout> | null = null;
  const poke = () => {
    if (scheduled || stopped) return;
    scheduled = setTimeout(() => {
      scheduled = null;
      void start();
    }, pokeDelayMs(lastCarried));
  };

  return {
    poke,
    async drain() {
      // A drain already running may have read before our caller's commit: wait for it, then run again.
      if (running) await running;
      await start();
    },
    async stop() {
      stopped = true;
      clearInterval(sweep);
      if (scheduled) clearTimeout(scheduled);
      if (running) await running;
    },
  };
}
