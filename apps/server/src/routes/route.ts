import { type RouteDefinition, type RoutePart, type RouteResponse, routes } from '@clos/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';

/**
 * A route that takes no body still refuses one with fields, as routes with a body refuse unknown
 * fields: a client sending evidence to `advance` must learn that nothing reads it.
 */
const noBody = z
  .strictObject({})
  .nullish()
  .meta({ description: 'no body; an empty object is accepted, any field is refused' });

/** A request whose params, query and body are the parsed outputs of the route's schemas. */
export type RouteRequest<R extends RouteDefinition> = FastifyRequest<{
  Params: RoutePart<R, 'params'>;
  Querystring: RoutePart<R, 'query'>;
  Body: RoutePart<R, 'body'>;
}>;

/**
 * Returns the success body, sent with the route's first 2xx status; or the reply itself when the
 * handler chose the status or sent an error (`reply.code(200).send(…)`, `sendFailure(…)`).
 */
export type RouteHandler<R extends RouteDefinition> = (
  request: RouteRequest<R>,
  reply: FastifyReply,
) => Promise<RouteResponse<R> | FastifyReply>;

/**
 * Registers one route of the contract's table: method, URL, schemas, documentation and permission
 * all come from `definition`, so the server cannot drift from what the client and OpenAPI expect.
 */
export function route<R extends RouteDefinition>(
  app: FastifyInstance,
  definition: R,
  handler: RouteHandler<R>,
): void {
  const status = successStatus(definition);
  const schema: FastifySchema & { operationId?: string } = {
    ...(operationIds.has(definition) ? { operationId: operationIds.get(definition) } : {}),
    tags: [...definition.tags],
    summary: definition.summary,
    response: responseSchemas(definition),
    ...(definition.params ? { params: definition.params } : {}),
    ...(definition.query ? { querystring: definition.query } : {}),
    ...(definition.body ? { body: definition.body } : definition.method !== 'GET' ? { body: noBody } : {}),
    ...(definition.permission === 'public' ? { security: [] } : {}),
  };
  app.route({
    method: definition.method,
    url: definition.path,
    config: { permission: definition.permission },
    schema,
    handler: async (request, reply) => {
      const result = await handler(request as RouteRequest<R>, reply);
      // A handler that answered itself (an error via sendFailure, a chosen status) is done.
      if (result === reply || reply.sent) return reply;
      return reply.code(status).send(result);
    },
  });
}

// The table's key names the operation in OpenAPI, as it names the client's method.
const operationIds = new Map<RouteDefinition, string>(
  Object.entries(routes).map(([key, definition]) => [definition, key]),
);

// A success in another format (an event stream) is documented under its media type; errors stay JSON.
function responseSchemas(definition: RouteDefinition) {
  const { produces } = definition;
  if (!produces) return definition.responses;
  return Object.fromEntries(
    Object.entries(definition.responses).map(([code, schema]) => [
      code,
      Number(code) < 300 ? { content: { [produces]: { schema } } } : schema,
    ]),
  );
}

function successStatus(definition: RouteDefinition): number {
  const codes = Object.keys(definition.responses)
    .map(Number)
    .filter((code) => code >= 200 && code < 300)
    .sort((a, b) => a - b);
  if (!codes.length)
    throw new Error(`route ${definition.method} ${definition.path} declares no 2xx response`);
  return codes[0]!;
}
