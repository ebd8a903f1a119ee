import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { auditRowCount, SEALING_TABLES, testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const rawCursorOf = (text: string) => Buffer.from(text).toString('base64url');

/** `{"a":{"a":…1…}}` as text, `levels` objects deep, never built as a value (no recursion here). */
const nestedText = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe.each(testEngines())('input no field can hold, on %s', (engine) => {
  let h: Harness;
  let projectId: string;
  let tables: string[];

  /** Row counts of every table and of the audit log's events, sealed or not: "nothing stored". */
  async function snapshot() {
    const counts: Record<string, number> = {};
    for (const t of tables)
      counts[t] = Number(
        (await h.database.query<{ n: string }>(`select count(*)::text as n from "${t}"`))[0]!.n,
      );
    return { counts, audit: await auditRowCount(h.database) };
  }

  const send = (method: string, url: string, payload?: string, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: method as 'POST',
      url,
      ...(payload === undefined ? {} : { payload }),
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
    });

  /** Asserts a 400 naming `path`, in the error envelope, and that the database did not change. */
  async function refused(
    run: () => Promise<{ statusCode: number; json(): Record<string, unknown>; body: string }>,
    path: string,
    status = 400,
    code = 'invalid_request',
  ) {
    const before = await snapshot();
    const res = await run();
    expect(res.statusCode, res.body).toBe(status);
    const { error } = res.json() as {
      error: { code: string; requestId: string; details?: { path: string }[] };
    };
    expect(error.code).toBe(code);
    expect(error.requestId).toEqual(expect.any(String));
    if (status === 400) expect(error.details?.map((d) => d.path)).toContain(path);
    expect(await snapshot()).toEqual(before);
    return error;
  }

  beforeAll(async () => {
    h = await startHarness(engine);
    tables = (
      await h.database.query<{ t: string }>(
        `select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
      )
    )
      .map((r) => r.t)
      .filter((t) => !SEALING_TABLES.has(t));
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    projectId = (await h.call('POST', '/api/v1/projects', { name: 'P', pod: 'ratio' })).json().id;
  });
  afterAll(() => h.close());

  describe('the NUL character', () => {
    it('in a body field, a nested value or an object key', async () => {
      await refused(
        () => send('POST', '/api/v1/pods', '{"slug":"nul","name":"a\\u0000b","timezone":"UTC"}'),
        'body.name',
      );
      await refused(
        () =>
          send('POST', `/api/v1/projects/${projectId}/evidence`, '{"evidence":{"links":["ok","x\\u0000"]}}'),
        'body.evidence.links[1]',
      );
      const error = await refused(
        () => send('POST', `/api/v1/projects/${projectId}/evidence`, '{"evidence":{"k\\u0000":1}}'),
        'body.evidence."k\\u0000"',
      );
      expect(error).toMatchObject({ message: expect.stringContaining('NUL') });
    });

    it('in a path segment and in a query value', async () => {
      await refused(() => send('GET', '/api/v1/pods/rat%00io'), 'params.slug');
      await refused(() => send('GET', '/api/v1/audit?action=a%00b'), 'querystring.action');
      await refused(
        () => send('PUT', '/api/v1/pods/rat%00io/wip-limits/pro%00ject', '{"limit":1}'),
        'params.itemType',
      );
    });

    it('in a GraphQL argument written inline and in a variable', async () => {
      const before = await snapshot();
      const inline = await send(
        'POST',
        '/graphql',
        JSON.stringify({ query: 'mutation { submitIdea(title: "a\\u0000b") { id } }' }),
      );
      expect(inline.statusCode).toBe(200);
      expect(inline.json().errors[0].extensions).toMatchObject({
        code: 'invalid_request',
        details: [{ path: 'title' }],
      });
      expect(await snapshot()).toEqual(before);
      await refused(
        () =>
          send(
            'POST',
            '/graphql',
            JSON.stringify({
              query: 'mutation ($t: String!) { submitIdea(title: $t) { id } }',
              variables: { t: 'a\u0000b' },
            }),
          ),
        'body.variables.t',
      );
    });
  });

  describe('lone UTF-16 surrogates', () => {
    it('in a body value, a key, a query value and a GraphQL argument', async () => {
      await refused(() => send('POST', '/api/v1/ideas', '{"title":"\\ud800x"}'), 'body.title');
      await refused(() => send('POST', '/api/v1/ideas', '{"title":"x\\udc00"}'), 'body.title');
      await refused(
        () => send('POST', `/api/v1/projects/${projectId}/evidence`, '{"evidence":{"\\ud800":1}}'),
        'body.evidence."\\ud800"',
      );
      const before = await snapshot();
      const res = await send(
        'POST',
        '/graphql',
        JSON.stringify({ query: 'mutation { submitIdea(title: "\\ud800x") { id } }' }),
      );
      expect(res.json().errors[0].extensions).toMatchObject({ code: 'invalid_request' });
      expect(await snapshot()).toEqual(before);
    });

    it('accepts well-formed text beyond the BMP (a surrogate pair)', async () => {
      const res = await send('POST', '/api/v1/ideas', JSON.stringify({ title: 'ship it 🚀 \u{1F680}' }));
      expect(res.statusCode).toBe(201);
      expect(res.json().title).toBe('ship it 🚀 🚀');
    });
  });

  describe('hand-made pagination cursors', () => {
    it.each([
      ['wrong shape', '/api/v1/projects', cursorOf(['x', 'y'])],
      ['a number too large for a double', '/api/v1/audit', rawCursorOf('[1e400]')],
      [
        'a non-date where a date goes',
        '/api/v1/ideas',
        cursorOf(['not a date', '00000000-0000-4000-8000-000000000000']),
      ],
      [
        'a date PostgreSQL cannot store',
        '/api/v1/tokens',
        cursorOf(['0000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
      ],
      ['a NUL in a text key', '/api/v1/pods', cursorOf(['a\u0000'])],
      ['a number where text goes', '/api/v1/users', cursorOf([42])],
      ['a fraction where a count goes', '/api/v1/audit', cursorOf([1.5])],
      ['not JSON at all', '/api/v1/workflows/runs', rawCursorOf('{{{')],
      ['a non-uuid id', '/api/v1/alerts', cursorOf([0, '2026-01-01T00:00:00.000Z', 'x'])],
    ])('%s', async (_label, url, cursor) => {
      const error = await refused(() => send('GET', `${url}?cursor=${cursor}`), 'querystring.cursor');
      expect(error).toMatchObject({ message: 'querystring.cursor: is not a cursor returned by this list' });
    });

    it('still follows the cursors the lists hand out', async () => {
      for (let i = 0; i < 3; i++) await h.call('POST', '/api/v1/ideas', { title: `idea ${i}` });
      const first = (await h.call('GET', '/api/v1/ideas?limit=2')).json();
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await h.call('GET', `/api/v1/ideas?limit=2&cursor=${first.nextCursor}`);
      expect(second.statusCode).toBe(200);
      expect(second.json().items.length).toBeGreaterThan(0);
      const audit = (await h.call('GET', '/api/v1/audit?limit=1')).json();
      expect((await h.call('GET', `/api/v1/audit?limit=1&cursor=${audit.nextCursor}`)).statusCode).toBe(200);
    });
  });

  it('refuses dates outside years 0001–9999 in queries and bodies', async () => {
    await refused(() => send('GET', '/api/v1/audit?from=0000-01-01T00:00:00Z'), 'querystring.from');
    await refused(() => send('GET', '/api/v1/audit?to=10000-01-01T00:00:00Z'), 'querystring.to');
    await refused(
      () =>
        send(
          'POST',
          '/api/v1/tokens',
          JSON.stringify({ name: 't', role: 'viewer', expiresAt: '0000-06-01T00:00:00Z' }),
        ),
      'body.expiresAt',
    );
    const ok = await send('GET', '/api/v1/audit?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z');
    expect(ok.statusCode).toBe(200);
  });

  describe('nesting depth', () => {
    it('refuses a body nested 5,000 levels deep, before parsing it, and changes nothing', async () => {
      const error = await refused(
        () => send('POST', `/api/v1/projects/${projectId}/evidence`, `{"evidence":${nestedText(5000)}}`),
        'body',
      );
      expect(error).toMatchObject({ message: expect.stringContaining('64 levels') });
    });

    it('accepts 64 levels and refuses 65, brackets inside strings not counted', async () => {
      const at = (levels: number) => `{"evidence":{"note":"[[[{{{","deep":${nestedText(levels - 2)}}}`;
      const ok = await send('POST', `/api/v1/projects/${projectId}/evidence`, at(64));
      expect(ok.statusCode, ok.body).toBeLessThan(300);
      await refused(() => send('POST', `/api/v1/projects/${projectId}/evidence`, at(65)), 'body');
    });

    it('refuses deep GraphQL variables and inline JSON arguments', async () => {
      await refused(
        () =>
          send(
            'POST',
            '/graphql',
            `{"query":"mutation ($e: JSON!) { submitEvidence(id: \\"${projectId}\\", evidence: $e) { evidence { id } } }","variables":{"e":${nestedText(100)}}}`,
          ),
        'body',
      );
      const inline = `mutation { submitEvidence(id: "${projectId}", evidence: ${'{a:'.repeat(100)}1${'}'.repeat(100)}) { evidence { id } } }`;
      const before = await snapshot();
      const res = await send('POST', '/graphql', JSON.stringify({ query: inline }));
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().errors[0].extensions.code).toBe('invalid_request');
      expect(await snapshot()).toEqual(before);
    });
  });

  it('refuses an email longer than 254 characters, wherever an email goes', async () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
    expect(long.length).toBeGreaterThan(254);
    await refused(
      () => send('POST', '/api/v1/users', JSON.stringify({ email: long, name: 'Long', role: 'viewer' })),
      'body.email',
    );
    await refused(
      () => send('POST', '/api/v1/pods/ratio/members', JSON.stringify({ email: long })),
      'body.email',
    );
  });

  describe('media types and sizes, in the error envelope', () => {
    it('415 for a body that is not JSON, and for JSON in another charset', async () => {
      await refused(
        () => send('POST', '/api/v1/ideas', 'title=x', { 'content-type': 'text/plain' }),
        '',
        415,
        'unsupported_media_type',
      );
      await refused(
        () =>
          send('POST', '/api/v1/ideas', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' }),
        '',
        415,
        'unsupported_media_type',
      );
      const error = await refused(
        () =>
          send('POST', '/api/v1/ideas', '{"title":"x"}', {
            'content-type': 'application/json; charset=latin1',
          }),
        '',
        415,
        'unsupported_media_type',
      );
      expect(error).toMatchObject({ message: expect.stringContaining('UTF-8') });
      const utf8 = await send('POST', '/api/v1/ideas', '{"title":"x"}', {
        'content-type': 'application/json; charset="UTF-8"',
      });
      expect(utf8.statusCode).toBe(201);
    });

    it('413 for a body over the limit and 414 for an over-long URL', async () => {
      await refused(
        () => send('POST', '/api/v1/ideas', JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) })),
        '',
        413,
        'payload_too_large',
      );
      await refused(() => send('GET', `/api/v1/audit?action=${'a'.repeat(9000)}`), '', 414, 'uri_too_long');
      await refused(() => send('GET', `/api/v1/pods/${'a'.repeat(1200)}`), '', 414, 'uri_too_long');
      // Long, but under both limits: the route's schema names the field.
      await refused(() => send('GET', `/api/v1/pods/${'a'.repeat(200)}`), 'params.slug');
    });

    it('400 in the envelope for a URL whose percent-encoding does not decode, with the API headers', async () => {
      await refused(() => send('GET', '/api/v1/pods/%E0%A4%A'), 'url');
      const res = await send('GET', '/api/v1/pods/%E0%A4%A');
      expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    });
  });

  it('431 in the envelope for headers over the limit, over a real connection', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as { port: number };
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer.toLowerCase()).toContain('x-content-type-options: nosniff');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body.error).toMatchObject({ code: 'headers_too_large', requestId: expect.any(String) });
    // And the server still answers.
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, path: '/healthz' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
  });
});

describe.each(testEngines())('routes without a body, on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());

  it('refuse fields sent to them (advance with evidence) and change nothing; accept none or {}', async () => {
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    const project = (await h.call('POST', '/api/v1/projects', { name: 'P', pod: 'ratio' })).json();
    const head = await h.database.query('select sequence, hash from audit_head');
    const res = await h.call('POST', `/api/v1/projects/${project.id}/advance`, {
      evidence: { problem: 'x' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'body.evidence', message: 'is not a known field' }]);
    expect(await h.database.query('select sequence, hash from audit_head')).toEqual(head);
    const token = (await h.call('POST', '/api/v1/tokens', { name: 't', role: 'viewer' })).json().token;
    const revoke = await h.call('DELETE', `/api/v1/tokens/${token.id}`, { reason: 'x' });
    expect(revoke.statusCode).toBe(400);
    // Without a body, or with an empty one, they work as before (the gate is unmet here: 422).
    expect((await h.call('POST', `/api/v1/projects/${project.id}/advance`)).statusCode).toBe(422);
    expect((await h.call('POST', `/api/v1/projects/${project.id}/advance`, {})).statusCode).toBe(422);
    expect((await h.call('DELETE', `/api/v1/tokens/${token.id}`)).statusCode).toBe(200);
  });
});
