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

  route(app, routes.getWipQueue, async (req) =>
    toJson(await services.wip.getQueue(ctxOf(req), req.params.slug)),
  );

  route(app, routes.acquireWipLock, async (req, reply) => {
    const { itemId, queue, label, url } = req.body;
    const { slug, itemType } = req.params;
    if (queue) {
      const taken = await services.wip.acquireOrQueue(ctxOf(req), slug, itemType, itemId, { label, url });
      if (!taken.queued) return reply.code(taken.created ? 201 : 200).send(toJson(taken.lock));
      const { entry } = taken;
      return reply.code(202).send(
        toJson({
          queued: true as const,
          pod: taken.pod,
          itemType,
          itemId,
          position: taken.position,
          ahead: taken.ahead,
          label: entry.label,
          url: entry.url,
          enqueuedAt: entry.enqueuedAt,
        }),
      );
    }
    const result = await services.wip.acquire(ctxOf(req), slug, itemType, itemId, { label, url });
    if (!result.ok) return sendFailure(reply, req, toJson(result.error));
    return reply.code(result.value.created ? 201 : 200).send(toJson(result.value.lock));
  });

  route(app, routes.releaseWipLock, async (req) =>
    toJson(await services.wip.release(ctxOf(req), req.params.id)),
  );

  route(app, routes.releaseWipItem, async (req) => {
    const { slug, itemType, itemId } = req.params;
    const done = await services.wip.releaseItem(ctxOf(req), slug, itemType, itemId);
    return toJson({
      pod: slug,
      itemType,
      itemId,
      outcome: done.outcome,
      lock: done.outcome === 'released' ? done.lock : null,
    });
  });
}
