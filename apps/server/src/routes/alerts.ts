import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function alertRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.listAlerts, async (req) => {
    const { limit, cursor, ...filter } = req.query;
    return toJson(await services.alerts.list(ctxOf(req), filter, { limit, cursor }));
  });
}
