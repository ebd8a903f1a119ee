import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { sendFailure } from '../http/errors.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function projectRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.createProject, async (req, reply) => {
    const result = await services.stages.create(ctxOf(req), req.body);
    if (!result.ok) return sendFailure(reply, req, toJson(result.error));
    return toJson(result.value);
  });

  route(app, routes.listProjects, async (req) => {
    const { limit, cursor, ...filter } = req.query;
    return toJson(await services.stages.list(ctxOf(req), filter, { limit, cursor }));
  });

  route(app, routes.getProject, async (req) => {
    const { project, ...timeline } = await services.stages.timeline(ctxOf(req), req.params.id);
    const linear = await services.linear.links(ctxOf(req), project.id);
    return toJson({ ...project, ...timeline, linear });
  });

  route(app, routes.getProjectGate, async (req) => services.stages.evaluate(ctxOf(req), req.params.id));

  route(app, routes.submitEvidence, async (req) =>
    toJson(await services.stages.submitEvidence(ctxOf(req), req.params.id, req.body.evidence)),
  );

  route(app, routes.decideGate, async (req) =>
    toJson(await services.stages.decide(ctxOf(req), req.params.id, req.body)),
  );

  route(app, routes.advanceProject, async (req, reply) => {
    const result = await services.stages.advance(ctxOf(req), req.params.id);
    if (!result.ok) return sendFailure(reply, req, toJson(result.error));
    return toJson(result.value);
  });

  route(app, routes.closeProject, async (req) =>
    toJson(await services.stages.close(ctxOf(req), req.params.id, req.body)),
  );

  route(app, routes.blockProject, async (req) =>
    toJson(await services.stages.block(ctxOf(req), req.params.id, req.body.reason)),
  );

  route(app, routes.unblockProject, async (req) =>
    toJson(await services.stages.unblock(ctxOf(req), req.params.id, req.body?.reason ?? null)),
  );

  route(app, routes.recordCiStatus, async (req) =>
    toJson(await services.stages.recordCiStatus(ctxOf(req), req.params.id, req.body)),
  );

  route(app, routes.listCiStatuses, async (req) => {
    const { limit, cursor, context } = req.query;
    return toJson(
      await services.stages.ciStatuses(ctxOf(req), req.params.id, { context }, { limit, cursor }),
    );
  });
}
