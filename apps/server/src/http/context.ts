import type { Ctx, Services } from '@clos/core';
import type { Database } from '@clos/db';
import type { Runtime } from '@clos/workflows';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

export function ctxOf(request: FastifyRequest): Ctx {
  if (!request.actor) throw new Error('ctxOf called on a public route');
  return { actor: request.actor, requestId: String(request.id) };
}

export type App = ReturnType<FastifyInstance['withTypeProvider']> & FastifyInstance;

export interface RouteDeps {
  services: Services;
  database?: Database;
  /** The job runner (event relay, queues, workflows); absent in plain API tests. */
  runtime?: Runtime | undefined;
}

export function typed(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}
