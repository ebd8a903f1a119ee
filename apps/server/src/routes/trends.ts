import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function trendsRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.getDashboardTrends, async (req) =>
    toJson(await services.trends.trends(ctxOf(req), { weeks: req.query.weeks })),
  );
}
