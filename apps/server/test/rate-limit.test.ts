import { getHeapStatistics } from 'node:v8';
import { FakeClock, testEngines } from '@clos/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { registerAuth } from '../src/http/auth.ts';
import { errorHandler } from '../src/http/errors.ts';
import {
  addressKey,
  FixedWindowLimiter,
  type RateLimitOptions,
  registerRateLimit,
} from '../src/http/rate-limit.ts';
import { parseServerOptions, UsageError } from '../src/runtime/options.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

const PODS_QUERY = { query: '{ pods { items { slug } } }' };

function request(
  app: FastifyInstance,
  options: { url?: string; method?: 'GET' | 'POST'; token?: string | null; ip: string; payload?: object },
) {
  const { url = '/api/v1/pods', method = 'GET', token = ADMIN_TOKEN, ip, payload } = options;
  return app.inject({
    method,
    url,
    remoteAddress: ip,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
}

describe.each(testEngines())('rate limits on %s', (engine) => {
  let h: Harness;
  let app: FastifyInstance;
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  let developer: string;

  beforeAll(async () => {
    h = await startHarness(engine);
    developer = (await h.userWithToken('developer')).token;
    // The harness's own app has no limits; this one, over the same services, has small ones.
    const limits: RateLimitOptions = { perToken: 3, perIp: 5, webhook: 4, clock };
    app = await buildApp({ services: h.services, database: h.database, rateLimit: limits });
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('refuses the N+1-th request of a token in a window with 429 and Retry-After, on REST and GraphQL', async () => {
    clock.advance(10 * 60_000);
    // Each request from its own address, so only the token's budget is at stake.
    expect((await request(app, { ip: '10.0.1.1' })).statusCode).toBe(200);
    expect(
      (await request(app, { ip: '10.0.1.2', method: 'POST', url: '/graphql', payload: PODS_QUERY }))
        .statusCode,
    ).toBe(200);
    clock.advance(20_000);
    expect((await request(app, { ip: '10.0.1.3' })).statusCode).toBe(200);

    for (const refused of [
      await request(app, { ip: '10.0.1.4' }),
      await request(app, { ip: '10.0.1.5', method: 'POST', url: '/graphql', payload: PODS_QUERY }),
    ]) {
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('40');
      expect(refused.json()).toEqual({
        error: {
          code: 'rate_limited',
          message: 'too many requests with this API token: the limit is 3 per 60 s; retry in 40 s',
          details: { scope: 'token', limit: 3, windowSeconds: 60, retryAfterSeconds: 40 },
          requestId: refused.headers['x-request-id'],
        },
      });
    }

    // Another token is counted on its own.
    expect((await request(app, { ip: '10.0.1.6', token: developer })).statusCode).toBe(200);
    // The window ends 60 s after its first request, and the token may call again.
    clock.advance(39_000);
    expect((await request(app, { ip: '10.0.1.7' })).statusCode).toBe(429);
    clock.advance(1_000);
    expect((await request(app, { ip: '10.0.1.8' })).statusCode).toBe(200);
  });

  it('refuses the N+1-th request from an address, with or without a token, before authenticating it', async () => {
    clock.advance(10 * 60_000);
    const ip = '10.0.2.1';
    // Two tokens and no token share the address's budget of 5.
    expect((await request(app, { ip })).statusCode).toBe(200);
    expect((await request(app, { ip, token: developer })).statusCode).toBe(200);
    expect((await request(app, { ip, token: null })).statusCode).toBe(401);
    expect((await request(app, { ip, token: 'clos_not_a_real_token_000000' })).statusCode).toBe(401);
    expect(
      (await request(app, { ip, token: developer, method: 'POST', url: '/graphql', payload: PODS_QUERY }))
        .statusCode,
    ).toBe(200);

    const refused = await request(app, { ip, token: null });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.json().error).toMatchObject({
      code: 'rate_limited',
      details: { scope: 'ip', limit: 5, windowSeconds: 60, retryAfterSeconds: 60 },
    });
    expect((await request(app, { ip, token: developer })).statusCode).toBe(429);
    // Another address is unaffected, and so is this one once its window has passed.
    expect((await request(app, { ip: '10.0.2.2', token: developer })).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await request(app, { ip, token: developer })).statusCode).toBe(200);
  });

  it('counts an IPv6 client per /64', async () => {
    clock.advance(10 * 60_000);
    for (let i = 1; i <= 5; i++)
      expect((await request(app, { ip: `2001:db8:1:2::${i}`, token: null })).statusCode).toBe(401);
    expect((await request(app, { ip: '2001:db8:1:2:ffff::9', token: null })).statusCode).toBe(429);
    expect((await request(app, { ip: '2001:db8:1:3::1', token: null })).statusCode).toBe(401);
  });

  it('never limits the health probes', async () => {
    clock.advance(10 * 60_000);
    for (let i = 0; i < 12; i++) {
      expect((await request(app, { ip: '10.0.3.1', url: '/healthz', token: null })).statusCode).toBe(200);
      expect((await request(app, { ip: '10.0.3.1', url: '/readyz', token: null })).statusCode).toBe(200);
    }
    expect((await request(app, { ip: '10.0.3.1' })).statusCode).toBe(200);
  });

  it('limits nothing without options, and nothing whose budget is 0', async () => {
    for (let i = 0; i < 8; i++) expect((await h.call('GET', '/api/v1/pods')).statusCode).toBe(200);
    const unlimited = await buildApp({
      services: h.services,
      database: h.database,
      rateLimit: { perToken: 0, perIp: 0, webhook: 0, clock },
    });
    try {
      for (let i = 0; i < 8; i++) expect((await request(unlimited, { ip: '10.0.4.1' })).statusCode).toBe(200);
    } finally {
      await unlimited.close();
    }
  });

  it('gives webhook routes their own budget, apart from the per-address one', async () => {
    // No webhook route exists yet: this app declares one the way a webhook route will.
    const hooks = Fastify();
    hooks.setErrorHandler(errorHandler);
    const webhookClock = new FakeClock();
    registerRateLimit(hooks, { perToken: 2, perIp: 2, webhook: 4, clock: webhookClock });
    registerAuth(hooks, h.services);
    let delivered = 0;
    hooks.post('/webhooks/test', { config: { permission: 'public', rateLimit: 'webhook' } }, async () => {
      delivered += 1;
      return { ok: true };
    });
    hooks.get('/api/v1/pods', { config: { permission: 'read' } }, async () => ({ items: [] }));
    await hooks.ready();
    try {
      const ip = '10.0.5.1';
      const hook = () =>
        request(hooks, { ip, method: 'POST', url: '/webhooks/test', token: null, payload: {} });
      // The address spends its ordinary budget…
      expect((await request(hooks, { ip })).statusCode).toBe(200);
      expect((await request(hooks, { ip })).statusCode).toBe(200);
      expect((await request(hooks, { ip })).json().error.details.scope).toBe('ip');
      // …and its webhook deliveries still go through, up to their own limit.
      for (let i = 0; i < 4; i++) expect((await hook()).statusCode).toBe(200);
      const refused = await hook();
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.details).toEqual({
        scope: 'webhook',
        limit: 4,
        windowSeconds: 60,
        retryAfterSeconds: 60,
      });
      expect(refused.headers['retry-after']).toBe('60');
      expect(delivered).toBe(4);
      webhookClock.advance(60_000);
      expect((await hook()).statusCode).toBe(200);
      expect(delivered).toBe(5);
    } finally {
      await hooks.close();
    }
  });
});

describe('FixedWindowLimiter', () => {
  it('counts per key and forgets windows that have ended', () => {
    const clock = new FakeClock();
    const limiter = new FixedWindowLimiter(2, 60_000, clock);
    expect([limiter.hit('a'), limiter.hit('a'), limiter.hit('a'), limiter.hit('b')]).toEqual([
      null,
      null,
      60,
      null,
    ]);
    clock.advance(59_001);
    expect(limiter.hit('a')).toBe(1);
    clock.advance(1_000);
    expect(limiter.hit('c')).toBeNull();
    expect(limiter.size).toBe(1);
    expect(limiter.hit('a')).toBeNull();
  });
});

describe('FixedWindowLimiter.take', () => {
  it('counts a batch all or nothing, so a refused batch leaves room for a smaller one', () => {
    const clock = new FakeClock();
    const limiter = new FixedWindowLimiter(10, 60_000, clock);
    expect(limiter.hit('a')).toBeNull();
    expect(limiter.take('a', 10)).toBe(60);
    expect(limiter.take('a', 9)).toBeNull();
    expect(limiter.take('a', 1)).toBe(60);
    expect(limiter.hit('a')).toBe(60);
    clock.advance(60_000);
    expect(limiter.take('a', 10)).toBeNull();
  });
});

describe('addressKey', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6, and reduces IPv6 to its /64', () => {
    expect(addressKey('10.0.0.1')).toBe('10.0.0.1');
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('2001:db8:aa:bb:cc:dd:ee:ff')).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:DB8:0:0:1::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:db8::1')).toBe(addressKey('2001:0db8:0000:0000:ffff::2'));
    expect(addressKey('1::2:3:4:5:6:7')).toBe('1:0:2:3::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('rate-limit and GraphQL configuration', () => {
  it('reads the limits from the environment, with defaults', () => {
    const defaults = parseServerOptions([], {}, '/srv');
    expect(defaults !== 'help' && defaults.rateLimit).toEqual({ perToken: 600, perIp: 1200, webhook: 6000 });
    expect(defaults !== 'help' && defaults.graphql).toEqual({
      maxDepth: 8,
      maxCost: 1000,
      maxAliases: 30,
      maxFields: 1000,
      maxMutations: 20,
      maxResponseBytes: 5 * 1024 * 1024,
    });
    expect(defaults !== 'help' && defaults.streamLimits).toEqual({ perToken: 20, perAddress: 100 });
    expect(defaults !== 'help' && defaults.pressure).toEqual({
      maxEventLoopDelayMs: 1000,
      maxHeapUsedBytes: expect.any(Number),
      maxRssBytes: 0,
    });
    // 90% of V8's heap limit, in whole MiB.
    expect(defaults !== 'help' && defaults.pressure!.maxHeapUsedBytes).toBe(
      Math.floor((getHeapStatistics().heap_size_limit * 0.9) / 2 ** 20) * 2 ** 20,
    );
    const set = parseServerOptions(
      [],
      {
        CLOS_RATE_LIMIT_PER_MINUTE: '0',
        CLOS_RATE_LIMIT_IP_PER_MINUTE: '50',
        CLOS_RATE_LIMIT_WEBHOOK_PER_MINUTE: '9000',
        CLOS_GRAPHQL_MAX_DEPTH: '5',
        CLOS_GRAPHQL_MAX_COST: '300',
        CLOS_GRAPHQL_MAX_ALIASES: '4',
        CLOS_GRAPHQL_MAX_FIELDS: '400',
        CLOS_GRAPHQL_MAX_MUTATIONS: '3',
        CLOS_GRAPHQL_MAX_RESPONSE_MB: '2',
        CLOS_STREAM_MAX_PER_TOKEN: '0',
        CLOS_STREAM_MAX_PER_IP: '7',
        CLOS_PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '250',
        CLOS_PRESSURE_MAX_HEAP_MB: '0',
        CLOS_PRESSURE_MAX_RSS_MB: '512',
      },
      '/srv',
    );
    expect(set !== 'help' && set.rateLimit).toEqual({ perToken: 0, perIp: 50, webhook: 9000 });
    expect(set !== 'help' && set.graphql).toEqual({
      maxDepth: 5,
      maxCost: 300,
      maxAliases: 4,
      maxFields: 400,
      maxMutations: 3,
      maxResponseBytes: 2 * 1024 * 1024,
    });
    expect(set !== 'help' && set.streamLimits).toEqual({ perToken: 0, perAddress: 7 });
    expect(set !== 'help' && set.pressure).toEqual({
      maxEventLoopDelayMs: 250,
      maxHeapUsedBytes: 0,
      maxRssBytes: 512 * 1024 * 1024,
    });
  });

  it('refuses a limit that is not a whole number', () => {
    expect(() => parseServerOptions([], { CLOS_RATE_LIMIT_PER_MINUTE: '-1' }, '/srv')).toThrow(
      new UsageError('CLOS_RATE_LIMIT_PER_MINUTE: must be a whole number ≥ 0, got "-1"'),
    );
    expect(() => parseServerOptions([], { CLOS_GRAPHQL_MAX_DEPTH: '0' }, '/srv')).toThrow(UsageError);
    expect(() => parseServerOptions([], { CLOS_GRAPHQL_MAX_MUTATIONS: '0' }, '/srv')).toThrow(
      new UsageError('CLOS_GRAPHQL_MAX_MUTATIONS: must be a whole number ≥ 1, got "0"'),
    );
    expect(() => parseServerOptions([], { CLOS_STREAM_MAX_PER_TOKEN: '2.5' }, '/srv')).toThrow(UsageError);
    expect(() => parseServerOptions([], { CLOS_PRESSURE_MAX_RSS_MB: '-1' }, '/srv')).toThrow(UsageError);
    expect(() => parseServerOptions([], { CLOS_RATE_LIMIT_IP_PER_MINUTE: 'lots' }, '/srv')).toThrow(
      UsageError,
    );
  });
});
