import { findInputProblems, jsonTextDepth, MAX_INPUT_DEPTH, type Services } from '@clos/core';
import type { MountedRoute } from '@clos/integrations';
import type { Runtime } from '@clos/workflows';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, sendError } from './errors.ts';

/**
 * The bytes of a request body, as received. The bytes sit in a private field so that hooks walking
 * the body (the input guard's check of every string) see an empty object, not a million numbered keys.
 */
class RawBody {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  get bytes(): Buffer {
    return this.#bytes;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalidBody(message: string): HttpError {
  return new HttpError(400, 'invalid_request', `body: ${message}`, [{ path: 'body', message }]);
}

/**
 * Mounts the inbound routes of the configured integrations (a GitHub, Slack or Linear webhook) in a
 * context of their own, where no content-type parser runs: the body arrives as bytes, the route's
 * `verify` checks them (a refusal is `401 unauthorized`, and nothing is parsed), then the body is
 * parsed (JSON by default, with the API's limits) and handed to the route's handler. The routes are
 * public (the signature is the credential) and draw on the `webhook` rate-limit budget. A route of an
 * integration that is not configured is not mounted: it answers 404 like any unknown path.
 */
export async function registerInboundRoutes(
  app: FastifyInstance,
  options: {
    routes: readonly MountedRoute[];
    services: Services;
    /** The job runner's `acceptDelivery`; absent in a process without one (then deliveries are 503). */
    acceptDelivery?: Runtime['acceptDelivery'] | undefined;
  },
): Promise<void> {
  if (options.routes.length === 0) return;
  await app.register(async (scope) => {
    const parseJsonText = scope.getDefaultJsonParser('error', 'error');
    const readJson = (request: FastifyRequest, bytes: Buffer): unknown => {
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        throw invalidBody('is not valid UTF-8');
      }
      if (jsonTextDepth(text, MAX_INPUT_DEPTH) > MAX_INPUT_DEPTH)
        throw invalidBody(`nests deeper than ${MAX_INPUT_DEPTH} levels of objects and arrays`);
      let parsed: unknown;
      let failed = false;
      // Fastify's own JSON parser (prototype-poisoning protection), called synchronously.
      parseJsonText(request, text, (error, value) => {
        failed = error !== null;
        parsed = value;
      });
      if (failed) throw invalidBody(text.length === 0 ? 'is empty; send JSON' : 'is not valid JSON');
      return parsed;
    };

    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
      done(null, new RawBody(body as Buffer));
    });

    for (const { integration, url, route } of options.routes)
      scope.route({
        method: route.method,
        url,
        ...(route.bodyLimit ? { bodyLimit: route.bodyLimit } : {}),
        config: { permission: 'public', rateLimit: 'webhook' },
        schema: { hide: true },
        async handler(request: FastifyRequest, reply: FastifyReply) {
          const bytes = request.body instanceof RawBody ? request.body.bytes : Buffer.alloc(0);
          const verdict = await route.verify(bytes, request.headers);
          if (!verdict.ok) {
            request.log.info({ integration, reason: verdict.reason }, 'inbound webhook refused');
            return sendError(reply, request, 401, 'unauthorized', verdict.reason);
          }
          let body: unknown;
          if (route.parse)
            try {
              body = route.parse(bytes, request.headers);
            } catch (error) {
              throw error instanceof HttpError
                ? error
                : invalidBody(error instanceof Error ? error.message : String(error));
            }
          else body = readJson(request, bytes);
          // The same rule as every other body: no string PostgreSQL or UTF-8 cannot store.
          const problems = findInputProblems(body, 'body');
          if (problems.length)
            throw new HttpError(
              400,
              'invalid_request',
              problems.map((p) => `${p.path}: ${p.message}`).join('; '),
              problems,
            );
          const answer = await route.handle(body, {
            services: options.services,
            headers: request.headers,
            requestId: String(request.id),
            logger: request.log,
            acceptDelivery: (delivery, job) => {
              if (!options.acceptDelivery)
                throw new HttpError(
                  503,
                  'service_unavailable',
                  'this process runs no job runner to take deliveries',
                );
              return options.acceptDelivery(integration, delivery, job);
            },
          });
          reply.code(answer.status);
          return answer.body === undefined ? reply.send() : reply.send(answer.body);
        },
      });
  });
}
