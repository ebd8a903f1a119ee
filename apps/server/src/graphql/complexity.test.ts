import { buildSchema, getIntrospectionQuery, parse } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import {
  ASSUMED_LIST_SIZE,
  checkLimits,
  checkShape,
  graphqlTextDepth,
  MAX_INTROSPECTION_FIELDS,
  measureQuery,
} from './complexity.ts';
import { typeDefs } from './schema.ts';

const schema = buildSchema(typeDefs);
const measure = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  measureQuery(schema, parse(query), operationName, variables);

describe('measureQuery', () => {
  it('counts one per field, and the items of a page once per `first`', () => {
    expect(measure('{ pods(first: 10) { items { id slug } nextCursor } }')).toEqual({
      depth: 3,
      // pods + (items + 10 × (id + slug)) + nextCursor
      cost: 1 + (1 + 10 * 2) + 1,
    });
  });

  it("uses an argument's default and a variable's value", () => {
    expect(measure('{ pods { items { id } } }').cost).toBe(1 + 1 + 50);
    expect(measure('query($n: Int) { pods(first: $n) { items { id } } }', { n: 3 }).cost).toBe(1 + 1 + 3);
    expect(measure('query($n: Int = 7) { pods(first: $n) { items { id } } }').cost).toBe(1 + 1 + 7);
  });

  it('multiplies nested lists, and costs a list without `first` at the assumed size', () => {
    const { cost } = measure('{ pods(first: 2) { items { members { email } } } }');
    expect(cost).toBe(1 + 1 + 2 * (1 + ASSUMED_LIST_SIZE * 1));
    const nested = measure('{ pods(first: 200) { items { projects(first: 200) { items { id } } } } }');
    expect(nested.cost).toBe(1 + 1 + 200 * (1 + 1 + 200));
  });

  it('follows fragments without adding depth, and ignores introspection fields', () => {
    const viaFragment = measure(
      'query { project(id: "x") { ...P } } fragment P on Project { idea { ... on Idea { id __typename } } }',
    );
    expect(viaFragment).toEqual({ depth: 3, cost: 3 });
    expect(measure(getIntrospectionQuery())).toEqual({ depth: 0, cost: 0 });
  });

  it('measures the named operation of several', () => {
    const doc = 'query A { pods(first: 1) { items { id } } } query B { idea(id: "x") { id title } }';
    expect(measure(doc, {}, 'B')).toEqual({ depth: 2, cost: 3 });
    expect(measure(doc, {})).toEqual({ depth: 0, cost: 0 });
  });
});

describe('checkLimits', () => {
  it('names what exceeds which limit', () => {
    expect(checkLimits({ depth: 8, cost: 1000 }, { maxDepth: 8, maxCost: 1000 })).toBeNull();
    const refused = checkLimits({ depth: 9, cost: 1001 }, { maxDepth: 8, maxCost: 1000 });
    expect(refused?.message).toContain('depth 9 exceeds the limit of 8');
    expect(refused?.message).toContain('estimated cost 1001 exceeds the limit of 1000');
    expect(refused?.details).toEqual({ depth: 9, cost: 1001, maxDepth: 8, maxCost: 1000 });
  });
});

describe('checkShape', () => {
  const LIMITS = { maxAliases: 3, maxFields: 10, maxMutations: 2 };
  const shape = (query: string) => checkShape(parse(query), LIMITS);

  it('counts fields, aliases, introspection and mutations with fragments expanded', () => {
    expect(shape('{ a: pods { items { ...P ...P } } } fragment P on Pod { id b: slug }').shapes).toEqual([
      { fields: 6, aliases: 3, introspection: 0, mutations: 0 },
    ]);
    expect(
      shape('mutation { ...M __typename } fragment M on Mutation { x: submitIdea(title: "1") { id } }')
        .shapes,
    ).toEqual([{ fields: 3, aliases: 1, introspection: 0, mutations: 1 }]);
    expect(shape('{ __schema { queryType { name } } }').shapes[0]).toMatchObject({ introspection: 1 });
  });

  it('checks every operation, names the refused one, and stops at the first limit passed', () => {
    const refused = shape(
      'query A { id: __typename } query B { a: __typename b: __typename c: __typename d: __typename e: __typename }',
    );
    expect(refused.refused?.message).toBe(
      'query is too complex: operation "B" is refused because it selects more than 3 fields under aliases; split it into smaller requests',
    );
    expect(refused.refused?.details).toEqual({
      fields: 4,
      aliases: 4,
      introspection: 0,
      mutations: 0,
      maxFields: 10,
      maxAliases: 3,
      maxIntrospection: MAX_INTROSPECTION_FIELDS,
      maxMutations: 2,
    });
    expect(
      shape(
        'mutation { a: submitIdea(title: "1") { id } b: submitIdea(title: "2") { id } c: submitIdea(title: "3") { id } }',
      ).refused?.message,
    ).toContain('more than 2 mutations');
  });

  it('ends on unknown fragments and cycles (validation reports them) and on expansions without end', () => {
    expect(shape('{ ...Nope ...A } fragment A on Query { ...A __typename }').refused).toBeNull();
    const doubling = Array.from(
      { length: 60 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    const huge = shape(`{ ...F0 } ${doubling.join(' ')} fragment F60 on Query { __typename }`);
    // Forty spreads deep before the first field: the walk's own cap (4 × the field limit) ends it.
    expect(huge.refused?.message).toContain('it expands to more than 40 selections');
    expect(huge.refused?.details.fields).toBe(0);
  });
});

describe('graphqlTextDepth', () => {
  it('counts braces, brackets and parentheses outside strings, block strings and comments', () => {
    expect(graphqlTextDepth('{ a { b(x: [1, {c: 2}]) } }', 64)).toBe(5);
    expect(graphqlTextDepth('{ a(s: "{{{[[[(((\\"{{") }', 64)).toBe(2);
    expect(graphqlTextDepth('{ a(s: """ {{{ "{" \\""" {{ """) }', 64)).toBe(2);
    expect(graphqlTextDepth('# {{{{{{\n{ a }', 64)).toBe(1);
  });

  it('stops as soon as the limit is passed, however deep the text goes', () => {
    expect(graphqlTextDepth(`${'{ a '.repeat(100_000)}`, 128)).toBe(129);
  });
});
