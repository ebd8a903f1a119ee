import { testEngines } from '@clos/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { DEFAULT_STREAM_LIMITS, type StreamLimits, StreamSlots } from '../src/stream/slots.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';
import { openSse, type SseConnection } from './sse.ts';

describe.each(testEngines())(
  'open event streams per token and address on %s',
  { timeout: 120_000 },
  (engine) => {
    let h: Harness;
    const apps: FastifyInstance[] = [];
    const open: SseConnection[] = [];

    /** An app over the harness's services and job runner, with these stream caps, listening on a port. */
    async function serve(limits: StreamLimits): Promise<string> {
      const app = await buildApp({
        services: h.services,
        database: h.database,
        runtime: h.runtime ?? undefined,
        stream: { recheckMs: 100, limits },
      });
      apps.push(app);
      await app.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    }

    async function connect(base: string, token: string, query = ''): Promise<SseConnection> {
      const conn = await openSse(`${base}/api/v1/stream${query}`, { authorization: `Bearer ${token}` });
      open.push(conn);
      if (conn.status === 200) await conn.waitUntil(() => conn.retry !== null, 'the retry line');
      return conn;
    }

    /** Connects until the server has noticed a stream ended and gives the slot back. */
    async function connectOnceFreed(base: string, token: string): Promise<SseConnection> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const conn = await connect(base, token);
        if (conn.status === 200 || Date.now() > deadline) return conn;
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    beforeAll(async () => {
      h = await startHarness(engine, {}, undefined, { runtime: true });
    });
    afterEach(async () => {
      for (const c of open.splice(0)) c.close();
      for (const app of apps.splice(0)) await app.close();
    });
    afterAll(() => h.close());

    it('refuses the 21st stream of a token with 429 in the error shape, and takes it once one closes', async () => {
      const base = await serve(DEFAULT_STREAM_LIMITS);
      const dev = await h.userWithToken('developer');
      const streams: SseConnection[] = [];
      for (let i = 0; i < 20; i++) streams.push(await connect(base, dev.token));
      expect(streams.map((s) => s.status)).toEqual(Array(20).fill(200));

      const refused = await connect(base, dev.token);
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toContain('application/json');
      expect(JSON.parse(refused.body)).toEqual({
        error: {
          code: 'rate_limited',
          message:
            'too many open event streams with this API token: the limit is 20; close one (each browser tab holds one) before opening another',
          details: { scope: 'stream-token', limit: 20 },
          requestId: refused.headers['x-request-id'],
        },
      });
      // Another token from the same address is counted on its own.
      expect((await connect(base, ADMIN_TOKEN)).status).toBe(200);

      streams[0]!.close();
      const again = await connectOnceFreed(base, dev.token);
      expect(again.status).toBe(200);
      // One closed, one opened: the token is at its cap again.
      expect((await connect(base, dev.token)).status).toBe(429);
    });

    it('caps streams per address whatever the token, checks the request first, and frees slots of a revoked token', async () => {
      const base = await serve({ perToken: 0, perAddress: 3 });
      const dev = await h.userWithToken('developer');
      const viewer = await h.userWithToken('viewer');
      expect((await connect(base, dev.token)).status).toBe(200);
      expect((await connect(base, dev.token)).status).toBe(200);
      expect((await connect(base, viewer.token)).status).toBe(200);

      const refused = await connect(base, ADMIN_TOKEN);
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body).error).toMatchObject({
        code: 'rate_limited',
        message: expect.stringContaining('too many open event streams from this address: the limit is 3'),
        details: { scope: 'stream-ip', limit: 3 },
      });
      // Bad input is still a 400 naming the problem, not a 429.
      const bad = await connect(base, ADMIN_TOKEN, '?types=no.such.event');
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body).error.code).toBe('invalid_request');

      // Revoking the developer's token ends its two streams; their slots come back.
      const tokens = (await h.call('GET', '/api/v1/tokens')).json().items as { id: string; userId: string }[];
      const devToken = tokens.find((t) => t.userId === dev.userId)!;
      expect((await h.call('DELETE', `/api/v1/tokens/${devToken.id}`)).statusCode).toBe(200);
      const first = await connectOnceFreed(base, ADMIN_TOKEN);
      expect(first.status).toBe(200);
      const second = await connectOnceFreed(base, ADMIN_TOKEN);
      expect(second.status).toBe(200);
      expect((await connect(base, ADMIN_TOKEN)).status).toBe(429);
    });

    it('caps nothing without limits, or with caps of 0', async () => {
      const base = await serve({ perToken: 0, perAddress: 0 });
      for (let i = 0; i < 25; i++) expect((await connect(base, ADMIN_TOKEN)).status).toBe(200);
    });
  },
);

describe('StreamSlots', () => {
  it('counts per caller and per address, gives a slot back once, and forgets keys at zero', () => {
    const slots = new StreamSlots({ perToken: 2, perAddress: 3 });
    const a1 = slots.acquire('a', '10.0.0.1');
    const a2 = slots.acquire('a', '10.0.0.1');
    expect(typeof a1).toBe('function');
    expect(typeof a2).toBe('function');
    expect(slots.acquire('a', '10.0.0.2')).toEqual({ scope: 'token', limit: 2 });
    const b1 = slots.acquire('b', '10.0.0.1');
    expect(slots.acquire('c', '10.0.0.1')).toEqual({ scope: 'ip', limit: 3 });
    // A caller without a token or user is counted by address only.
    expect(slots.acquire(null, '10.0.0.1')).toEqual({ scope: 'ip', limit: 3 });
    expect(typeof slots.acquire(null, '10.0.0.9')).toBe('function');

    (a1 as () => void)();
    (a1 as () => void)();
    expect(slots.open({ caller: 'a' })).toBe(1);
    expect(slots.open({ address: '10.0.0.1' })).toBe(2);
    (a2 as () => void)();
    (b1 as () => void)();
    expect(slots.open({ caller: 'a' })).toBe(0);
    expect(slots.open({ address: '10.0.0.1' })).toBe(0);
    expect(typeof slots.acquire('c', '10.0.0.1')).toBe('function');
  });
});
