import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function attentionRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.getDashboardAttention, async (req) =>
    toJson(await services.attention.overview(ctxOf(req))),
  );
}
