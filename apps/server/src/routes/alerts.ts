import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function alertRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.listAlerts, async (req) => {
    const { limit, cursor, snoozed, ...filter } = req.query;
    const snoozedFilter = snoozed === undefined ? undefined : snoozed === 'true';
    return toJson(
      await services.alerts.list(ctxOf(req), { ...filter, snoozed: snoozedFilter }, { limit, cursor }),
    );
  });
  route(app, routes.acknowledgeAlert, async (req) =>
    toJson(await services.alerts.acknowledge(ctxOf(req), req.params.id)),
  );
  route(app, routes.snoozeAlert, async (req) =>
    toJson(await services.alerts.snooze(ctxOf(req), req.params.id, new Date(req.body.until))),
  );
}
