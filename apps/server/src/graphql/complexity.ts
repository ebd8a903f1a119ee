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
  /** Most aliased fields in one operation, counted after expanding fragments. */
  maxAliases: number;
  /** Most field selections in one operation, counted after expanding fragments. */
  maxFields: number;
  /** Most mutations (root fields of a `mutation`) in one request. */
  maxMutations: number;
  /** Largest response body sent, in bytes of JSON. */
  maxResponseBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 8,
  maxCost: 1000,
  maxAliases: 30,
  maxFields: 1000,
  maxMutations: 20,
  maxResponseBytes: 5 * 1024 * 1024,
};

/**
 * `__schema` and `__type` selections allowed per operation. Their answer is bounded by the schema (and
 * graphql-js's MaxIntrospectionDepthRule refuses `fields { type { fields … } }` recursion), so they are
 * left out of depth and cost; what is not bounded is how often one request repeats them under aliases.
 * One is what every client's introspection query needs.
 */
export const MAX_INTROSPECTION_FIELDS = 1;

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
  const operation = selectedOperation(document, operationName);
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
  limits: Pick<QueryLimits, 'maxDepth' | 'maxCost'>,
): { message: string; details: QueryComplexity & Pick<QueryLimits, 'maxDepth' | 'maxCost'> } | null {
  const problems: string[] = [];
  if (measured.depth > limits.maxDepth)
    problems.push(`depth ${measured.depth} exceeds the limit of ${limits.maxDepth}`);
  if (measured.cost > limits.maxCost)
    problems.push(`estimated cost ${measured.cost} exceeds the limit of ${limits.maxCost}`);
  if (!problems.length) return null;
  return {
    message: `query is too complex: ${problems.join('; ')}; ask for fewer levels or smaller pages (first)`,
    details: { ...measured, maxDepth: limits.maxDepth, maxCost: limits.maxCost },
  };
}

/** What an operation selects once its fragments are expanded (a fragment spread 10 times counts 10 times). */
export interface QueryShape {
  /** Field selections, `__typename` and introspection fields included. */
  fields: number;
  /** Fields selected under an alias. */
  aliases: number;
  /** `__schema` and `__type` selections. */
  introspection: number;
  /** Root fields of a `mutation` operation (0 for queries). */
  mutations: number;
}

type ShapeLimits = Pick<QueryLimits, 'maxAliases' | 'maxFields' | 'maxMutations'>;

export interface ShapeRefusal {
  message: string;
  /** The counts when the walk stopped at the first limit exceeded, beside every limit. */
  details: QueryShape & ShapeLimits & { maxIntrospection: number };
}

/**
 * Counts, for every operation of the document, the fields, aliases, introspection fields and mutations
 * it selects with its fragments expanded, and refuses the first operation over a limit. It needs no
 * schema and runs before validation, so a document built to be expensive (thousands of aliases, a
 * fragment spread thousands of times, fragments that double each other) is refused before graphql-js
 * validates it. The walk stops at the first limit exceeded, so its own work is bounded by the limits,
 * not by how far the document would expand. Every operation is checked, not only the one asked for:
 * mercurius caches a validated document by its text and skips this hook when it meets it again.
 */
export function checkShape(
  document: DocumentNode,
  limits: ShapeLimits,
): { shapes: QueryShape[]; refused: ShapeRefusal | null } {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  // Fragment spreads and inline fragments cost a step of this walk without selecting a field; a chain
  // of them spread many times must not make the walk itself expensive.
  const maxSteps = limits.maxFields * 4;
  const shapes: QueryShape[] = [];

  for (const operation of document.definitions) {
    if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
    const shape: QueryShape = { fields: 0, aliases: 0, introspection: 0, mutations: 0 };
    shapes.push(shape);
    let steps = 0;
    let exceeded: string | null = null;
    const isMutation = operation.operation === 'mutation';

    const walk = (selectionSet: SelectionSetNode, atRoot: boolean, visiting: Set<string>): void => {
      for (const selection of selectionSet.selections) {
        if (exceeded) return;
        if (++steps > maxSteps) {
          exceeded = `it expands to more than ${maxSteps} selections (fields, fragment spreads and inline fragments)`;
          return;
        }
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          if (++shape.fields > limits.maxFields)
            exceeded = `it selects more than ${limits.maxFields} fields once its fragments are expanded`;
          else if (selection.alias && ++shape.aliases > limits.maxAliases)
            exceeded = `it selects more than ${limits.maxAliases} fields under aliases`;
          else if (
            (name === '__schema' || name === '__type') &&
            ++shape.introspection > MAX_INTROSPECTION_FIELDS
          )
            exceeded = `it asks for introspection (__schema, __type) more than ${MAX_INTROSPECTION_FIELDS === 1 ? 'once' : `${MAX_INTROSPECTION_FIELDS} times`}`;
          else if (atRoot && isMutation && name !== '__typename' && ++shape.mutations > limits.maxMutations)
            exceeded = `it runs more than ${limits.maxMutations} mutations`;
          else if (selection.selectionSet) walk(selection.selectionSet, false, visiting);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          walk(selection.selectionSet, atRoot, visiting);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // Validation has not run yet: unknown fragments and cycles are its to report; skip them here.
          if (!fragment || visiting.has(name)) continue;
          visiting.add(name);
          walk(fragment.selectionSet, atRoot, visiting);
          visiting.delete(name);
        }
      }
    };
    walk(operation.selectionSet, true, new Set());

    if (exceeded) {
      const which = operation.name ? `operation "${operation.name.value}"` : 'the operation';
      return {
        shapes,
        refused: {
          message: `query is too complex: ${which} is refused because ${exceeded}; split it into smaller requests`,
          details: {
            ...shape,
            maxFields: limits.maxFields,
            maxAliases: limits.maxAliases,
            maxIntrospection: MAX_INTROSPECTION_FIELDS,
            maxMutations: limits.maxMutations,
          },
        },
      };
    }
  }
  return { shapes, refused: null };
}

/** The operation a request runs: the named one, or the only one. */
export function selectedOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
}

/**
 * How deep `{`, `[` and `(` nest in a GraphQL text, outside strings, block strings and comments,
 * counted without parsing and stopping once past `max`. graphql-js parses recursively: a query (or an
 * inline argument value) nested thousands of levels deep overflows the stack before any limit of the
 * parser applies, so the depth is bounded on the text first.
 */
export function graphqlTextDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) {
        // Block string: ends at the next unescaped `"""`.
        i += 3;
        while (i < text.length && !text.startsWith('"""', i)) i += text.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === '}' || c === ']' || c === ')') depth--;
  }
  return deepest;
}
