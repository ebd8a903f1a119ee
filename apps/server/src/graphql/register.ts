import type { Services } from '@clos/core';
import type { FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import { z } from 'zod';
import { ctxOf, typed } from '../http/context.ts';
import { checkLimits, DEFAULT_QUERY_LIMITS, measureQuery, type QueryLimits } from './complexity.ts';
import { formatError, GraphqlFailure } from './errors.ts';
import { createResolvers, type GraphqlContext } from './resolvers.ts';
import { typeDefs } from './schema.ts';

export interface GraphqlOptions {
  services: Services;
  /** Depth and cost limits; each defaults to {@link DEFAULT_QUERY_LIMITS}. */
  limits?: Partial<QueryLimits> | undefined;
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
    graphql: { parseOptions: { maxTokens: 20_000 } },
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

  // After validation, before execution: the variables are known, so `first: $n` is costed at its value.
  app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    const { operationName } = context as unknown as GraphqlContext;
    const refused = checkLimits(measureQuery(schema, document, operationName, variables), limits);
    if (refused) throw new GraphqlFailure('query_too_complex', refused.message, refused.details);
  });

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
      };
      try {
        return await reply.graphql(query, context, variables ?? {}, operationName ?? undefined);
      } catch (error) {
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
    },
  });
}
