import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

const date = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso));

export function deploymentRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.startDeployment, async (req) =>
    toJson(await services.deployments.start(ctxOf(req), req.body)),
  );

  route(app, routes.reportDeploymentStep, async (req) => {
    const { startedAt, finishedAt, ...report } = req.body;
    return toJson(
      await services.deployments.reportStep(ctxOf(req), req.params.id, {
        ...report,
        startedAt: date(startedAt),
        finishedAt: date(finishedAt),
      }),
    );
  });

  route(app, routes.listDeployments, async (req) => {
    const { limit, cursor, ...filter } = req.query;
    return toJson(await services.deployments.list(ctxOf(req), filter, { limit, cursor }));
  });

  route(app, routes.getDeployment, async (req) =>
    toJson(await services.deployments.get(ctxOf(req), req.params.id)),
  );

  route(app, routes.getDeploymentStats, async (req) =>
    services.deployments.stats(
      ctxOf(req),
      req.params.slug,
      req.query.days ?? services.policy.alerts.deploymentWindowDays,
    ),
  );
}
