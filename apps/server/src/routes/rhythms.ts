import { routes } from '@clos/contract';
import { NotFoundError } from '@clos/core';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function rhythmRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.recordCommitment, async (req) =>
    toJson(await services.rhythms.recordCommitment(ctxOf(req), req.params.slug, req.body)),
  );
  route(app, routes.listCommitments, async (req) =>
    toJson(await services.rhythms.listCommitments(ctxOf(req), req.params.slug, req.query.day)),
  );
  route(app, routes.updateCommitment, async (req) =>
    toJson(await services.rhythms.updateCommitment(ctxOf(req), req.params.id, req.body)),
  );
  route(app, routes.getRhythmToday, async (req) =>
    toJson(await services.rhythms.today(ctxOf(req), req.params.slug)),
  );

  route(app, routes.listDemos, async (req) => {
    const { limit, cursor } = req.query;
    return toJson(await services.demos.list(ctxOf(req), req.params.slug, { limit, cursor }));
  });
  route(app, routes.getCurrentDemo, async (req) => {
    const demo = await services.demos.current(ctxOf(req), req.params.slug);
    if (!demo) throw new NotFoundError('weekly demo of this week for pod', req.params.slug);
    return toJson(demo);
  });
  route(app, routes.getDemo, async (req) => toJson(await services.demos.get(ctxOf(req), req.params.id)));
  route(app, routes.submitDemo, async (req) =>
    toJson(await services.demos.submit(ctxOf(req), req.params.slug, req.body)),
  );
  route(app, routes.recordDemoFeedback, async (req) =>
    toJson(await services.demos.feedback(ctxOf(req), req.params.id, req.body)),
  );
  route(app, routes.recordDemoPulse, async (req) =>
    toJson(await services.demos.pulse(ctxOf(req), req.params.id, req.body)),
  );
}
