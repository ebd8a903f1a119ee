import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DomainEvent } from '@clos/core';
import {
  type ConfiguredIntegrations,
  configureIntegrations,
  type InboundDeps,
  type Integration,
} from '@clos/integrations';
import { defaultPolicy, FakeClock, testEngines } from '@clos/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { type Harness, startHarness } from './harness.ts';

const SECRET = 'test-hooks-secret-0123456789';
const silent = { info() {}, warn() {}, error() {} };

const sign = (body: string | Buffer, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** What the test integration's handlers and subscriber saw. */
const handled: { route: string; body: unknown; deps: InboundDeps }[] = [];
const dispatched: DomainEvent[] = [];
let stopped = 0;

/**
 * An integration as GitHub's or Linear's will be: on only when its secret is in the environment,
 * with a webhook whose HMAC over the raw body is checked before anything reads it, and a subscriber.
 */
const testHooks: Integration = {
  name: 'test-hooks',
  configSections: [],
  environment: [{ name: 'TEST_HOOKS_SECRET', description: 'signs the test webhooks' }],
  configure({ env }) {
    const secret = env.TEST_HOOKS_SECRET;
    if (!secret) return null;
    const verify = (raw: Buffer, headers: Record<string, unknown>) => {
      const given = Buffer.from(String(headers['x-test-signature'] ?? ''));
      const expected = Buffer.from(sign(raw, secret));
      return given.length === expected.length && timingSafeEqual(given, expected)
        ? ({ ok: true } as const)
        : ({ ok: false, reason: 'X-Test-Signature does not match the body' } as const);
    };
    return {
      routes: [
        {
          method: 'POST',
          path: '',
          verify,
          async handle(body: { id: string }, deps) {
            handled.push({ route: 'json', body, deps });
            return { status: 202, body: { received: body.id, stages: deps.services.policy.stages.length } };
          },
        },
        {
          method: 'POST',
          path: '/form',
          verify,
          parse: (raw) => Object.fromEntries(new URLSearchParams(raw.toString('utf8'))),
          async handle(body, deps) {
            handled.push({ route: 'form', body, deps });
            return { status: 204 };
          },
        },
      ],
      subscribers: [
        {
          name: 'test-hooks',
          types: ['pod.registered'],
          async dispatch(event) {
            dispatched.push(event);
          },
        },
      ],
      async stop() {
        stopped += 1;
      },
    };
  },
};

const configure = (env: Record<string, string>) =>
  configureIntegrations([testHooks], { policy: defaultPolicy(), env, logger: silent });

describe.each(testEngines())('integrations on %s', (engine) => {
  let h: Harness;
  let on: ConfiguredIntegrations;
  let app: FastifyInstance;

  beforeAll(async () => {
    on = await configure({ TEST_HOOKS_SECRET: SECRET });
    // The job runner takes the integration's modules and notifiers, as the server passes them.
    h = await startHarness(engine, {}, undefined, {
      runtime: true,
      extraModules: on.modules,
      notifiers: on.notifiers,
    });
    app = await buildApp({ services: h.services, database: h.database, inbound: on.routes });
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });
  beforeEach(async () => {
    await h.reset();
    handled.length = 0;
    dispatched.length = 0;
  });

  const post = (
    target: FastifyInstance,
    url: string,
    payload: string,
    headers: Record<string, string>,
    ip = '203.0.113.7',
  ) => target.inject({ method: 'POST', url, payload, headers, remoteAddress: ip });

  it('mounts the route at /api/v1/integrations/<name>: a good signature reaches the handler with the parsed body', async () => {
    // Spacing no serialiser would produce: the signature holds only over the bytes as sent.
    const raw = '{ "id" : "delivery-1",   "n": [1, 2] }';
    const res = await post(app, '/api/v1/integrations/test-hooks', raw, {
      'content-type': 'application/json',
      'x-test-signature': sign(raw),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ received: 'delivery-1', stages: h.services.policy.stages.length });
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ route: 'json', body: { id: 'delivery-1', n: [1, 2] } });
    expect(handled[0]!.deps.requestId).toBe(res.headers['x-request-id']);
    expect(handled[0]!.deps.headers['x-test-signature']).toBe(sign(raw));
  });

  it('answers 401 to a bad or missing signature, without parsing the body or running the handler', async () => {
    const raw = '{"id":"delivery-2"}';
    const forged = await post(app, '/api/v1/integrations/test-hooks', raw, {
      'content-type': 'application/json',
      'x-test-signature': sign(raw, 'another-secret-0123456789'),
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error).toMatchObject({
      code: 'unauthorized',
      message: 'X-Test-Signature does not match the body',
    });
    const unsigned = await post(app, '/api/v1/integrations/test-hooks', raw, {
      'content-type': 'application/json',
    });
    expect(unsigned.statusCode).toBe(401);
    // Not JSON, and unsigned: refused for the signature, never read as JSON (that would be a 400).
    const garbage = await post(app, '/api/v1/integrations/test-hooks', '{not json', {
      'content-type': 'application/json',
    });
    expect(garbage.statusCode).toBe(401);
    expect(handled).toEqual([]);
  });

  it('reads any content type as bytes, and a route may parse them itself', async () => {
    const raw = 'command=%2Funblock&text=web%23412';
    const res = await post(app, '/api/v1/integrations/test-hooks/form', raw, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-test-signature': sign(raw),
    });
    expect(res.statusCode).toBe(204);
    expect(handled).toMatchObject([{ route: 'form', body: { command: '/unblock', text: 'web#412' } }]);
  });

  it('answers 400 naming the body when a verified body is not JSON or holds a string that cannot be stored', async () => {
    const notJson = '{"id": "delivery-3",';
    const res = await post(app, '/api/v1/integrations/test-hooks', notJson, {
      'x-test-signature': sign(notJson),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'invalid_request',
      details: [{ path: 'body', message: 'is not valid JSON' }],
    });
    const nul = '{"id": "delivery-4", "text": "a\\u0000b"}';
    const stored = await post(app, '/api/v1/integrations/test-hooks', nul, { 'x-test-signature': sign(nul) });
    expect(stored.statusCode).toBe(400);
    expect(stored.json().error.details[0].path).toBe('body.text');
    const poisoned = '{"id": "delivery-5", "__proto__": {"admin": true}}';
    const proto = await post(app, '/api/v1/integrations/test-hooks', poisoned, {
      'x-test-signature': sign(poisoned),
    });
    expect(proto.statusCode).toBe(400);
    expect(handled).toEqual([]);
  });

  it('is public, on the webhook budget, and not part of the API description', async () => {
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    const limited = await buildApp({
      services: h.services,
      database: h.database,
      inbound: on.routes,
      rateLimit: { perToken: 1, perIp: 1, webhook: 3, clock },
    });
    try {
      const raw = '{"id":"delivery-6"}';
      const headers = { 'x-test-signature': sign(raw) };
      // Three from one address, past its per-address budget of one: the webhook budget applies instead.
      for (let i = 0; i < 3; i++)
        expect(
          (await post(limited, '/api/v1/integrations/test-hooks', raw, headers, '198.51.100.9')).statusCode,
        ).toBe(202);
      const fourth = await post(limited, '/api/v1/integrations/test-hooks', raw, headers, '198.51.100.9');
      expect(fourth.statusCode).toBe(429);
      expect(fourth.json().error.details).toMatchObject({ scope: 'webhook', limit: 3 });
    } finally {
      await limited.close();
    }
    const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(openapi.paths).filter((p) => p.startsWith('/webhooks'))).toEqual([]);
    expect(app.routeCatalog).toContainEqual({
      method: 'POST',
      url: '/api/v1/integrations/test-hooks',
      permission: 'public',
    });
  });

  it('answers 404 on the route of an integration that is not configured', async () => {
    const off = await configure({});
    expect(off).toEqual({ names: [], notifiers: [], modules: [], routes: [], status: {}, importers: {} });
    const bare = await buildApp({ services: h.services, database: h.database, inbound: off.routes });
    try {
      const raw = '{"id":"delivery-7"}';
      const res = await post(bare, '/api/v1/integrations/test-hooks', raw, { 'x-test-signature': sign(raw) });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    } finally {
      await bare.close();
    }
    expect(handled).toEqual([]);
  });

  it("runs the integration's subscribers in the job runner", async () => {
    expect(
      (await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' }))
        .statusCode,
    ).toBe(201);
    await h.drain();
    expect(dispatched.map((e) => [e.type, e.subjectType])).toEqual([['pod.registered', 'pod']]);
  });
});

describe('an integration stopping', () => {
  it('is stopped when the job runner stops', async () => {
    const [engine] = testEngines();
    const configured = await configure({ TEST_HOOKS_SECRET: SECRET });
    const h = await startHarness(engine!, {}, undefined, { runtime: true, extraModules: configured.modules });
    const before = stopped;
    await h.close();
    expect(stopped).toBe(before + 1);
  });
});
