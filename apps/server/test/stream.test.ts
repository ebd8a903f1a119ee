import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Ctx, SYSTEM_ACTOR } from '@clos/core';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SseSink, startStreamHub } from '../src/stream/hub.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';
import { openSse, type SseConnection } from './sse.ts';

const DAY = 86_400_000;
const SYSTEM: Ctx = { actor: SYSTEM_ACTOR, requestId: null };

describe.each(testEngines())('the live event stream on %s', { timeout: 120_000 }, (engine) => {
  let h: Harness;
  let base: string;
  const open: SseConnection[] = [];

  /** Connects to the stream as `token` (admin by default) and waits for the `retry:` line. */
  async function connect(
    query = '',
    token: string | null = ADMIN_TOKEN,
    headers: Record<string, string> = {},
  ): Promise<SseConnection> {
    const conn = await openSse(`${base}/api/v1/stream${query}`, {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    });
    open.push(conn);
    // The reader is registered with the hub before the retry line is written: from here on it
    // receives every event sequenced later.
    if (conn.status === 200) await conn.waitUntil(() => conn.retry !== null, 'the retry line');
    return conn;
  }

  const submitIdea = async (title: string) => {
    const res = await h.call('POST', '/api/v1/ideas', { title });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const acquire = async (pod: string, itemId: string) => {
    const res = await h.call('POST', `/api/v1/pods/${pod}/wip/pull-request/locks`, { itemId });
    expect(res.statusCode).toBe(201);
  };
  const dataOf = (m: { data: string }) => JSON.parse(m.data) as Record<string, unknown>;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true, stream: { recheckMs: 100 } });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as { port: number };
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await h.close();
  });
  beforeEach(async () => {
    for (const c of open.splice(0)) c.close();
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' });
    await h.drain();
  });

  it('ends the open streams of a token once it is revoked, and only those', async () => {
    const dev = await h.userWithToken('developer');
    const other = await h.userWithToken('viewer');
    const revoked = await connect('', dev.token);
    const kept = await connect('', other.token);
    const tokens = (await h.call('GET', '/api/v1/tokens')).json().items as {
      id: string;
      name: string;
      userId: string;
    }[];
    const devToken = tokens.find((t) => t.userId === dev.userId)!;
    expect((await h.call('DELETE', `/api/v1/tokens/${devToken.id}`)).statusCode).toBe(200);
    await revoked.waitUntil(() => revoked.ended(), 'the revoked token’s stream to end', 20_000);
    // The other reader still receives events.
    await submitIdea('after the revocation');
    await h.drain();
    const [message] = await kept.waitFor(1, (m) => m.event === 'idea.submitted');
    expect(dataOf(message!).type).toBe('idea.submitted');
    expect(kept.ended()).toBe(false);
  });

  it('refuses a caller without a token', async () => {
    const conn = await connect('', null);
    expect(conn.status).toBe(401);
    expect(JSON.parse(conn.body).error.code).toBe('unauthorized');
  });

  it('sends an event made through the API with its id, type and JSON data', async () => {
    const conn = await connect();
    expect(conn.headers['content-type']).toBe('text/event-stream');
    expect(conn.headers['cache-control']).toBe('no-store');
    expect(conn.headers['x-accel-buffering']).toBe('no');
    expect(conn.retry).toBe(2000);

    const ideaId = await submitIdea('Card-on-file checkout');
    await h.drain();
    const [message] = await conn.waitFor(1, (m) => m.event === 'idea.submitted');
    const data = dataOf(message!);
    expect(message!.id).toBe(String(data.seq));
    expect(data).toMatchObject({
      type: 'idea.submitted',
      podId: null,
      subjectType: 'idea',
      subjectId: ideaId,
      data: { after: { title: 'Card-on-file checkout' } },
    });
    expect(Object.keys(data).sort()).toEqual(
      ['actorId', 'data', 'id', 'occurredAt', 'podId', 'seq', 'subjectId', 'subjectType', 'type'].sort(),
    );
    expect(new Date(String(data.occurredAt)).toISOString()).toBe(data.occurredAt);
  });

  it('replays exactly the missed events to a client resuming with Last-Event-ID, then goes live', async () => {
    const first = await connect();
    await submitIdea('one');
    await submitIdea('two');
    await h.drain();
    const seen = await first.waitFor(2, (m) => m.event === 'idea.submitted');
    first.close();

    await submitIdea('three');
    await submitIdea('four');
    await h.drain();

    const resumed = await connect('', ADMIN_TOKEN, { 'last-event-id': seen[1]!.id! });
    await resumed.waitFor(2);
    await submitIdea('five');
    await h.drain();
    await resumed.waitFor(3);
    expect(resumed.messages.map((m) => dataOf(m).data)).toEqual([
      { actor: 'admin@example.com', after: { title: 'three' } },
      { actor: 'admin@example.com', after: { title: 'four' } },
      { actor: 'admin@example.com', after: { title: 'five' } },
    ]);
    const ids = resumed.messages.map((m) => Number(m.id));
    expect(ids).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2]);
    expect(ids[0]).toBe(Number(seen[1]!.id) + 1);

    // The same from the query string, for clients that cannot set headers.
    const byQuery = await connect(`?lastEventId=${ids[0]}`);
    const replayed = await byQuery.waitFor(2);
    expect(replayed.map((m) => Number(m.id))).toEqual([ids[1], ids[2]]);
  });

  it('loses and repeats nothing when events are written while the client replays', async () => {
    const before = await connect();
    for (let i = 0; i < 5; i++) await submitIdea(`early ${i}`);
    await h.drain();
    const early = await before.waitFor(5, (m) => m.event === 'idea.submitted');
    const firstId = Number(early[0]!.id);

    // Writers and relays race the resuming client's replay query.
    const writing = (async () => {
      for (let i = 0; i < 20; i++) {
        await submitIdea(`late ${i}`);
        if (i % 3 === 0) await h.drain();
      }
      await h.drain();
    })();
    const resumed = await connect(`?lastEventId=${firstId}`);
    await writing;
    const got = await resumed.waitFor(24, (m) => m.event === 'idea.submitted');
    const ids = got.map((m) => Number(m.id));
    expect(ids).toEqual(Array.from({ length: 24 }, (_, i) => firstId + 1 + i));
    await new Promise((r) => setTimeout(r, 200));
    expect(resumed.messages).toHaveLength(24);
  });

  it('shows a pod-scoped token only its pods’ events and company-wide ones', async () => {
    const dev = await h.userWithToken('developer', { pods: ['ratio'] });
    const scoped = await connect('', dev.token);
    const admin = await connect();
    await acquire('atlas', 'web#1');
    await acquire('ratio', 'web#2');
    await submitIdea('company-wide');
    await h.drain();

    await admin.waitFor(3);
    const got = await scoped.waitFor(2);
    // Sequenced in order: had the atlas event been sent, it would have come first.
    expect(got.map((m) => m.event)).toEqual(['wip.acquired', 'idea.submitted']);
    expect(dataOf(got[0]!).data).toMatchObject({ after: { itemId: 'web#2' } });
    expect(admin.messages.map((m) => m.event)).toEqual(['wip.acquired', 'wip.acquired', 'idea.submitted']);

    // A pod filter narrows to that pod; a scoped token may not ask for another pod.
    const ratioOnly = await connect('?pod=ratio');
    const refused = await connect('?pod=atlas', dev.token);
    expect(refused.status).toBe(403);
    const unknown = await connect('?pod=nowhere');
    expect(unknown.status).toBe(404);
    await acquire('atlas', 'web#3');
    await submitIdea('not for the ratio filter');
    await acquire('ratio', 'web#4');
    await h.drain();
    const filtered = await ratioOnly.waitFor(1);
    expect(filtered.map((m) => dataOf(m).data)).toMatchObject([{ after: { itemId: 'web#4' } }]);
  });

  it('filters by type, and refuses unknown types and malformed ids naming the field', async () => {
    const ideas = await connect('?types=idea.submitted,idea.archived');
    await acquire('ratio', 'web#1');
    const ideaId = await submitIdea('typed');
    await h.call('POST', `/api/v1/ideas/${ideaId}/archive`, { reason: 'duplicate' });
    await h.drain();
    const got = await ideas.waitFor(2);
    expect(got.map((m) => m.event)).toEqual(['idea.submitted', 'idea.archived']);

    const bad = await connect('?types=idea.submitted,idea.exploded');
    expect(bad.status).toBe(400);
    const error = JSON.parse(bad.body).error;
    expect(error.code).toBe('invalid_request');
    expect(error.details).toEqual([
      { path: 'querystring.types', message: expect.stringContaining('"idea.exploded"') },
    ]);
    const badId = await connect('?lastEventId=abc');
    expect(badId.status).toBe(400);
    expect(JSON.parse(badId.body).error.details[0].path).toBe('querystring.lastEventId');
    const badHeader = await connect('', ADMIN_TOKEN, { 'last-event-id': 'x1' });
    expect(badHeader.status).toBe(400);
    expect(JSON.parse(badHeader.body).error.details[0].path).toBe('headers.last-event-id');
  });

  it('deletes events past the retention window, and tells a client resuming from before it', async () => {
    const conn = await connect();
    await submitIdea('old one');
    await submitIdea('old two');
    await h.drain();
    const old = await conn.waitFor(2, (m) => m.event === 'idea.submitted');
    h.clock.advance(8 * DAY);
    await submitIdea('recent');
    await h.drain();
    const [recent] = await conn.waitFor(
      1,
      (m) => m.event === 'idea.submitted' && Number(m.id) > Number(old[1]!.id),
    );

    // A delivery log row points at an old event: it goes first (foreign key).
    const webhookId = randomUUID();
    await h.database.query(
      `insert into webhooks (id, url, events, secret, active, created_at) values ($1, 'http://127.0.0.1:9/', '["*"]', 's3cret', false, now())`,
      [webhookId],
    );
    await h.database.query(
      `insert into webhook_deliveries (id, webhook_id, event_id, event_type, attempt, status, duration_ms, attempted_at)
       select $1, $2, id, type, 1, 'failed', 5, now() from domain_events where seq = $3`,
      [randomUUID(), webhookId, Number(old[0]!.id)],
    );
    const count = async () =>
      Number((await h.database.query<{ n: string }>('select count(*) as n from domain_events'))[0]!.n);
    const total = await count();

    await h.runtime!.tick(h.clock.now());
    const remaining = await h.services.stream.bounds(SYSTEM);
    // The pods registered in beforeEach are as old as the two ideas.
    expect(remaining).toEqual({ oldest: Number(recent!.id), newest: Number(recent!.id) });
    expect(await count()).toBe(total - (Number(recent!.id) - 1));
    expect(
      Number((await h.database.query<{ n: string }>('select count(*) as n from webhook_deliveries'))[0]!.n),
    ).toBe(0);

    // Idempotent; and the newest event stays even when it is old, since new events are numbered from it.
    await h.runtime!.tick(h.clock.now());
    h.clock.advance(30 * DAY);
    await h.runtime!.tick(h.clock.now());
    expect(await h.services.stream.bounds(SYSTEM)).toEqual(remaining);

    const resumed = await connect('', ADMIN_TOKEN, { 'last-event-id': old[0]!.id! });
    const [reset, replayed] = await resumed.waitFor(2);
    expect(reset).toMatchObject({ event: 'reset', id: undefined });
    expect(JSON.parse(reset!.data)).toEqual({
      reason: `events before ${recent!.id} are no longer retained`,
    });
    expect(replayed!.id).toBe(recent!.id);
  });

  it.skipIf(engine !== 'postgres')('listens again after losing its connection, missing nothing', async () => {
    const conn = await connect();
    const killed = await h.database.query<{ pid: number }>(
      `select pg_terminate_backend(pid) as pid from pg_stat_activity
        where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`,
    );
    expect(killed.length).toBeGreaterThan(0);
    const ideaId = await submitIdea('while nobody listened');
    await h.drain();
    const [message] = await conn.waitFor(1, (m) => m.event === 'idea.submitted');
    expect(dataOf(message!).subjectId).toBe(ideaId);
    await h.database
      .query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`,
      )
      .then((rows) => expect(rows[0]!.n).toBeGreaterThan(0));
  });

  describe('the hub', () => {
    /** A response stand-in whose client never reads: every write stays buffered. */
    class StuckSink extends EventEmitter implements SseSink {
      writableLength = 0;
      destroyed = false;
      ended = false;
      write(chunk: string) {
        this.writableLength += Buffer.byteLength(chunk);
        return this.writableLength < 16_384;
      }
      end() {
        this.ended = true;
        this.emit('close');
      }
      destroy() {
        this.destroyed = true;
        this.emit('close');
      }
    }

    /** A response stand-in that records what was written; its client reads everything at once. */
    class RecordingSink extends EventEmitter implements SseSink {
      writableLength = 0;
      destroyed = false;
      chunks: string[] = [];
      write(chunk: string) {
        this.chunks.push(chunk);
        return true;
      }
      end() {
        this.emit('close');
      }
      destroy() {
        this.emit('close');
      }
      get ids() {
        return [...this.chunks.join('').matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      }
    }

    const startHub = (options: { maxBufferedBytes?: number; keepaliveMs?: number } = {}) =>
      startStreamHub({
        database: h.database,
        feed: {
          after: (seq, limit) => h.services.stream.feed(SYSTEM, seq, limit),
          bounds: () => h.services.stream.bounds(SYSTEM),
        },
        logger: { info() {}, warn() {} },
        ...options,
      });
    const until = async (condition: () => boolean) => {
      const deadline = Date.now() + 60_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const EVERYTHING = { visiblePods: null, pod: null, types: null };

    it('hands a resuming reader from replay to live without a gap or a repeat', async () => {
      const hub = await startHub();
      try {
        const observer = new RecordingSink();
        await hub.connect(observer, { accepts: () => true });
        for (const title of ['a', 'b', 'c']) await submitIdea(title);
        await h.drain();
        await until(() => observer.ids.length === 3);
        const from = observer.ids[0]!;

        // A's replay reads before an event is fanned out: that event must come from what was held back.
        const early = new RecordingSink();
        let duringEarly = true;
        await hub.connect(early, {
          accepts: () => true,
          resume: {
            after: from,
            async replay(after, limit) {
              const rows = await h.services.stream.replay(SYSTEM, EVERYTHING, after, limit);
              if (duringEarly) {
                duringEarly = false;
                await submitIdea('during the early replay');
                await h.drain();
                await until(() => observer.ids.length === 4);
              }
              return rows;
            },
          },
        });
        // B's replay reads after an event was fanned out: replay and held-back events overlap.
        const late = new RecordingSink();
        let duringLate = true;
        await hub.connect(late, {
          accepts: () => true,
          resume: {
            after: from,
            async replay(after, limit) {
              if (duringLate) {
                duringLate = false;
                await submitIdea('during the late replay');
                await h.drain();
                await until(() => observer.ids.length === 5);
              }
              return h.services.stream.replay(SYSTEM, EVERYTHING, after, limit);
            },
          },
        });
        await submitIdea('after both');
        await h.drain();
        await until(() => observer.ids.length === 6);
        await until(() => early.ids.length >= 5 && late.ids.length >= 5);
        const expected = [1, 2, 3, 4, 5].map((i) => from + i);
        expect(early.ids).toEqual(expected);
        expect(late.ids).toEqual(expected);
      } finally {
        await hub.close();
      }
    });

    it('starts with the retry delay, keeps idle readers alive with comments, ends them on close', async () => {
      const hub = await startHub({ keepaliveMs: 20 });
      const sink = new RecordingSink();
      let closed = false;
      sink.once('close', () => {
        closed = true;
      });
      try {
        await hub.connect(sink, { accepts: () => true });
        await until(() => sink.chunks.length >= 3);
        expect(sink.chunks.slice(0, 3)).toEqual(['retry: 2000\n\n', ': keepalive\n\n', ': keepalive\n\n']);
      } finally {
        await hub.close();
      }
      expect(closed).toBe(true);
      expect(hub.size).toBe(0);
    });

    it('closes a reader whose socket stays unwritable, and forgets readers that disconnect', async () => {
      const hub = await startHub({ maxBufferedBytes: 4_096 });
      try {
        const stuck = new StuckSink();
        const gone = new StuckSink();
        await hub.connect(stuck, { accepts: () => true });
        await hub.connect(gone, { accepts: () => true });
        expect(hub.size).toBe(2);
        gone.emit('close');
        expect(hub.size).toBe(1);

        for (let i = 0; i < 40; i++) await submitIdea(`${'x'.repeat(200)} ${i}`);
        await h.drain();
        const deadline = Date.now() + 60_000;
        while (!stuck.destroyed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(stuck.destroyed).toBe(true);
        expect(hub.size).toBe(0);
      } finally {
        await hub.close();
      }
    });
  });
});
