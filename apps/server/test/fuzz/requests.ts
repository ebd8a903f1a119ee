/**
 * Generated requests: one arbitrary per entry of the route table (params, query and body from its
 * schemas, valid or with one thing wrong), one for GraphQL operations built from the GraphQL schema,
 * and every caller from the admin to a revoked token. A case is plain data, so fast-check prints and
 * shrinks it; `toInject` turns it into the request `app.inject` sends.
 */
import { type RouteDefinition, routes } from '@clos/contract';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import {
  buildSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql/index.js';
import { typeDefs } from '../../src/graphql/schema.ts';
import {
  contentType,
  deepValue,
  oddBody,
  oddCursor,
  oddDate,
  oddDay,
  oddId,
  oddNumberText,
  oddSegment,
  oddString,
} from './hostile.ts';
import { jsonSchemaOf, SchemaArbitraries } from './schema.ts';
import { Deep, encodeUrlPart, RawBody, RawJson, RawUrl, toJsonText } from './values.ts';
import type { Caller, JsonSchema, World } from './world.ts';

export type RouteKey = keyof typeof routes;

/** A REST request against one route of the table. */
export interface RestCase {
  kind: 'rest';
  route: RouteKey;
  /** The route's method, or another one (a 404 or 405 must still be an error envelope). */
  method: string;
  caller: Caller;
  params: Record<string, unknown>;
  /** Name and value pairs in order (a name may repeat, or be a raw URL fragment itself). */
  query: [unknown, unknown][];
  /** The JSON body (or raw text); undefined sends none. */
  body: unknown;
  contentType: string | null;
  /** An X-Request-Id of the caller's; null lets the fuzzer number the request. */
  requestId: string | null;
}

export interface GraphqlArgCase {
  name: string;
  /** The argument's declared type, e.g. `String!`; the variable is declared with it. */
  type: string;
  value: unknown;
  inline: boolean;
}

/** A GraphQL operation on one root field, or a hand-made hostile document. */
export interface GraphqlCase {
  kind: 'graphql';
  caller: Caller;
  operation: 'query' | 'mutation';
  field: string;
  args: GraphqlArgCase[];
  /** Also select the nested object fields (their resolvers run too). */
  nested: boolean;
  /** A whole document instead of the field's operation. */
  document: string | null;
  variables: unknown;
  contentType: string | null;
}

export type FuzzCase = RestCase | GraphqlCase;

// Mostly callers who may do what they ask, so requests get past the permission check to the code
// behind it; refused callers often enough to check every route's 401 and 403.
const callerArb: fc.Arbitrary<Caller> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Caller>('admin') },
  { weight: 4, arbitrary: fc.constantFrom<Caller>('pod-lead', 'developer') },
  { weight: 1, arbitrary: fc.constant<Caller>('viewer') },
  { weight: 1, arbitrary: fc.constantFrom<Caller>('none', 'invalid', 'revoked') },
);

const requestIdArb: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 19, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(129), 'a b', '', 'caller-7f3a.42', '../..', '%00') },
);

const BAD_URL_VALUES = [
  new RawUrl('%00', true),
  new RawUrl('x%00', true),
  new RawUrl('%E0%A4%A'),
  new RawUrl('%'),
  new RawUrl('%ED%A0%80'),
  new RawUrl('%FF'),
];

/** `/api/v1/projects/:id/advance` → `projects`: the kind of entity an `:id` names. */
function idKindOf(path: string): string | undefined {
  const segments = path.split('/');
  const at = segments.indexOf(':id');
  return at > 0 ? segments[at - 1] : undefined;
}

/** The kind of entity a GraphQL field's `id` argument names. */
function graphqlIdKind(field: string): string | undefined {
  if (
    /^(project|submitEvidence|decideGate|advanceProject|blockProject|unblockProject|closeProject)$/.test(
      field,
    )
  )
    return 'projects';
  if (/^(idea|evaluateIdea|promoteIdea|archiveIdea)$/.test(field)) return 'ideas';
  if (field === 'releaseWipLock') return 'wip-locks';
  return undefined;
}

