import { type RouteDefinition, routes } from '@clos/contract';
import { DOMAIN_EVENT_TYPES } from '@clos/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Answer, checkAnswer, isRefusal } from './checks.ts';
import { type FuzzCase, type RestCase, toInject } from './requests.ts';
import { jsonSchemaOf, SchemaArbitraries, taint } from './schema.ts';
import { carriesHostile, Deep, encodeUrlPart, RawJson, RawUrl, toJsonText } from './values.ts';
import type { World } from './world.ts';

// The fuzz suite's own parts: a check that never fires, or a generator that never gets past
// validation, would let the suite pass while testing nothing.

const world: World = {
  tokens: {
    admin: 'a',
    'pod-lead': 'l',
    developer: 'd',
    viewer: 'v',
    none: null,
    invalid: 'i',
    revoked: 'r',
  },
  pods: ['alpha', 'beta'],
  itemTypes: ['project', 'pull-request'],
  stages: ['inception', 'discovery'],
  criteria: ['impact', 'confidence', 'ease', 'strategic-fit'],
  emails: ['admin@example.com', 'dev@example.com'],
  ids: ['0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00', '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b'],
  idsByKind: {
    projects: ['0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00'],
    ideas: ['6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b'],
  },
  cursors: [
    Buffer.from('["2026-03-02T09:00:00.000Z","0b5c0e3e-7a4d-4c1b-8f7e-2d9a6b3c1e00"]').toString('base64url'),
  ],
  eventTypes: Object.keys(DOMAIN_EVENT_TYPES),
  evidenceSchemas: [
    {
      type: 'object',
      required: ['problemStatement', 'owner'],
      properties: {
        problemStatement: { type: 'string', minLength: 10 },
        owner: { type: 'string', format: 'email' },
      },
    },
  ],
  days: ['2026-03-02'],
};

const rest = (over: Partial<RestCase>): RestCase => ({
  kind: 'rest',
  route: 'getProject',
  method: 'GET',
  caller: 'admin',
  params: { id: world.ids[0] },
  query: [],
  body: undefined,
  contentType: 'application/json',
  requestId: null,
  ...over,
});

const answer = (status: number, body: unknown, requestId = 'r-1'): Answer => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'x-request-id': requestId, 'content-type': 'application/json; charset=utf-8' },
});

const envelope = (code: string, extra: Record<string, unknown> = {}) => ({
  error: { code, message: 'm', requestId: 'r-1', ...extra },
});

const checks = (c: FuzzCase, a: Answer) => checkAnswer(c, a).map((v) => v.check);

