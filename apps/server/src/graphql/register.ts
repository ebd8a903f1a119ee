import type { Services } from '@clos/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type DocumentNode, GraphQLError, Kind, parse } from 'graphql/index.js';
import mercurius from 'mercurius';
import { z } from 'zod';
import { ctxOf, typed } from '../http/context.ts';
import { type RateLimitRefusal, sendRateLimited } from '../http/rate-limit.ts';
import {
  checkLimits,
  checkShape,
  DEFAULT_QUERY_LIMITS,
  graphqlTextDepth,
  measureQuery,
  type QueryLimits,
  type QueryShape,
  selectedOperation,
} from './complexity.ts';
import { formatError, GraphqlFailure } from './errors.ts';
import { createResolvers, type GraphqlContext } from './resolvers.ts';
import { jsonSizeWithin } from './response-size.ts';
import { typeDefs } from './schema.ts';

export interface GraphqlOptions {
  services: Services;
  /** Query limits; each defaults to {@link DEFAULT_QUERY_LIMITS}. */
  limits?: Partial<QueryLimits> | undefined;
}

/** Thrown before execution when the request's mutations do not fit the token's rate-limit budget. */
class MutationsRateLimited extends Error {
  constructor(readonly refusal: RateLimitRefusal) {
    super('rate limited');
  }
}

/** Longest query accepted, in GraphQL tokens; parsing stops there. */
const MAX_TOKENS = 20_000;

/**
 * Deepest nesting of braces, brackets and parentheses in a query's text: far above any query the
 * depth limit admits (selections) and the input limit admits (argument values, 64), far below what
 * overflows graphql-js's recursive parser.
 */
const MAX_TEXT_DEPTH = 128;

/**
 * mercurius, given a query that is not GraphQL, tries it as a JSON-encoded syntax tree. That would let
 * a caller hand graphql-js a tree of any shape, past the token limit: only GraphQL text is accepted
 * here. Texts known to parse are remembered (a bounded set: clients repeat a handful of queries), so
 * a query is parsed here once, not on every request.
 */
