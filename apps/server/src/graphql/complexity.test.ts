import { buildSchema, getIntrospectionQuery, parse } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { ASSUMED_LIST_SIZE, checkLimits, measureQuery } from './complexity.ts';
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
