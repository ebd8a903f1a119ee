import type { DomainEvent, Instrumentation } from '@clos/core';
import type { Database } from '@clos/db';
import { EVENTS_CHANNEL } from '@clos/workflows';

/** What the hub writes to: an HTTP response (`ServerResponse` fits), or a test's stand-in. */
export interface SseSink {
  write(chunk: string): boolean;
  /** Bytes accepted by `write` and not yet handed to the network. */
  readonly writableLength: number;
  /** True once the connection is gone (it may close while the request is still being checked). */
  readonly destroyed: boolean;
  end(): void;
  destroy(): void;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Where the hub reads events from: the sequenced outbox, for every process alike. */
export interface EventFeed {
  /** Dispatched events with `seq` above `afterSeq`, in order, at most `limit`. */
  after(afterSeq: number, limit: number): Promise<DomainEvent[]>;
  bounds(): Promise<{ oldest: number; newest: number } | null>;
}

export interface StreamReader {
  /** Whether this reader receives the event (its visibility and filters). */
  accepts(event: DomainEvent): boolean;
  /** The API token the reader authenticated with, re-checked while the stream is open. */
  tokenId?: string | null | undefined;
  /** Reconnecting after `after` (its `Last-Event-ID`): stored events it may see, oldest first. */
  resume?: { after: number; replay(afterSeq: number, limit: number): Promise<DomainEvent[]> } | undefined;
}

export interface StreamHub {
  /** Streams to `sink` until it closes: replays first when resuming. Resolves once the reader is live. */
  connect(sink: SseSink, reader: StreamReader): Promise<void>;
  /** Readers connected now. */
  readonly size: number;
  /**
   * Ends every reader's response (before the HTTP server closes: open streams would hold it open).
   * With `reconnectMs`, each is first told to reconnect after that long (the SSE `retry:` field):
   * a shutting-down process sends its readers to another one, which resumes from Last-Event-ID.
   */
  disconnectAll(options?: { reconnectMs?: number }): void;
  /** Disconnects everyone and stops listening. */
  close(): Promise<void>;
}

export interface StreamHubOptions {
  database: Pick<Database, 'listen'>;
  feed: EventFeed;
  logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Comment sent to idle readers so proxies keep the connection open. Default 15 s. */
  keepaliveMs?: number;
  /** A reader with more than this waiting to be sent is too slow and is closed. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** The reconnection delay browsers are told to use (`retry:`). Default 2 s. */
  retryMs?: number;
  /**
   * Which of the given tokens are still valid. A stream authenticates once, when it opens; without
   * this re-check a revoked or expired token would keep receiving events until it reconnects.
   */
  activeTokens?: (ids: string[]) => Promise<Set<string>>;
  /** How often readers' tokens are re-checked. Default 30 s. */
  recheckMs?: number;
  /** Told whenever a reader connects or disconnects (the instrumentation's `streamReaders`). */
  onReaders?: Instrumentation['streamReaders'] | undefined;
}

const BATCH = 500;

/** One event as an SSE frame. `JSON.stringify` escapes line breaks, so `data:` is one line. */
export function eventFrame(e: DomainEvent): string {
  const data = JSON.stringify({
    id: e.id,
    seq: e.seq,
    type: e.type,
    occurredAt: e.occurredAt.toISOString(),
    podId: e.podId,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    actorId: e.actorId,
    data: e.data,
  });
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${data}\n\n`;
}

/** Tells a reader it cannot be brought up to date by events alone: refetch, then carry on. */
export const resetFrame = (reason: string) => `event: reset\ndata: ${JSON.stringify({ reason })}\n\n`;

interface Client {
  sink: SseSink;
  accepts: (event: DomainEvent) => boolean;
  tokenId: string | null;
  /** False while replaying: live events wait in `pending` so they follow the replay in order. */
  live: boolean;
  pending: { seq: number; frame: string }[];
  pendingBytes: number;
  closed: boolean;
}

/**
 * The stream hub of one process. It LISTENs for the relay's notification, reads what was sequenced
 * since the last read (one query per burst of notifications, however many readers are connected),
 * serialises each event once and writes it to every reader that may see it.
 *
 * Handing a resuming reader from replay to live loses and repeats nothing: the reader is registered
 * before the replay's first query, so an event is either visible to the replay or fanned out after
 * registration (and held in `pending`); the overlap is dropped by `seq`.
 */
export async function startStreamHub(options: StreamHubOptions): Promise<StreamHub> {
  const { database, feed, logger } = options;
  const keepaliveMs = options.keepaliveMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const retryFrame = `retry: ${options.retryMs ?? 2_000}\n\n`;

  const clients = new Set<Client>();
  let lastSeq = 0;
  let pumping: Promise<void> | null = null;
  let again = false;
  let suspectReset = false;
  let stopped = false;
  let unlisten: (() => Promise<void>) | null = null;

  function drop(client: Client, reason: string | null): void {
    if (client.closed) return;
    client.closed = true;
    remove(client);
    if (reason) {
      logger.info({ reason }, 'closing an event stream; the client reconnects with Last-Event-ID');
      // Not end(): that would queue behind the megabyte the client is not reading.
      client.sink.destroy();
    } else client.sink.end();
  }

  function remove(client: Client): void {
    if (clients.delete(client)) options.onReaders?.({ change: 'disconnected', readers: clients.size });
  }

  function send(client: Client, text: string): void {
    if (client.closed) return;
    if (!client.sink.write(text) && client.sink.writableLength > maxBuffered)
      drop(client, 'the client reads too slowly');
  }

  function fanOut(events: DomainEvent[]): void {
    const frames = new Array<string | undefined>(events.length);
    for (const client of clients) {
      let chunk = '';
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        if (!client.accepts(event)) continue;
        // Serialised at most once per event, whatever the number of readers.
        let frame = frames[i];
        if (frame === undefined) {
          frame = eventFrame(event);
          frames[i] = frame;
        }
        if (client.live) chunk += frame;
        else {
          client.pending.push({ seq: event.seq, frame });
          client.pendingBytes += frame.length;
        }
      }
      if (chunk) send(client, chunk);
      else if (!client.live && client.pendingBytes > maxBuffered)
        drop(client, 'too many events arrived while it was catching up');
    }
  }

  // A sequence lower than ours means the log started over (a restored or emptied database), not
  // just a late notification; only the log itself can tell which.
  async function checkReset(): Promise<void> {
    const newest = (await feed.bounds())?.newest ?? 0;
    if (newest >= lastSeq) return;
    logger.warn({ from: lastSeq, to: newest }, 'the event log restarted its sequence');
    lastSeq = 0;
    for (const client of clients) {
      if (client.live) send(client, resetFrame('the event log was reset'));
      else drop(client, 'the event log was reset during its replay');
    }
  }

  function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        again = false;
        try {
          if (suspectReset) {
            suspectReset = false;
            await checkReset();
          }
          for (;;) {
            const events = await feed.after(lastSeq, BATCH);
            if (events.length) {
              fanOut(events);
              lastSeq = events[events.length - 1]!.seq;
            }
            if (events.length < BATCH || stopped) break;
          }
        } catch (error) {
          if (!stopped) {
            logger.warn({ err: error }, 'reading new events failed; retrying');
            // No notification may come for a while: retry on our own.
            setTimeout(() => void pump(), 1_000).unref();
          }
        }
      } while (again && !stopped);
    })().finally(() => {
      pumping = null;
    });
    return pumping;
  }

  function onNotify(payload: string): void {
    const seq = Number(payload);
    if (Number.isFinite(seq) && seq < lastSeq) suspectReset = true;
    void pump();
  }

  async function listen(): Promise<void> {
    const stop = await database.listen(EVENTS_CHANNEL, onNotify, onLost);
    if (stopped) await stop();
    else unlisten = stop;
  }

  function onLost(): void {
    unlisten = null;
    if (stopped) return;
    logger.warn({}, 'lost the connection that hears new events; listening again');
    relisten(1_000);
  }

  function relisten(delayMs: number): void {
    const timer = setTimeout(async () => {
      if (stopped) return;
      try {
        await listen();
        // Whatever was sequenced while nobody listened.
        void pump();
      } catch (error) {
        logger.warn({ err: error }, 'listening for new events failed; retrying');
        relisten(Math.min(delayMs * 2, 30_000));
      }
    }, delayMs);
    timer.unref();
  }

  // LISTEN before reading the position: an event sequenced in between is then announced too.
  await listen();
  lastSeq = (await feed.bounds())?.newest ?? 0;

  const keepalive = setInterval(() => {
    for (const client of clients) if (client.live) send(client, ': keepalive\n\n');
  }, keepaliveMs);
  keepalive.unref();

  // One lookup per distinct token, however many streams it holds open.
  let rechecking = false;
  async function recheckTokens(): Promise<void> {
    if (!options.activeTokens || rechecking) return;
    const ids = [...new Set([...clients].flatMap((c) => (c.tokenId ? [c.tokenId] : [])))];
    if (ids.length === 0) return;
    rechecking = true;
    try {
      const active = await options.activeTokens(ids);
      for (const client of clients)
        if (client.tokenId && !active.has(client.tokenId))
          drop(client, 'its token was revoked or has expired');
    } catch (error) {
      logger.warn({ err: error }, 'could not re-check the tokens of open event streams');
    } finally {
      rechecking = false;
    }
  }
  const recheck = options.activeTokens
    ? setInterval(() => void recheckTokens(), options.recheckMs ?? 30_000)
    : null;
  recheck?.unref();

  function waitWritable(client: Client): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        client.sink.off('drain', done);
        client.sink.off('close', done);
        resolve();
      };
      client.sink.once('drain', done);
      client.sink.once('close', done);
    });
  }

  async function replay(client: Client, resume: NonNullable<StreamReader['resume']>): Promise<void> {
    let after = resume.after;
    const bounds = await feed.bounds();
    if (bounds && after < bounds.oldest - 1)
      send(client, resetFrame(`events before ${bounds.oldest} are no longer retained`));
    else if (after > (bounds?.newest ?? 0)) {
      // An id from before the log was reset: nothing to replay, and the client's view is stale.
      send(client, resetFrame(`event ${after} is not in the event log`));
      after = bounds?.newest ?? 0;
    }
    for (;;) {
      if (client.closed) return;
      const events = await resume.replay(after, BATCH);
      if (client.closed) return;
      if (events.length) {
        after = events[events.length - 1]!.seq;
        // Our own burst: wait for the client to take it rather than count it as slow.
        if (!client.sink.write(events.map(eventFrame).join(''))) await waitWritable(client);
      }
      if (events.length < BATCH) break;
    }
    let chunk = '';
    for (const p of client.pending) if (p.seq > after) chunk += p.frame;
    client.pending = [];
    client.pendingBytes = 0;
    client.live = true;
    if (chunk) send(client, chunk);
  }

  return {
    get size() {
      return clients.size;
    },
    async connect(sink, reader) {
      const client: Client = {
        sink,
        accepts: reader.accepts,
        tokenId: reader.tokenId ?? null,
        live: !reader.resume,
        pending: [],
        pendingBytes: 0,
        closed: false,
      };
      if (stopped) {
        sink.end();
        return;
      }
      // Its 'close' has already fired: registering it now would keep it forever.
      if (sink.destroyed) return;
      clients.add(client);
      options.onReaders?.({ change: 'connected', readers: clients.size });
      sink.once('close', () => {
        client.closed = true;
        remove(client);
      });
      send(client, retryFrame);
      if (!reader.resume) return;
      try {
        await replay(client, reader.resume);
      } catch (error) {
        logger.warn({ err: error }, 'replaying missed events failed');
        drop(client, 'its replay failed');
      }
    },
    disconnectAll(options = {}) {
      for (const client of clients) {
        if (options.reconnectMs !== undefined && !client.closed)
          client.sink.write(`retry: ${options.reconnectMs}\n: this server is stopping; reconnect\n\n`);
        drop(client, null);
      }
    },
    async close() {
      stopped = true;
      clearInterval(keepalive);
      if (recheck) clearInterval(recheck);
      for (const client of clients) drop(client, null);
      if (pumping) await pumping;
      const stop = unlisten;
      unlisten = null;
      await stop?.();
    },
  };
}
