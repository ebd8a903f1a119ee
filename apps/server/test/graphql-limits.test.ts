import { auditRowCount, FakeClock, testEngines } from '@clos/testing';
import type { FastifyInstance } from 'fastify';
import { getIntrospectionQuery } from 'graphql/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

/** The security review's fragment: every type, field, argument, input field, enum value and directive. */
const WALK_EVERYTHING = `fragment F on __Schema {
  types {
    name kind description
    fields(includeDeprecated: true) {
      name description isDeprecated deprecationReason
      args { name description defaultValue type { name kind ofType { name kind ofType { name kind } } } }
      type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }
    }
    inputFields { name description defaultValue type { name kind ofType { name kind } } }
    interfaces { name } possibleTypes { name }
    enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  }
  directives { name description locations args { name type { name kind } } }
}`;

const aliased = (count: number, selection: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => selection(i)).join(' ');

/** `n` mutations submitting ideas titled `${prefix}-i`. */
const submitIdeas = (prefix: string, n: number) =>
  `mutation { ${aliased(n, (i) => `m${i}: submitIdea(title: "${prefix}-${i}") { id }`)} }`;

describe.each(testEngines())('GraphQL request limits on %s', (engine) => {
  let h: Harness;
  let viewer: string;

  const gql = (query: string, token = ADMIN_TOKEN, variables: Record<string, unknown> = {}, app = h.app) =>
    app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${token}` },
      payload: { query, variables },
    });

  /** Row counts that a refused request must leave as they were. */
  const writes = async () => ({
    ideas: (await h.database.query<{ n: string }>('select count(*)::text as n from ideas'))[0]!.n,
    audit: await auditRowCount(h.database),
  });

  beforeAll(async () => {
    h = await startHarness(engine);
    viewer = (await h.userWithToken('viewer')).token;
  });
  afterAll(() => h.close());

  it('refuses a query nested thousands of levels deep before parsing it (400, not a stack overflow)', async () => {
    const selections = `${'{ a '.repeat(5000)}${'}'.repeat(5000)}`;
    const inline = `mutation { archiveIdea(id: ${'{a:'.repeat(5000)}1${'}'.repeat(5000)}, reason: "x") { id } }`;
    for (const query of [selections, inline]) {
      const res = await gql(query, viewer);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().errors[0].extensions).toMatchObject({ code: 'query_too_complex' });
    }
  });

  it('takes only GraphQL text: a JSON value or a JSON-encoded syntax tree is a syntax error (400)', async () => {
    const tree = JSON.stringify({
      kind: 'Document',
      definitions: [
        {
          kind: 'OperationDefinition',
          operation: 'query',
          selectionSet: {
            kind: 'SelectionSet',
            selections: [{ kind: 'Field', name: { kind: 'Name', value: '__typename' } }],
          },
        },
      ],
    });
    for (const query of ['1', '-1', 'true', '[1]', '"x"', tree]) {
      const res = await gql(query, viewer);
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
      expect(res.json().errors[0]).toMatchObject({
        message: expect.stringContaining('Syntax Error'),
        extensions: { code: 'invalid_request' },
      });
    }
    expect((await gql('{ __typename }', viewer)).json()).toEqual({ data: { __typename: 'Query' } });
  });

  it("refuses the review's request (2,400 aliased __schema walks, as a viewer) with 400 before running it", async () => {
    const query = `{ ${aliased(2400, (i) => `t${i}: __schema { ...F }`)} }\n${WALK_EVERYTHING}`;
    const res = await gql(query, viewer);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('query_too_complex');
    expect(body.errors[0].message).toBe(
      'query is too complex: the operation is refused because it asks for introspection (__schema, __type) more than once; split it into smaller requests',
    );
    // Counted until the first limit was passed: the second __schema.
    expect(body.errors[0].extensions.details).toMatchObject({ introspection: 2, maxIntrospection: 1 });
    expect(res.body.length).toBeLessThan(1000);
  });

  it('still serves a full introspection query (every option of graphql-js) once per request', async () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const res = await gql(query, viewer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().errors).toBeUndefined();
    expect(res.json().data.__schema.types.length).toBeGreaterThan(20);

    const twice = await gql('{ __schema { queryType { name } } __type(name: "Pod") { name } }', viewer);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().errors[0].extensions.details).toMatchObject({ introspection: 2 });
    // __typename is free: it is not introspection of the schema.
    const typenames = await gql('{ __typename __schema { queryType { name } } a: __typename }', viewer);
    expect(typenames.json()).toEqual({
      data: { __typename: 'Query', __schema: { queryType: { name: 'Query' } }, a: 'Query' },
    });
  });

  it('refuses introspection that recurses through types (graphql-js MaxIntrospectionDepthRule)', async () => {
    const res = await gql(
      '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toMatchObject({
      message: 'Maximum introspection depth exceeded',
      extensions: { code: 'invalid_request' },
    });
  });

  it('counts aliases after expanding fragments, and refuses the 31st', async () => {
    const fragment = `fragment A on Pod { ${aliased(3, (i) => `a${i}: slug`)} }`;
    // 10 spreads of a fragment with 3 aliases: 30, the limit.
    const atLimit = `{ pods(first: 1) { items { ${aliased(10, () => '...A')} } } } ${fragment}`;
    const ok = await gql(atLimit);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().errors).toBeUndefined();

    const over = await gql(`{ pods(first: 1) { items { ${aliased(10, () => '...A')} b: id } } } ${fragment}`);
    expect(over.statusCode).toBe(400);
    expect(over.json().errors[0]).toEqual({
      message:
        'query is too complex: the operation is refused because it selects more than 30 fields under aliases; split it into smaller requests',
      extensions: {
        code: 'query_too_complex',
        details: {
          fields: 33,
          aliases: 31,
          introspection: 0,
          mutations: 0,
          maxFields: 1000,
          maxAliases: 30,
          maxIntrospection: 1,
          maxMutations: 20,
        },
      },
    });
  });

  it('counts before validating: an over-limit document is refused for its size, whatever else is wrong', async () => {
    const res = await gql(`{ ${aliased(31, (i) => `a${i}: __typename`)} nope }`);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toHaveLength(1);
    expect(res.json().errors[0].extensions.code).toBe('query_too_complex');
  });

  it('counts fields after expanding fragments, and stops counting at the limit however far they expand', async () => {
    // Each fragment spreads the next twice: F0 expands to 2^40 selections of __typename (cost 0).
    const chain = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    const doubling = `{ ...F0 } ${chain.join(' ')} fragment F40 on Query { __typename }`;
    const res = await gql(doubling);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].message).toContain(
      'it selects more than 1000 fields once its fragments are expanded',
    );
    expect(res.json().errors[0].extensions.details).toMatchObject({ fields: 1001, maxFields: 1000 });

    // Fragment spreads that select little count as steps of the walk too.
    const links = Array.from({ length: 10 }, (_, i) => `fragment L${i} on Query { ...L${i + 1} }`);
    const spreads = `{ ${aliased(400, () => '...L0')} } ${links.join(' ')} fragment L10 on Query { __typename }`;
    const stepped = await gql(spreads);
    expect(stepped.statusCode).toBe(400);
    expect(stepped.json().errors[0].message).toContain('it expands to more than 4000 selections');
  });

  it('checks every operation of a document, not only the one run (a validated document is cached)', async () => {
    const doc = `query Small { __typename } query Wide { ${aliased(31, (i) => `a${i}: __typename`)} }`;
    for (const operationName of ['Small', 'Wide', 'Small']) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { query: doc, operationName },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].message).toContain('operation "Wide" is refused');
    }
  });

  it('runs up to 20 mutations in a request and refuses the 21st before any runs', async () => {
    const before = await writes();
    const refused = await gql(submitIdeas('over', 21));
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0].message).toContain('it runs more than 20 mutations');
    expect(refused.json().errors[0].extensions.details).toMatchObject({ mutations: 21, maxMutations: 20 });
    expect(await writes()).toEqual(before);

    // A mutation spread from a fragment on Mutation counts like one written inline.
    const viaFragment = `mutation { ...M m20: submitIdea(title: "x") { id } }
      fragment M on Mutation { ${aliased(20, (i) => `f${i}: submitIdea(title: "f-${i}") { id }`)} }`;
    expect((await gql(viaFragment)).json().errors[0].extensions.details).toMatchObject({ mutations: 21 });
    expect(await writes()).toEqual(before);

    const ran = await gql(submitIdeas('batch', 20));
    expect(ran.statusCode).toBe(200);
    expect(Object.keys(ran.json().data)).toHaveLength(20);
    expect(Number((await writes()).ideas)).toBe(Number(before.ideas) + 20);
  });

  it("counts each mutation against the token's rate limit, refusing a batch that does not fit before it runs", async () => {
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    const limited = await buildApp({
      services: h.services,
      database: h.database,
      rateLimit: { perToken: 10, perIp: 0, webhook: 0, clock },
    });
    try {
      const { token } = await h.userWithToken('developer');
      const before = await writes();
      // 12 mutations count 12 against a budget of 10: refused whole, none run.
      const refused = await gql(submitIdeas('rl', 12), token, {}, limited);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('60');
      expect(refused.json()).toEqual({
        error: {
          code: 'rate_limited',
          message:
            'too many requests with this API token: the limit is 10 per 60 s (this request counts as 12: one per mutation); retry in 60 s',
          details: { scope: 'token', limit: 10, windowSeconds: 60, retryAfterSeconds: 60, units: 12 },
          requestId: refused.headers['x-request-id'],
        },
      });
      expect(await writes()).toEqual(before);

      // The refused request counted once (as any request does); 9 mutations then fill the budget to 10.
      const fits = await gql(submitIdeas('rl', 9), token, {}, limited);
      expect(fits.statusCode, fits.body).toBe(200);
      expect(Number((await writes()).ideas)).toBe(Number(before.ideas) + 9);
      const next = await gql('{ __typename }', token, {}, limited);
      expect(next.statusCode).toBe(429);

      // Queries count once whatever they select; a new window takes the batch.
      clock.advance(60_000);
      expect((await gql(submitIdeas('rl2', 10), token, {}, limited)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('refuses to send a response over the size limit, saying so instead of the data', async () => {
    for (let i = 0; i < 5; i++)
      await h.call('POST', '/api/v1/ideas', { title: `sized ${i}`.padEnd(200, '.') });
    const small = await buildApp({
      services: h.services,
      database: h.database,
      graphql: { maxResponseBytes: 600 },
    });
    try {
      const under = await gql('{ ideas(first: 1) { items { id } } }', ADMIN_TOKEN, {}, small);
      expect(under.statusCode).toBe(200);
      expect(under.json().data.ideas.items).toHaveLength(1);

      const over = await gql('{ ideas(first: 50) { items { id title } } }', ADMIN_TOKEN, {}, small);
      expect(over.statusCode).toBe(200);
      expect(over.json()).toEqual({
        data: null,
        errors: [
          {
            message:
              'the response is larger than the limit of 600 bytes and was not sent; ask for fewer fields or smaller pages (first)',
            extensions: { code: 'query_too_complex', details: { maxResponseBytes: 600 } },
          },
        ],
      });
      expect(over.body.length).toBeLessThan(600);

      // A mutation's changes are kept, and the message says so.
      const before = await writes();
      const mutated = await gql(
        `mutation { submitIdea(title: "long", description: "${'long '.repeat(200)}") { id title description } }`,
        ADMIN_TOKEN,
        {},
        small,
      );
      expect(mutated.json().errors[0].message).toContain('the mutations ran and their changes are kept');
      expect(Number((await writes()).ideas)).toBe(Number(before.ideas) + 1);
    } finally {
      await small.close();
    }
  });

  it('takes every limit from the app options', async () => {
    const strict = await buildApp({
      services: h.services,
      database: h.database,
      graphql: { maxAliases: 2, maxFields: 4, maxMutations: 1 },
    });
    const refusal = async (query: string, app: FastifyInstance = strict) =>
      (await gql(query, ADMIN_TOKEN, {}, app)).json().errors?.[0]?.message as string | undefined;
    try {
      expect(await refusal('{ a: __typename b: __typename }')).toBeUndefined();
      expect(await refusal('{ a: __typename b: __typename c: __typename }')).toContain(
        'more than 2 fields under aliases',
      );
      expect(
        await refusal('{ __typename ...on Query { __typename __typename __typename __typename } }'),
      ).toContain('more than 4 fields');
      expect(
        await refusal('mutation { a: submitIdea(title: "1") { id } b: submitIdea(title: "2") { id } }'),
      ).toContain('more than 1 mutations');
    } finally {
      await strict.close();
    }
  });
});