function properties(schema: JsonSchema | null): [string, JsonSchema][] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(props);
}

/** Query-string values are text: numbers and booleans as their digits and words. */
function asText(value: unknown): unknown {
  if (value instanceof RawUrl || typeof value === 'string') return value;
  if (value instanceof RawJson) return value.text;
  if (value instanceof Deep) return toJsonText(value).slice(0, 10_000);
  if (value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return toJsonText(value);
}

export class CaseArbitraries {
  private readonly schemas: SchemaArbitraries;

  constructor(world: World) {
    this.schemas = new SchemaArbitraries(world);
  }

  /** Every route of the table (each equally likely) and GraphQL, with the weight of a few routes. */
  all(): fc.Arbitrary<FuzzCase> {
    const rest = (Object.keys(routes) as RouteKey[]).map((key) => ({
      weight: 1,
      arbitrary: this.rest(key) as fc.Arbitrary<FuzzCase>,
    }));
    return fc.oneof(...rest, { weight: 6, arbitrary: this.graphql() as fc.Arbitrary<FuzzCase> });
  }

  rest(key: RouteKey): fc.Arbitrary<RestCase> {
    const def = routes[key] as RouteDefinition;
    const params = def.params ? jsonSchemaOf(def.params) : null;
    const query = def.query ? jsonSchemaOf(def.query) : null;
    const body = def.body ? jsonSchemaOf(def.body) : null;
    return fc.record({
      kind: fc.constant('rest' as const),
      route: fc.constant(key),
      method: fc.oneof(
        { weight: 30, arbitrary: fc.constant(def.method as string) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') },
      ),
      caller: callerArb,
      params: this.params(params, def),
      query: this.query(query),
      body: this.body(body, def.method),
      contentType,
      requestId: requestIdArb,
    });
  }

  private params(schema: JsonSchema | null, def: RouteDefinition): fc.Arbitrary<Record<string, unknown>> {
    const props = properties(schema);
    if (!props.length) return fc.constant({});
    return fc.record(
      Object.fromEntries(
        props.map(([name, prop]) => [
          name,
          fc.oneof(
            {
              weight: 8,
              arbitrary:
                prop.format === 'uuid' ? this.schemas.id(idKindOf(def.path)) : this.schemas.valid(prop, name),
            },
            { weight: 1, arbitrary: prop.format === 'uuid' ? oddId : oddSegment },
            { weight: 1, arbitrary: this.schemas.tainted(prop, name, prop) },
          ),
        ]),
      ),
    );
  }

  private queryValueHostile(name: string, prop: JsonSchema): fc.Arbitrary<unknown> {
    const type = prop.type;
    const specific =
      name === 'cursor'
        ? oddCursor
        : name === 'day'
          ? oddDay
          : prop.format === 'date-time'
            ? oddDate
            : prop.format === 'uuid'
              ? oddId
              : type === 'integer' || type === 'number'
                ? oddNumberText
                : oddString;
    return fc.oneof(
      { weight: 3, arbitrary: specific },
      { weight: 2, arbitrary: this.schemas.tainted(prop, name, prop) },
      { weight: 1, arbitrary: fc.constantFrom(...BAD_URL_VALUES) },
      { weight: 1, arbitrary: deepValue.filter((d) => d.depth <= 1_000) },
    );
  }

  private query(schema: JsonSchema | null): fc.Arbitrary<[unknown, unknown][]> {
    const props = properties(schema);
    const extra: fc.Arbitrary<[unknown, unknown]> = fc.oneof(
      fc.tuple(fc.constantFrom('colour', 'x[]', 'a[b]', '__proto__', ''), oddString),
      fc.tuple(fc.constantFrom(...BAD_URL_VALUES), fc.constant('1')),
    );
    if (!props.length)
      return fc.oneof(
        { weight: 9, arbitrary: fc.constant<[unknown, unknown][]>([]) },
        { weight: 1, arbitrary: fc.array(extra, { maxLength: 2 }) },
      );
    const valid = fc
      .record(Object.fromEntries(props.map(([name, prop]) => [name, this.schemas.valid(prop, name)])), {
        requiredKeys: [],
      })
      .map((v) =>
        Object.entries(v)
          .filter(([, x]) => x !== undefined)
          .map(([k, x]) => [k, asText(x)] as [unknown, unknown]),
      );
    const oneBad = fc.oneof(
      ...props.map(([name, prop]) =>
        fc
          .tuple(valid, this.queryValueHostile(name, prop))
          .map(([pairs, bad]) => [
            ...pairs.filter(([k]) => k !== name),
            [name, asText(bad)] as [unknown, unknown],
          ]),
      ),
    );
    const repeated = fc
      .tuple(valid, fc.constantFrom(...props.map(([n]) => n)))
      .map(([pairs, name]) => [...pairs, [name, '1'], [name, '2']] as [unknown, unknown][]);
    const unknown = fc.tuple(valid, extra).map(([pairs, e]) => [...pairs, e]);
    return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 4, arbitrary: oneBad }, repeated, unknown);
  }

  private body(schema: JsonSchema | null, method: string): fc.Arbitrary<unknown> {
    if (!schema) {
      if (method === 'GET') return fc.constant(undefined);
      return fc.oneof(
        { weight: 8, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: oddBody },
      );
    }
    return fc.oneof(
      { weight: 9, arbitrary: this.schemas.valid(schema) },
      { weight: 8, arbitrary: this.schemas.mutatedObject(schema) },
      { weight: 2, arbitrary: oddBody },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  }

  // ---------------------------------------------------------------- GraphQL

  graphql(): fc.Arbitrary<GraphqlCase> {
    const schema = buildSchema(typeDefs);
    const ops: fc.Arbitrary<GraphqlCase>[] = [];
    for (const [operation, type] of [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
    ] as const) {
      if (!type) continue;
      for (const field of Object.values(type.getFields())) ops.push(this.operation(operation, field));
    }
    const documents = fc.record({
      kind: fc.constant('graphql' as const),
      caller: callerArb,
      operation: fc.constant('query' as const),
      field: fc.constant(''),
      args: fc.constant<GraphqlArgCase[]>([]),
      nested: fc.constant(false),
      document: hostileDocument,
      variables: fc.oneof(
        fc.constant(undefined),
        deepValue.map((d) => ({ e: d })),
        fc.constant(new RawJson('{"a":1e400}')),
        fc.constant([]),
        fc.constant('x'),
      ),
      contentType: fc.constant('application/json'),
    });
    return fc.oneof({ weight: 12, arbitrary: fc.oneof(...ops) }, { weight: 1, arbitrary: documents });
  }

  private operation(
    operation: 'query' | 'mutation',
    field: GraphQLField<unknown, unknown>,
  ): fc.Arbitrary<GraphqlCase> {
    const args = field.args.map((arg) => this.argument(arg, field.name));
    return fc.record({
      kind: fc.constant('graphql' as const),
      caller: callerArb,
      operation: fc.constant(operation),
      field: fc.constant(field.name),
      args: fc.tuple(...args).map((list) => list.filter((a): a is GraphqlArgCase => a !== null)),
      nested: fc.boolean(),
      document: fc.constant(null),
      variables: fc.constant(undefined),
      contentType: fc.oneof({ weight: 19, arbitrary: fc.constant('application/json') }, contentType),
    });
  }

  private argument(arg: GraphQLArgument, field: string): fc.Arbitrary<GraphqlArgCase | null> {
    const json = inputJsonSchema(arg.type);
    const required = isNonNullType(arg.type);
    const valid =
      arg.name === 'id' ? this.schemas.id(graphqlIdKind(field)) : this.schemas.valid(json, arg.name);
    const value = fc.oneof(
      { weight: 7, arbitrary: valid },
      { weight: 3, arbitrary: this.schemas.hostile(json, arg.name) },
    );
    const present = fc.tuple(value, fc.boolean()).map(([v, inline]) => ({
      name: arg.name,
      type: String(arg.type),
      value: v,
      inline: inline && inlineable(v),
    }));
    // Optional arguments are often left out; required ones rarely (a validation error).
    return required
      ? fc.oneof({ weight: 19, arbitrary: present }, { weight: 1, arbitrary: fc.constant(null) })
      : fc.oneof({ weight: 1, arbitrary: present }, { weight: 1, arbitrary: fc.constant(null) });
  }
}

/** An approximation of a GraphQL input type as JSON Schema, for the schema arbitraries. */
function inputJsonSchema(type: GraphQLInputType): JsonSchema {
  if (isNonNullType(type)) return inputJsonSchema(type.ofType);
  if (isListType(type)) return { type: 'array', items: inputJsonSchema(type.ofType), maxItems: 3 };
  if (isEnumType(type)) return { type: 'string', enum: type.getValues().map((v) => v.name) };
  if (isInputObjectType(type))
    return {
      type: 'object',
      properties: Object.fromEntries(
        Object.values(type.getFields()).map((f) => [f.name, inputJsonSchema(f.type)]),
      ),
      additionalProperties: false,
    };
  if (isScalarType(type))
    switch (type.name) {
      case 'Int':
        return { type: 'integer', minimum: 0, maximum: 200 };
      case 'Float':
        return { type: 'number', minimum: 0, maximum: 5 };
      case 'Boolean':
        return { type: 'boolean' };
      case 'ID':
        return { type: 'string', format: 'uuid' };
      case 'DateTime':
        return { type: 'string', format: 'date-time' };
      case 'JSON':
        return {};
      default:
        return { type: 'string', minLength: 1, maxLength: 60 };
    }
  return {};
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Whether a value can be written as a GraphQL literal (object keys must be GraphQL names). */
function inlineable(value: unknown): boolean {
  if (value instanceof RawBody || value instanceof RawUrl) return false;
  if (value instanceof Deep) return true;
  if (Array.isArray(value)) return value.every(inlineable);
  if (value !== null && typeof value === 'object' && !(value instanceof RawJson))
    return Object.entries(value).every(([k, v]) => GRAPHQL_NAME.test(k) && inlineable(v));
  return true;
}

/** A value as a GraphQL literal. */
function literal(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Deep) {
    const leaf = literal(value.leaf);
    return value.shape === 'object'
      ? `${'{a:'.repeat(value.depth)}${leaf}${'}'.repeat(value.depth)}`
      : `${'['.repeat(value.depth)}${leaf}${']'.repeat(value.depth)}`;
  }
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${literal(v)}`)
    .join(', ')}}`;
}

/** The fields a response selects from `type`: its scalars, and with `nested` its objects' `__typename`. */
function selection(type: GraphQLOutputType, nested: boolean, depth = 0): string {
  const named: GraphQLNamedType = getNamedType(type);
  if (!isObjectType(named)) return '';
  const parts = ['__typename'];
  for (const f of Object.values(named.getFields())) {
    const inner = getNamedType(f.type);
    if (!isObjectType(inner)) {
      if (!f.args.some((a) => isNonNullType(a.type))) parts.push(f.name);
      continue;
    }
    // Pages and payloads are one level of wrapping: always look inside them.
    const wrapper = /Page$|Payload$/.test(named.name) || depth === 0 ? true : nested;
    if (wrapper && depth < 2 && !f.args.some((a) => isNonNullType(a.type)))
      parts.push(`${f.name} { ${selection(f.type, nested, depth + 1)} }`);
  }
  return parts.join(' ');
}

let graphqlSchema: ReturnType<typeof buildSchema> | null = null;

/** The `/graphql` request body of a case, as text. */
export function graphqlBody(c: GraphqlCase): string {
  if (c.document !== null)
    return toJsonText({
      query: c.document,
      ...(c.variables === undefined ? {} : { variables: c.variables }),
    });
  graphqlSchema ??= buildSchema(typeDefs);
  const root = c.operation === 'query' ? graphqlSchema.getQueryType()! : graphqlSchema.getMutationType()!;
  const field = root.getFields()[c.field]!;
  const variables = c.args.filter((a) => !a.inline);
  const declared = variables.length ? `(${variables.map((a) => `$${a.name}: ${a.type}`).join(', ')})` : '';
  const args = c.args.length
    ? `(${c.args.map((a) => `${a.name}: ${a.inline ? literal(a.value) : `$${a.name}`}`).join(', ')})`
    : '';
  const select = selection(field.type, c.nested);
  const query = `${c.operation} Fuzz${declared} { ${c.field}${args}${select ? ` { ${select} }` : ''} }`;
  return toJsonText({
    query,
    ...(variables.length ? { variables: Object.fromEntries(variables.map((a) => [a.name, a.value])) } : {}),
  });
}

/** Documents that stress the parser and the limits rather than a resolver. */
const hostileDocument: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(5_000, 6_500, 9_000).map((n) => `${'{'.repeat(n)}${'}'.repeat(n)}`),
  fc.constantFrom(3_000, 6_000).map((n) => `{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`),
  fc
    .constantFrom(3_000, 9_000)
    .map((n) => `{ pods(after: ${'['.repeat(n)}"x"${']'.repeat(n)}) { nextCursor } }`),
  fc
    .constantFrom(2_000, 4_000)
    .map(
      (n) =>
        `mutation { submitEvidence(id: "x", evidence: ${'{a: '.repeat(n)}1${'}'.repeat(n)}) { __typename } }`,
    ),
  fc.constant(`{ ${Array.from({ length: 400 }, (_, i) => `a${i}: pods { items { id } }`).join(' ')} }`),
  fc.constant('fragment A on Query { ...A } { ...A }'),
  fc.constant(
    '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }',
  ),
  fc.constant('{ pods(first: 1e400) { nextCursor } }'),
  fc.constant('{ pods(first: 9007199254740993) { nextCursor } }'),
  fc.constant('query ($e: JSON!) { __typename }'),
  fc.constant('{ auditEvents(from: "0000-01-01T00:00:00Z") { nextCursor } }'),
  fc.constant('{ pod(slug: "\\u0000") { id } }'),
  fc.constant('{ pod(slug: "\\ud800") { id } }'),
  fc.constant('query { pods { nextCursor } } query { pods { nextCursor } }'),
  fc.constant(`{ ${'__typename '.repeat(25_000)} }`),
  fc.constant('\u0000'),
  fc.constant(''),
  // Not documents at all: JSON values and a bare number (a client that sent the wrong field).
  fc.constantFrom('1', '-1', 'true', 'null', '[1]', '"x"', '{}'),
  oddString,
);

/** Where a case goes and what it carries, as `app.inject` takes it. */
export function toInject(c: FuzzCase, world: World, requestId: string): InjectOptions {
  const token = world.tokens[c.caller];
  const headers: Record<string, string> = {
    ...(token === null ? {} : { authorization: `Bearer ${token}` }),
  };
  if (c.kind === 'graphql') {
    if (c.contentType !== null) headers['content-type'] = c.contentType;
    headers['x-request-id'] = requestId;
    return { method: 'POST', url: '/graphql', headers, payload: graphqlBody(c) };
  }
  const def = routes[c.route] as RouteDefinition;
  const path = def.path.replace(/:(\w+)/g, (_, name: string) => encodeUrlPart(c.params[name] ?? ''));
  const query = c.query.map(([k, v]) => `${encodeUrlPart(k)}=${encodeUrlPart(v)}`).join('&');
  headers['x-request-id'] = c.requestId ?? requestId;
  if (c.body !== undefined && c.contentType !== null) headers['content-type'] = c.contentType;
  return {
    method: c.method as 'GET',
    url: query ? `${path}?${query}` : path,
    headers,
    ...(c.body === undefined ? {} : { payload: toJsonText(c.body) }),
  };
}
