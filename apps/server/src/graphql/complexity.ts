// `graphql/index.js`, not `graphql`: the package has no `exports` map, so a bundler-style resolver
// (Vitest) would load its ESM build while mercurius `require`s the CommonJS one, and graphql-js refuses
// schema objects from "another module or realm". The explicit file is the same module everywhere.
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql/index.js';

export interface QueryLimits {
  /** Deepest nesting of fields allowed (`{ pods { items { id } } }` is 3). */
  maxDepth: number;
  /** Largest estimated number of fields resolved. */
  maxCost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 8, maxCost: 1000 };

/** A list field without a `first` argument (members, stage history, criteria) is costed at this size. */
export const ASSUMED_LIST_SIZE = 5;

export interface QueryComplexity {
  depth: number;
  cost: number;
}

/**
 * Depth and estimated cost of the operation that would run, computed from the validated document and
 * the request's variables before anything executes. Every field costs 1 each time it would resolve: a
 * list field multiplies what is selected inside it by its `first` argument (or, for the `items` of a
 * page, by the `first` of the field that returned the page), and by {@link ASSUMED_LIST_SIZE} without
 * one. Introspection fields (`__schema`, `__type`, `__typename`) are free and add no depth: their
 * answer is bounded by the schema, and clients need them whole.
 */
export function measureQuery(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): QueryComplexity {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return { depth: 0, cost: 0 };
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  const values = coerced.coerced ?? {};

  function walk(
    selectionSet: SelectionSetNode,
    parent: GraphQLNamedType,
    pageSize: number | undefined,
    visiting: Set<string>,
  ): QueryComplexity {
    let depth = 0;
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        if (!field) {
          depth = Math.max(depth, 1);
          cost += 1;
          continue;
        }
        const args = argumentsOf(field, selection, values);
        const first = typeof args.first === 'number' ? args.first : undefined;
        const isList = isListType(getNullableType(field.type));
        const multiplier = isList ? (first ?? pageSize ?? ASSUMED_LIST_SIZE) : 1;
        const inner = selection.selectionSet
          ? walk(selection.selectionSet, getNamedType(field.type), isList ? undefined : first, visiting)
          : { depth: 0, cost: 0 };
        depth = Math.max(depth, 1 + inner.depth);
        cost += 1 + multiplier * inner.cost;
        continue;
      }
      let inner: QueryComplexity;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && schema.getType(selection.typeCondition.name.value);
        inner = walk(selection.selectionSet, condition ?? parent, pageSize, visiting);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Validation has already refused cycles; the guard only keeps this walk finite regardless.
        if (!fragment || visiting.has(name)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value);
        visiting.add(name);
        inner = walk(fragment.selectionSet, condition ?? parent, pageSize, visiting);
        visiting.delete(name);
      }
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
    return { depth, cost };
  }

  return walk(operation.selectionSet, root, undefined, new Set());
}

// Validation and variable coercion have passed when this runs, so this should not throw; if it does,
// the field is costed as though it had no arguments rather than failing the request here.
function argumentsOf(...args: Parameters<typeof getArgumentValues>): Record<string, unknown> {
  try {
    return getArgumentValues(...args);
  } catch {
    return {};
  }
}

/** What exceeds the limits, as a message and the details of a `query_too_complex` error; null if nothing. */
export function checkLimits(
  measured: QueryComplexity,
  limits: QueryLimits,
): { message: string; details: QueryComplexity & QueryLimits } | null {
  const problems: string[] = [];
  if (measured.depth > limits.maxDepth)
    problems.push(`depth ${measured.depth} exceeds the limit of ${limits.maxDepth}`);
  if (measured.cost > limits.maxCost)
    problems.push(`estimated cost ${measured.cost} exceeds the limit of ${limits.maxCost}`);
  if (!problems.length) return null;
  return {
    message: `query is too complex: ${problems.join('; ')}; ask for fewer levels or smaller pages (first)`,
    details: { ...measured, ...limits },
  };
}
