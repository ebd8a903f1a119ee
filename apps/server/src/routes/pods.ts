import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function podRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.registerPod, async (req) => toJson(await services.pods.register(ctxOf(req), req.body)));

  route(app, routes.listPods, async (req) => toJson(await services.pods.list(ctxOf(req), req.query)));

  route(app, routes.getPod, async (req) => toJson(await services.pods.get(ctxOf(req), req.params.slug)));

  route(app, routes.getPodStatus, async (req) =>
    toJson(await services.pods.getStatus(ctxOf(req), req.params.slug)),
  );

  route(app, routes.listPodMembers, async (req) => ({
    items: toJson(await services.pods.members(ctxOf(req), req.params.slug, req.query.history === 'true')),
  }));

  route(app, routes.addPodMember, async (req) =>
    toJson(await services.pods.addMember(ctxOf(req), req.params.slug, req.body)),
  );

  route(app, routes.recordPodHealth, async (req) =>
    toJson(await services.pods.updateHealth(ctxOf(req), req.params.slug, req.body.metrics)),
  );

  route(app, routes.listPodHealth, async (req) => ({
    items: toJson(await services.pods.healthHistory(ctxOf(req), req.params.slug, req.query.limit)),
  }));

  route(app, routes.rotatePodMember, async (req) =>
    toJson(await services.pods.rotate(ctxOf(req), req.params.slug, req.body)),
  );
}
