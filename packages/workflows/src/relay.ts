import type { DomainEvent, DomainEventType } from '@clos/core';
import { type Database, type Db, schema as t } from '@clos/db';
import { asc, isNull, sql } from 'drizzle-orm';
import type { Enqueue, JobQueue } from './queue.ts';

/** The channel on which the relay announces newly sequenced events to every process's stream hub. */
export const EVENTS_CHANNEL = 'clos_events';
// Any number, as long as nothing else takes it: one relay at a time across all processes.
const RELAY_LOCK = 7_245_301_119;
const BATCH = 500;

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

type Row = typeof t.domainEvents.$inferSelect;

const toEvent = (r: Row, seq: number): DomainEvent => ({
  id: r.id,
  seq,
  type: r.type as DomainEventType,
  podId: r.podId,
  subjectType: r.subjectType,
  subjectId: r.subjectId,
  actorId: r.actorId,
  data: r.data as Record<string, unknown>,
  occurredAt: r.occurredAt,
});

/**
 * The outbox relay. Sequences committed events (one relay at a time, under an advisory lock, so
 * sequences become visible in order), hands each to its subscribers, and NOTIFYs the stream hubs —
 * all in one transaction. Every process runs one: it is poked after its own commits, and sweeps
 * every `sweepMs` for events whose writer died before poking.
 */
export function createRelay(options: {
  database: Database;
  queue: JobQueue;
  subscribers: readonly EventSubscriber[];
  sweepMs: number;
  onError: (error: unknown) => void;
}): Relay {
  const { database, queue, subscribers } = options;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function once(): Promise<number> {
    return database.db.transaction(async (txDb) => {
      const tx = txDb as unknown as Db;
      await tx.execute(sql`select pg_advisory_xact_lock(${RELAY_LOCK})`);
      const pending = await tx
        .select()
        .from(t.domainEvents)
        .where(isNull(t.domainEvents.seq))
        .orderBy(asc(t.domainEvents.occurredAt), asc(t.domainEvents.id))
        .limit(BATCH);
      if (pending.length === 0) return 0;
      const result = (await tx.execute(
        sql`select coalesce(max(seq), 0)::bigint as max from domain_events`,
      )) as unknown as {
        rows: [{ max: string | number }];
      };
      const max = result.rows[0].max;
      let seq = Number(max);
      const events = pending.map((row) => toEvent(row, ++seq));
      await tx.execute(sql`
        update domain_events d set seq = v.seq, dispatched_at = now()
        from jsonb_to_recordset(${JSON.stringify(events.map((e) => ({ id: e.id, seq: e.seq })))}::jsonb)
          as v(id uuid, seq bigint)
        where d.id = v.id`);
      const enqueue = queue.enqueueIn(tx);
      for (const event of events)
        for (const s of subscribers)
          if (s.types === '*' || s.types.includes(event.type)) await s.dispatch(event, { tx, enqueue });
      await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${String(seq)})`);
      return pending.length;
    }) as Promise<number>;
  }

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        while ((await once()) === BATCH) {
          // a full batch: more may be waiting
        }
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

  return {
    poke: () => void start(),
    async drain() {
      // A drain already running may have read before our caller's commit: wait for it, then run again.
      if (running) await running;
      await start();
    },
    async stop() {
      stopped = true;
      clearInterval(sweep);
      if (running) await running;
    },
  };
}
