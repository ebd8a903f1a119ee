import { testEngines } from '@clos/testing';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../src/static/dashboard.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

const API_CSP = "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'";

/** What every answer carries, whatever it is. */
function expectCommonHeaders(res: LightMyRequestResponse, what: string) {
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['referrer-policy'], what).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy'], what).toBe('same-origin');
  // TLS is terminated in front of CLOS, which sets HSTS there (docs/api.md).
  expect(res.headers['strict-transport-security'], what).toBeUndefined();
}

describe.each(testEngines())('security headers on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(async () => {
    await h.close();
  });

  const send = (method: string, url: string, options: { token?: string | null; body?: unknown } = {}) =>
    h.app.inject({
      method: method as 'GET',
      url,
      headers: options.token === null ? {} : { authorization: `Bearer ${options.token ?? ADMIN_TOKEN}` },
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });

  it('makes every API answer uncacheable, unframeable and unsniffable: successes and errors alike', async () => {
    await send('POST', '/api/v1/pods', { body: { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' } });
    const answers: [string, number, LightMyRequestResponse][] = [
      ['a list', 200, await send('GET', '/api/v1/pods')],
      [
        'a new token (its value is in the body)',
        201,
        await send('POST', '/api/v1/tokens', {
          body: { name: 'ci', role: 'viewer', user: 'admin@example.com' },
        }),
      ],
      ['no token', 401, await send('GET', '/api/v1/pods', { token: null })],
      ['a wrong token', 401, await send('GET', '/api/v1/pods', { token: 'clos_not_a_token_at_all_000000' })],
      ['an unknown route', 404, await send('GET', '/api/v1/no-such-thing')],
      ['an unknown pod', 404, await send('GET', '/api/v1/pods/nobody')],
      ['bad input', 400, await send('POST', '/api/v1/pods', { body: { slug: '' } })],
      ['an over-long URL', 414, await send('GET', `/api/v1/pods?cursor=${'x'.repeat(9000)}`)],
      ['the OpenAPI document', 200, await send('GET', '/api/v1/openapi.json', { token: null })],
      ['GraphQL', 200, await send('POST', '/graphql', { body: { query: '{ __typename }' } })],
      [
        'GraphQL without a token',
        401,
        await send('POST', '/graphql', { token: null, body: { query: '{ __typename }' } }),
      ],
    ];
    for (const [what, status, res] of answers) {
      expect(res.statusCode, what).toBe(status);
      expect(res.headers['cache-control'], what).toBe('no-store');
      expect(res.headers['content-security-policy'], what).toBe(API_CSP);
      expectCommonHeaders(res, what);
    }
  });

  it('serves the API docs under a CSP that forbids framing and lets Swagger UI load its own files', async () => {
    const page = await send('GET', '/api/docs/', { token: null });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // The page's scripts are files of its own (the CSP allows no inline script).
    expect(page.body).not.toMatch(/<script>[^<]/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp.split(';')).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
      ]),
    );
    for (const url of [
      '/api/docs/',
      '/api/docs/json',
      '/api/docs/static/swagger-ui-bundle.js',
      '/api/docs/static/index.css',
    ]) {
      const res = url === '/api/docs/' ? page : await send('GET', url, { token: null });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-security-policy'], url).toBe(csp);
      expect(res.headers['cache-control'], url).toBe('no-store');
      expectCommonHeaders(res, url);
    }
  });

  it('leaves the dashboard its own policy, and still sends nosniff on everything else', async () => {
    // Built or not, the page sets the dashboard's CSP (static/dashboard.ts), which helmet does not replace.
    const dashboard = await send('GET', '/', { token: null });
    expect([200, 503]).toContain(dashboard.statusCode);
    expect(dashboard.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expectCommonHeaders(dashboard, '/');
    const health = await send('GET', '/healthz', { token: null });
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['content-security-policy']).toBe(API_CSP);
  });
});
