import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '@clos/core';
import { testEngines } from '@clos/testing';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAuth } from '../src/http/auth.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

const SOME_ID = '7b1e4c1a-3f59-4a8e-9d0e-5a6f2b1c9d00';

function concrete(url: string): string {
  return url
    .replace(':slug', 'ratio')
    .replace(':itemType', 'pull-request')
    .replace(':id', SOME_ID)
    .replace('*', 'index.html');
}

describe.each(testEngines())('every route × every role on %s', (engine) => {
  let h: Harness;
  const tokens = {} as Record<Role, string>;
  beforeAll(async () => {
    h = await startHarness(engine);
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    for (const role of ROLES)
      tokens[role] = (await h.userWithToken(role, role === 'pod-lead' ? { pods: ['ratio'] } : {})).token;
  });
  afterAll(() => h.close());

  it('every route declares a known permission', () => {
    expect(h.app.routeCatalog.length).toBeGreaterThan(30);
    for (const r of h.app.routeCatalog)
      expect(Object.keys(PERMISSIONS), `${r.method} ${r.url}`).toContain(r.permission);
  });

  it('answers 401 without a token, 403 to roles lacking the permission, and lets the others through', async () => {
    const failures: string[] = [];
    for (const route of h.app.routeCatalog) {
      const url = concrete(route.url);
      const anonymous = await h.call(route.method, url, undefined, null);
      if (route.permission === 'public') {
        if (anonymous.statusCode === 401 || anonymous.statusCode === 403)
          failures.push(`${route.method} ${route.url}: public route refused`);
        continue;
      }
      if (anonymous.statusCode !== 401)
        failures.push(`${route.method} ${route.url} anonymous: ${anonymous.statusCode}`);
      for (const role of ROLES) {
        const res = await h.call(route.method, url, undefined, tokens[role]);
        const allowed = ROLE_PERMISSIONS[role].has(route.permission);
        const refused = res.statusCode === 403 && res.json().error.code === 'forbidden';
        if (allowed && (res.statusCode === 401 || refused))
          failures.push(`${route.method} ${route.url} as ${role}: refused (${res.body})`);
        if (!allowed && !refused)
          failures.push(`${route.method} ${route.url} as ${role}: expected 403, got ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a revoked or expired token', async () => {
    const dev = await h.userWithToken('developer');
    expect((await h.call('GET', '/api/v1/pods', undefined, dev.token)).statusCode).toBe(200);
    const list = await h.call('GET', '/api/v1/tokens?limit=200');
    const id = list.json().items.find((t: { prefix: string }) => dev.token.startsWith(t.prefix)).id;
    expect((await h.call('DELETE', `/api/v1/tokens/${id}`)).statusCode).toBe(200);
    const after = await h.call('GET', '/api/v1/pods', undefined, dev.token);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthorized');

    await h.call('POST', '/api/v1/users', { email: 'temp@example.com', name: 'Temp', role: 'viewer' });
    const expiring = await h.call('POST', '/api/v1/tokens', {
      name: 'short',
      role: 'viewer',
      user: 'temp@example.com',
      expiresAt: new Date(h.clock.now().getTime() + 60_000).toISOString(),
    });
    const value = expiring.json().value;
    expect((await h.call('GET', '/api/v1/pods', undefined, value)).statusCode).toBe(200);
    h.clock.advance(61_000);
    expect((await h.call('GET', '/api/v1/pods', undefined, value)).statusCode).toBe(401);
  });

  it('stores only a hash of each token, and tokens carry at least 128 random bits', async () => {
    const created = await h.call('POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' });
    const value: string = created.json().value;
    expect(Buffer.from(value.replace(/^clos_/, ''), 'base64url').length).toBeGreaterThanOrEqual(16);
    const rows = await h.database.query<{ token_hash: string }>('select token_hash from api_tokens');
    expect(rows.some((r) => r.token_hash.includes(value) || value.includes(r.token_hash))).toBe(false);
  });

  it("caps a token at its user's current role", async () => {
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    expect(
      (await h.call('PUT', '/api/v1/pods/ratio/wip-limits/idea', { limit: 9 }, lead.token)).statusCode,
    ).toBe(200);
    await h.database.query("update users set role = 'viewer' where email = $1", [lead.email]);
    const after = await h.call('PUT', '/api/v1/pods/ratio/wip-limits/idea', { limit: 8 }, lead.token);
    expect(after.statusCode).toBe(403);
    expect(after.json().error.details.role).toBe('viewer');
  });

  it('refuses to revoke the last usable admin token', async () => {
    const admins = (await h.call('GET', '/api/v1/tokens?limit=200'))
      .json()
      .items.filter((t: { role: string; revokedAt: string | null }) => t.role === 'admin' && !t.revokedAt);
    expect(admins.length).toBeGreaterThan(1);
    // The harness's own admin token goes last, so the calls below stay authorised.
    const harness = admins.find((t: { prefix: string }) => ADMIN_TOKEN.startsWith(t.prefix));
    for (const t of admins.filter((a: { id: string }) => a.id !== harness.id))
      expect((await h.call('DELETE', `/api/v1/tokens/${t.id}`)).statusCode).toBe(200);
    const res = await h.call('DELETE', `/api/v1/tokens/${harness.id}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain('last usable admin token');
    // An expired admin token is not a way in, so revoking it is fine even now.
    const expiring = await h.call('POST', '/api/v1/tokens', {
      name: 'old admin',
      role: 'admin',
      expiresAt: new Date(h.clock.now().getTime() + 1000).toISOString(),
    });
    h.clock.advance(2000);
    expect((await h.call('DELETE', `/api/v1/tokens/${expiring.json().token.id}`)).statusCode).toBe(200);
    const spare = await h.call('POST', '/api/v1/tokens', { name: 'spare admin', role: 'admin' });
    expect((await h.call('DELETE', `/api/v1/tokens/${spare.json().token.id}`)).statusCode).toBe(200);
  });

  it('limits a pod-lead to the pods listed on its token', async () => {
    await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' });
    const own = await h.call(
      'PUT',
      '/api/v1/pods/ratio/wip-limits/project',
      { limit: 4 },
      tokens['pod-lead'],
    );
    expect(own.statusCode).toBe(200);
    const other = await h.call(
      'PUT',
      '/api/v1/pods/atlas/wip-limits/project',
      { limit: 4 },
      tokens['pod-lead'],
    );
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toContain('atlas');
  });

  it('refuses tokens above the user role and pod-lead tokens without pods', async () => {
    await h.call('POST', '/api/v1/users', { email: 'dev-only@example.com', name: 'Dev', role: 'developer' });
    const above = await h.call('POST', '/api/v1/tokens', {
      name: 'x',
      role: 'admin',
      user: 'dev-only@example.com',
    });
    expect(above.statusCode).toBe(400);
    expect(above.json().error.details).toContainEqual({
      path: 'body.role',
      message: "cannot exceed the user's own role (developer)",
    });
    const lead = await h.call('POST', '/api/v1/tokens', { name: 'x', role: 'pod-lead' });
    expect(lead.json().error.details[0].path).toBe('body.pods');
  });
});

describe('route registration', () => {
  it('refuses a route that declares no permission', async () => {
    const app = Fastify();
    registerAuth(app, {} as never);
    expect(() => app.get('/x', async () => 'x')).toThrow(/declares no permission/);
  });
});
