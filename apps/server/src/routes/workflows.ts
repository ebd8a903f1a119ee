import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function workflowRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.listWorkflowRuns, async (req) => {
    const { limit, cursor, ...filter } = req.query;
    return toJson(await services.workflows.listRuns(ctxOf(req), filter, { limit, cursor }));
  });
  route(app, routes.getWorkflowRun, async (req) =>
    toJson(await services.workflows.getRun(ctxOf(req), req.params.id)),
  );
}