describe('the fuzz checks', () => {
  it('accept correct refusals: a 404 for an unknown id, a 400 naming its field, a 401', () => {
    expect(checks(rest({}), answer(404, envelope('not_found')))).toEqual([]);
    expect(
      checks(
        rest({ params: { id: 'x' } }),
        answer(
          400,
          envelope('invalid_request', { details: [{ path: 'params.id', message: 'Invalid UUID' }] }),
        ),
      ),
    ).toEqual([]);
    expect(checks(rest({ caller: 'none' }), answer(401, envelope('unauthorized')))).toEqual([]);
  });

  it('flag a 5xx, except a 503 the route documents', () => {
    expect(checks(rest({}), answer(500, envelope('internal_error')))).toEqual(['no-5xx']);
    expect(checks(rest({}), answer(503, envelope('service_unavailable')))).toEqual(['no-5xx']);
    const readyz = rest({ route: 'readyz', params: {} });
    expect(checks(readyz, answer(503, envelope('service_unavailable')))).toEqual([]);
  });

  it('flag an error outside the envelope, an unknown code, a request id that differs from the header', () => {
    const fastify = { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: 'x', statusCode: 400 };
    expect(checks(rest({}), answer(400, fastify))).toEqual(['error-envelope']);
    expect(checks(rest({}), answer(404, envelope('nope')))).toEqual(['error-envelope']);
    expect(checks(rest({}), answer(404, envelope('not_found'), 'other-id'))).toEqual(['error-envelope']);
    expect(checks(rest({}), answer(414, 'URI Too Long'))).toEqual(['error-envelope']);
  });

  it('flag a 400 invalid_request that does not name a field', () => {
    expect(checks(rest({}), answer(400, envelope('invalid_request')))).toEqual(['field-paths']);
    expect(
      checks(rest({}), answer(400, envelope('invalid_request', { details: [{ path: 'id', message: 'x' }] }))),
    ).toEqual(['field-paths']);
  });

  it('flag a NUL or lone surrogate that was accepted, in a body, a path segment or a query value', () => {
    const create = rest({ route: 'submitIdea', method: 'POST', params: {}, body: { title: 'a\u0000b' } });
    expect(checks(create, answer(201, { id: 'x' }))).toEqual(['bad-chars-refused']);
    expect(
      checks(
        create,
        answer(400, envelope('invalid_request', { details: [{ path: 'body.title', message: 'x' }] })),
      ),
    ).toEqual([]);
    const surrogate = rest({
      route: 'submitIdea',
      method: 'POST',
      params: {},
      body: { title: 'ok', '\ud800': 1 },
    });
    expect(checks(surrogate, answer(201, {}))).toEqual(['bad-chars-refused']);
    const segment = rest({ route: 'getPod', params: { slug: new RawUrl('a%00', true) } });
    expect(checks(segment, answer(200, {}))).toEqual(['bad-chars-refused']);
    const cursor = rest({ route: 'listPods', params: {}, query: [['cursor', '\u0000abc']] });
    expect(checks(cursor, answer(200, { items: [] }))).toEqual(['bad-chars-refused']);
    // A route without a query schema ignores what it is sent.
    expect(checks(rest({ route: 'healthz', params: {}, query: [['x', '\u0000']] }), answer(200, {}))).toEqual(
      [],
    );
  });

  it('flag a body of another media type or charset that was not refused', () => {
    const post = rest({ route: 'submitIdea', method: 'POST', params: {}, body: { title: 't' } });
    expect(
      checks(
        { ...post, contentType: 'text/plain' },
        answer(400, envelope('invalid_request', { details: [{ path: 'body', message: 'x' }] })),
      ),
    ).toEqual(['media-type']);
    expect(
      checks({ ...post, contentType: 'text/plain' }, answer(415, envelope('unsupported_media_type'))),
    ).toEqual([]);
    expect(checks({ ...post, contentType: 'application/json; charset=latin1' }, answer(201, {}))).toEqual([
      'media-type',
    ]);
    expect(checks({ ...post, contentType: 'application/json; charset=utf-8' }, answer(201, {}))).toEqual([]);
  });

  it('flag an email over 254 characters that was accepted', () => {
    const email = `${'a'.repeat(250)}@example.com`;
    const create = rest({
      route: 'createUser',
      method: 'POST',
      params: {},
      body: { email, name: 'n', role: 'viewer' },
    });
    expect(checks(create, answer(201, {}))).toEqual(['email-length']);
    expect(
      checks(
        create,
        answer(400, envelope('invalid_request', { details: [{ path: 'body.email', message: 'x' }] })),
      ),
    ).toEqual([]);
  });

  it('flag a GraphQL field that failed as an internal error, and accept GraphQL refusals', () => {
    const op: FuzzCase = {
      kind: 'graphql',
      caller: 'admin',
      operation: 'query',
      field: 'pod',
      args: [{ name: 'slug', type: 'String!', value: 'alpha', inline: true }],
      nested: false,
      document: null,
      variables: undefined,
      contentType: 'application/json',
    };
    const internal = {
      data: { pod: null },
      errors: [{ message: 'x', path: ['pod'], extensions: { code: 'internal_error' } }],
    };
    expect(checks(op, answer(200, internal))).toEqual(['graphql-internal']);
    expect(
      checks(
        op,
        answer(400, { errors: [{ message: 'Syntax Error', extensions: { code: 'invalid_request' } }] }),
      ),
    ).toEqual([]);
    const nul = { ...op, args: [{ name: 'slug', type: 'String!', value: '\u0000', inline: true }] };
    expect(checks(nul, answer(200, { data: { pod: null } }))).toEqual(['bad-chars-refused']);
    expect(
      checks(
        nul,
        answer(200, {
          data: { pod: null },
          errors: [{ message: 'x', extensions: { code: 'invalid_request' } }],
        }),
      ),
    ).toEqual([]);
  });

  it('count every refusal but the recorded WIP refusal as one that must change nothing', () => {
    expect(isRefusal(rest({}), answer(404, envelope('not_found')))).toBe(true);
    expect(isRefusal(rest({}), answer(409, envelope('wip_limit_exceeded')))).toBe(false);
    expect(isRefusal(rest({}), answer(200, {}))).toBe(false);
  });
});