function syntaxErrorOf(parsedOk: Set<string>, query: string): GraphQLError | GraphqlFailure | null {
  if (parsedOk.has(query)) return null;
  if (graphqlTextDepth(query, MAX_TEXT_DEPTH) > MAX_TEXT_DEPTH)
    return new GraphqlFailure(
      'query_too_complex',
      `query: nests braces, brackets or parentheses deeper than ${MAX_TEXT_DEPTH} levels`,
      { maxTextDepth: MAX_TEXT_DEPTH },
    );
  try {
    parse(query, { maxTokens: MAX_TOKENS });
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  if (parsedOk.size >= 1000) parsedOk.clear();
  parsedOk.add(query);
  return null;
}

const graphqlRequestBody = z.strictObject({
  query: z.string().min(1, 'must not be empty').max(100_000, 'must be at most 100000 characters'),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().max(200).nullish(),
  // Sent by some clients (persisted-query hashes); accepted and ignored.
  extensions: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * `POST /graphql`: mercurius executes the schema, this route owns the HTTP side, so `/graphql` is
 * authenticated, role-checked (`read`), rate-limited and validated like every REST route. Mutations
 * are checked again, field by field, by the permission each declares and by the use cases.
 */
export async function registerGraphql(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: createResolvers(options.services) as unknown as mercurius.IResolvers,
    routes: false,
    graphiql: false,
    // A query of more tokens than this is refused while parsing, before it costs more.
    graphql: { parseOptions: { maxTokens: MAX_TOKENS } },
    errorFormatter: (execution, context) => {
      const log = context.reply?.log ?? context.app.log;
      return {
        statusCode: 200,
        response: {
          data: execution.data ?? null,
          errors: execution.errors.map((e) => formatError(e, log, 'execution')),
        },
      };
    },
  });

  // What each parsed document selects; mercurius reuses the document object of a cached query, so the
  // walk runs once per distinct query text.
  const shapes = new WeakMap<DocumentNode, QueryShape[]>();
  const shapeOf = (document: DocumentNode) => {
    let known = shapes.get(document);
    if (!known) {
      const checked = checkShape(document, limits);
      if (checked.refused)
        throw new GraphqlFailure('query_too_complex', checked.refused.message, checked.refused.details);
      known = checked.shapes;
      shapes.set(document, known);
    }
    return known;
  };

  // After parsing, before validation: aliases, fields, introspection and mutations are counted from the
  // document alone, so a query built to multiply work is refused before graphql-js spends time on it.
  app.graphql.addHook('preValidation', async (_schema, document) => {
    shapeOf(document);
  });

  // After validation, before execution: the variables are known, so `first: $n` is costed at its value.
  app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    const graphqlContext = context as unknown as GraphqlContext & { reply: FastifyReply };
    const { operationName, reply } = graphqlContext;
    const refused = checkLimits(measureQuery(schema, document, operationName, variables), limits);
    if (refused) throw new GraphqlFailure('query_too_complex', refused.message, refused.details);
    // Each mutation is a write like a REST call: the request counted once already, its others now.
    const operation = selectedOperation(document, operationName);
    if (!operation) return;
    graphqlContext.operationType = operation.operation;
    const index = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).indexOf(operation);
    const mutations = shapeOf(document)[index]?.mutations ?? 0;
    if (mutations > 1) {
      const refusal = reply.request.chargeRateLimit(mutations - 1);
      if (refusal) throw new MutationsRateLimited({ ...refusal, units: mutations });
    }
  });

  const parsedOk = new Set<string>();
  typed(app).post('/graphql', {
    config: { permission: 'read' },
    schema: {
      tags: ['graphql'],
      summary: 'Run a GraphQL query or mutation (see docs/graphql.md)',
      body: graphqlRequestBody,
    },
    handler: async (request, reply) => {
      const { query, variables, operationName } = request.body;
      const context: GraphqlContext = {
        ctx: ctxOf(request),
        memo: new Map(),
        operationName: operationName ?? null,
        operationType: null,
      };
      const syntaxError = syntaxErrorOf(parsedOk, query);
      if (syntaxError) {
        const reported =
          syntaxError instanceof GraphqlFailure
            ? { message: syntaxError.message, originalError: syntaxError }
            : syntaxError;
        return reply.code(400).send({ errors: [formatError(reported, request.log, 'request')] });
      }
      let result: unknown;
      try {
        result = await reply.graphql(query, context, variables ?? {}, operationName ?? undefined);
      } catch (error) {
        if (error instanceof MutationsRateLimited) return sendRateLimited(reply, request, error.refusal);
        // Refused before execution (syntax, validation, variables, limits): no `data`, status 400.
        const reported = (error as { errors?: unknown }).errors;
        const errors = Array.isArray(reported)
          ? reported.map((e) => formatError(e, request.log, 'request'))
          : error instanceof GraphqlFailure
            ? [formatError({ message: error.message, originalError: error }, request.log, 'request')]
            : null;
        if (!errors) throw error;
        return reply.code(400).send({ errors });
      }
      // The last line, for what the estimates let through: a result is measured (not serialised) and
      // refused once it passes the limit, rather than sent whatever its size.
      if (jsonSizeWithin(result, limits.maxResponseBytes) === null) {
        request.log.warn(
          { maxResponseBytes: limits.maxResponseBytes },
          'GraphQL response over the size limit',
        );
        return reply.code(200).send({
          data: null,
          errors: [
            {
              message: `the response is larger than the limit of ${limits.maxResponseBytes} bytes and was not sent; ask for fewer fields or smaller pages (first)${
                context.operationType === 'mutation' ? '; the mutations ran and their changes are kept' : ''
              }`,
              extensions: {
                code: 'query_too_complex',
                details: { maxResponseBytes: limits.maxResponseBytes },
              },
            },
          ],
        });
      }
      return result;
    },
  });
}
