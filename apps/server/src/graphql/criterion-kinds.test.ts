import { CRITERION_KINDS } from '@clos/core';
import { buildSchema, type GraphQLObjectType, getNamedType, isNonNullType } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { typeDefs } from './schema.ts';

describe('GateCriterion.kind', () => {
  const field = (buildSchema(typeDefs).getType('GateCriterion') as GraphQLObjectType).getFields().kind!;

  it("lists the registry's kinds, in its order, in its description", () => {
    const listed = /^(.+) or ([a-z_]+)\.$/.exec(field.description ?? '');
    expect(listed).not.toBeNull();
    expect([...listed![1]!.split(', '), listed![2]]).toEqual([...CRITERION_KINDS]);
  });

  it('stays a String!, as clients have always introspected it', () => {
    expect(isNonNullType(field.type)).toBe(true);
    expect(getNamedType(field.type).name).toBe('String');
  });
});
