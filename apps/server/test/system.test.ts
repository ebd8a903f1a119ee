import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

describe('system routes and OpenAPI', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  });
  afterAll(() => h.close());

  it('answers liveness and readiness without a token', async () => {
    expect((await h.call('GET', '/healthz', undefined, null)).json()).toEqual({ status: 'ok' });
    expect((await h.call('GET', '/readyz', undefined, null)).json()).toEqual({
      status: 'ready',
      engine: 'pglite',
    });
  });

  it('documents every API route in the OpenAPI document, with its schemas', async () => {
    const doc = (await h.call('GET', '/api/v1/openapi.json', undefined, null)).json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const routes = h.app.routeCatalog.filter(
      (r) => r.url.startsWith('/api/v1/') && r.url !== '/api/v1/openapi.json',
    );
    const missing = routes
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
      .filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
    expect(doc.components.schemas).toHaveProperty('Project');
    expect(doc.paths['/api/v1/pods/{slug}/wip/{itemType}/locks'].post.responses).toHaveProperty('409');
  });

  it('serves the docs UI', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Swagger UI');
  });

  it('readiness fails with 503 when the database is gone', async () => {
    const other = await startHarness('pglite');
    await other.database.close();
    const res = await other.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('service_unavailable');
    await other.app.close();
  });
});
