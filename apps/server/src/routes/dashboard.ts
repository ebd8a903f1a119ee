import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function dashboardRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.getDashboardOverview, async (req) =>
    toJson(await services.dashboard.overview(ctxOf(req))),
  );
  route(app, routes.getDashboardFunnel, async (req) => services.dashboard.funnel(ctxOf(req)));
  route(app, routes.getDashboardWip, async (req) => services.dashboard.wip(ctxOf(req)));
  route(app, routes.getDashboardPods, async (req) => services.dashboard.pods(ctxOf(req)));
  route(app, routes.getDashboardIdeas, async (req) => toJson(await services.dashboard.ideas(ctxOf(req))));
  route(app, routes.getDashboardGates, async (req) =>
    toJson(await services.dashboard.gates(ctxOf(req), req.query)),
  );
}
