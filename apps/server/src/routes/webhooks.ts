import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function webhookRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.createWebhook, async (req) =>
    toJson(await services.webhooks.create(ctxOf(req), req.body)),
  );
  route(app, routes.listWebhooks, async (req) => toJson(await services.webhooks.list(ctxOf(req), req.query)));
  route(app, routes.getWebhook, async (req) =>
    toJson(await services.webhooks.get(ctxOf(req), req.params.id)),
  );
  route(app, routes.disableWebhook, async (req) =>
    toJson(await services.webhooks.disable(ctxOf(req), req.params.id)),
  );
  route(app, routes.listWebhookDeliveries, async (req) =>
    toJson(await services.webhooks.deliveries(ctxOf(req), req.params.id, req.query)),
  );
}