describe('the fuzz values', () => {
  it('write deep nesting and raw numbers as JSON text without recursion', () => {
    const text = toJsonText({ evidence: new Deep(100_000, 'array', 'x'), n: new RawJson('1e400') });
    expect(text.startsWith('{"evidence":[[[')).toBe(true);
    expect(text.endsWith(']]],"n":1e400}')).toBe(true);
    expect(text.length).toBeGreaterThan(200_000);
    expect(JSON.parse(toJsonText({ a: 'x\u0000\ud800' }))).toEqual({ a: 'x\u0000\ud800' });
  });

  it('percent-encode lone surrogates as the invalid UTF-8 a lenient client sends', () => {
    expect(encodeUrlPart('a\ud800')).toBe('a%ED%A0%80');
    expect(encodeUrlPart('a b/c')).toBe('a%20b%2Fc');
    expect(encodeUrlPart(new RawUrl('%00'))).toBe('%00');
  });

  it('find NUL and lone surrogates in values and keys at any depth', () => {
    expect(carriesHostile({ a: [{ b: 'x\u0000' }] })).toBe(true);
    expect(carriesHostile({ '\udc00': 1 })).toBe(true);
    expect(carriesHostile({ a: '😀' })).toBe(false);
    expect(carriesHostile(new Deep(10, 'object', '\u0000'))).toBe(true);
    expect(carriesHostile('\ud800', 'url')).toBe(false);
  });

  it('taint a value by inserting the character into one of its strings or keys', () => {
    const record = Object.assign(Object.create(null), { a: 'x' });
    expect(taint(record, 1, 1, '\u0000')).toEqual({ a: 'x\u0000' });
    expect(taint({ a: 'x' }, 0, 0, '\ud800')).toEqual({ '\ud800a': 'x' });
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.nat(), (value, which, at) => {
        const tainted = taint(value, which, at, '\u0000');
        const hasString = JSON.stringify(value).includes('"');
        return !hasString || carriesHostile(tainted);
      }),
    );
  });
});

describe('the fuzz generators', () => {
  const schemas = new SchemaArbitraries(world);
  const bodies = Object.entries(routes as Record<string, RouteDefinition>).filter(([, r]) => r.body);

  it.each(bodies)(
    'mostly generate bodies %s accepts, so requests reach the code behind validation',
    (_, def) => {
      const schema = def.body!;
      const samples = fc.sample(schemas.valid(jsonSchemaOf(schema)), { numRuns: 100, seed: 7 });
      const accepted = samples.filter((s) => schema.safeParse(s).success).length;
      expect(
        accepted,
        `${_}: ${fc.stringify(samples.find((s) => !schema.safeParse(s).success))}`,
      ).toBeGreaterThanOrEqual(60);
    },
  );

  it('send every case somewhere the server routes: the table path with its parameters filled in', () => {
    const c = rest({
      route: 'checkWip',
      params: { slug: 'alpha', itemType: 'a b' },
      query: [['x', '\ud800']],
    });
    const options = toInject(c, world, 'fuzz-1');
    expect(options.url).toBe('/api/v1/pods/alpha/wip/a%20b/check?x=%ED%A0%80');
    expect(options.headers).toMatchObject({ authorization: 'Bearer a', 'x-request-id': 'fuzz-1' });
  });
});
