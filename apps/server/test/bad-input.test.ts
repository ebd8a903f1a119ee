import { auditRowCount, testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

const TABLES = [
  'pods',
  'users',
  'pod_members',
  'projects',
  'evidence',
  'approvals',
  'wip_limits',
  'wip_locks',
  'ideas',
  'idea_evaluations',
  'pod_health_snapshots',
  'api_tokens',
];

describe.each(testEngines())('bad input on %s', (engine) => {
  let h: Harness;
  let projectId: string;
  let ideaId: string;

  /** Row counts of every table plus the audit log's events, sealed or not: "the database unchanged". */
  async function snapshot() {
    const counts: Record<string, string> = {};
    for (const t of TABLES)
      counts[t] = (await h.database.query<{ n: string }>(`select count(*)::text as n from ${t}`))[0]!.n;
    return { counts, audit: await auditRowCount(h.database) };
  }

  const raw = (method: string, url: string, payload: string, contentType = 'application/json') =>
    h.app.inject({
      method: method as 'POST',
      url,
      payload,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType },
    });

  beforeAll(async () => {
    h = await startHarness(engine);
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    projectId = (await h.call('POST', '/api/v1/projects', { name: 'P', pod: 'ratio' })).json().id;
    ideaId = (await h.call('POST', '/api/v1/ideas', { title: 'I' })).json().id;
  });
  afterAll(() => h.close());

  it('malformed JSON → 400 invalid_request naming the body', async () => {
    const before = await snapshot();
    const res = await raw('POST', '/api/v1/pods', '{"slug": "x", ');
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'body' }] });
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
    expect(await snapshot()).toEqual(before);
  });

  it('wrong types and unknown fields → one problem per field path', async () => {
    const before = await snapshot();
    const res = await h.call('POST', '/api/v1/pods', {
      slug: 42,
      name: ['x'],
      timezone: 'UTC',
      colour: 'red',
    });
    expect(res.statusCode).toBe(400);
    const paths = res
      .json()
      .error.details.map((d: { path: string }) => d.path)
      .sort();
    expect(paths).toEqual(['body.colour', 'body.name', 'body.slug']);
    const nested = await h.call('POST', `/api/v1/pods/ratio/health`, {
      metrics: { velocity: 'fast', mood: 3 },
    });
    expect(
      nested
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['body.metrics.mood', 'body.metrics.velocity']);
    const query = await h.call('GET', '/api/v1/projects?limit=0&colour=red');
    expect(
      query
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['querystring.colour', 'querystring.limit']);
    const missing = await h.call('POST', '/api/v1/projects', { pod: 'ratio' });
    expect(missing.json().error.details).toEqual([{ path: 'body.name', message: 'is required' }]);
    expect(await snapshot()).toEqual(before);
  });

  it('a huge body → 413 payload_too_large', async () => {
    const before = await snapshot();
    const res = await h.call('POST', `/api/v1/projects/${projectId}/evidence`, {
      evidence: { blob: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    expect(await snapshot()).toEqual(before);
  });

  it('a non-JSON content type → 415', async () => {
    const res = await raw('POST', '/api/v1/pods', 'slug=x', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('unknown ids and slugs → 404 not_found; malformed ids → 400', async () => {
    const before = await snapshot();
    const unknown = '0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00';
    for (const [method, url, body] of [
      ['GET', `/api/v1/projects/${unknown}`],
      ['POST', `/api/v1/projects/${unknown}/advance`],
      ['POST', `/api/v1/projects/${unknown}/evidence`, { evidence: {} }],
      [
        'POST',
        `/api/v1/ideas/${unknown}/evaluations`,
        { scores: { impact: 1, confidence: 1, ease: 1, 'strategic-fit': 1 } },
      ],
      ['DELETE', `/api/v1/wip-locks/${unknown}`],
      ['GET', '/api/v1/pods/nope/status'],
      ['POST', '/api/v1/pods/nope/wip/project/locks', { itemId: 'x' }],
      ['POST', `/api/v1/ideas/${ideaId}/promote`, { pod: 'nope' }],
      ['GET', '/api/v1/nothing-here'],
    ] as const) {
      const res = await h.call(method, url, body);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    // Neither a UUID nor a project key (`not-a-uuid` would be a key, and answer 404).
    const malformed = await h.call('GET', '/api/v1/projects/Not_A_UUID');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.details[0].path).toBe('params.id');
    const cursor = await h.call('GET', '/api/v1/projects?cursor=garbage');
    expect(cursor.json().error.details[0].path).toBe('querystring.cursor');
    expect(await snapshot()).toEqual(before);
  });

  it('a failure in the middle of a use case rolls back everything it wrote', async () => {
    // Promotion writes the WIP lock and its audit event before the project insert; make the insert fail.
    const dev1 = await h.userWithToken('developer');
    const dev2 = await h.userWithToken('developer');
    const idea = (await h.call('POST', '/api/v1/ideas', { title: 'Rollback' })).json();
    for (const d of [dev1, dev2])
      await h.call(
        'POST',
        `/api/v1/ideas/${idea.id}/evaluations`,
        { scores: { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 } },
        d.token,
      );
    const before = await snapshot();
    await h.database.query(
      "alter table projects add constraint test_no_rollback_names check (name <> 'Rollback')",
    );
    try {
      const res = await h.call('POST', `/api/v1/ideas/${idea.id}/promote`, { pod: 'ratio' });
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('internal_error');
    } finally {
      await h.database.query('alter table projects drop constraint test_no_rollback_names');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a token without a Bearer prefix or an unknown token → 401', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/api/v1/pods',
      headers: { authorization: ADMIN_TOKEN },
    });
    expect(res.statusCode).toBe(401);
    expect((await h.call('GET', '/api/v1/pods', undefined, 'clos_nope')).json().error.code).toBe(
      'unauthorized',
    );
  });
});
