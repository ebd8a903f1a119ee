import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { sendFailure } from '../http/errors.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function wipRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.setWipLimit, async (req) =>
    services.wip.setLimit(ctxOf(req), req.params.slug, req.params.itemType, req.body.limit),
  );

  route(app, routes.getWipStatus, async (req) =>
    toJson(await services.wip.getStatus(ctxOf(req), req.params.slug)),
  );

  route(app, routes.checkWip, async (req) =>
    services.wip.checkLimit(ctxOf(req), req.params.slug, req.params.itemType),
  );

  route(app, routes.acquireWipLock, async (req, reply) => {
    const result = await services.wip.acquire(
      ctxOf(req),
      req.params.slug,
      req.params.itemType,
      req.body.itemId,
    );
    if (!result.ok) return sendFailure(reply, req, toJson(result.error));
    return reply.code(result.value.created ? 201 : 200).send(toJson(result.value.lock));
  });

  route(app, routes.releaseWipLock, async (req) =>
    toJson(await services.wip.release(ctxOf(req), req.params.id)),
  );
}
