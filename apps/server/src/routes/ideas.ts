import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { sendFailure } from '../http/errors.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function ideaRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.submitIdea, async (req, reply) => {
    const result = await services.ideas.submit(ctxOf(req), req.body);
    if (!result.ok) return sendFailure(reply, req, toJson(result.error));
    return toJson(result.value);
  });

  route(app, routes.listIdeas, async (req) => {
    const { limit, cursor, status } = req.query;
    return toJson(await services.ideas.list(ctxOf(req), { status }, { limit, cursor }));
  });

  route(app, routes.getIdea, async (req) => toJson(await services.ideas.get(ctxOf(req), req.params.id)));

  route(app, routes.evaluateIdea, async (req) =>
    toJson(await services.ideas.evaluate(ctxOf(req), req.params.id, req.body)),
  );

  route(app, routes.promoteIdea, async (req, reply) => {
    const result = await services.ideas.promote(ctxOf(req), req.params.id, req.body);
    if (!result.ok) return sendFailure(reply, req, toJson(result.error));
    return toJson(result.value);
  });

  route(app, routes.archiveIdea, async (req) =>
    toJson(await services.ideas.archive(ctxOf(req), req.params.id, req.body.reason)),
  );
}
