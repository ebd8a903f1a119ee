import {
  acquireBody,
  errorSchema,
  idParam,
  itemTypeParams,
  setLimitBody,
  slugParam,
  wipCheckSchema,
  wipLimitSchema,
  wipLockSchema,
  wipStatusSchema,
} from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps, typed } from '../http/context.ts';
import { sendFailure } from '../http/errors.ts';
import { toJson } from '../http/json.ts';

const tags = ['wip'];

export function wipRoutes(app: FastifyInstance, { services }: RouteDeps) {
  const r = typed(app);

  r.put('/api/v1/pods/:slug/wip-limits/:itemType', {
    config: { permission: 'pods:manage' },
    schema: {
      tags,
      summary: 'Set a WIP limit; lowering it below usage keeps existing locks and admits nothing new',
      params: itemTypeParams,
      body: setLimitBody,
      response: { 200: wipLimitSchema },
    },
    handler: async (req) =>
      services.wip.setLimit(ctxOf(req), req.params.slug, req.params.itemType, req.body.limit),
  });

  r.get('/api/v1/pods/:slug/wip', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'WIP per item type with holders',
      params: slugParam,
      response: { 200: wipStatusSchema },
    },
    handler: async (req) => toJson(await services.wip.getStatus(ctxOf(req), req.params.slug)),
  });

  r.get('/api/v1/pods/:slug/wip/:itemType/check', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Would an acquire succeed now?',
      params: itemTypeParams,
      response: { 200: wipCheckSchema },
    },
    handler: async (req) => services.wip.checkLimit(ctxOf(req), req.params.slug, req.params.itemType),
  });

  r.post('/api/v1/pods/:slug/wip/:itemType/locks', {
    config: { permission: 'wip:use' },
    schema: {
      tags,
      summary:
        'Acquire a WIP slot for an item (201 new, 200 when the item already holds one; 409 over the limit)',
      params: itemTypeParams,
      body: acquireBody,
      response: { 200: wipLockSchema, 201: wipLockSchema, 409: errorSchema },
    },
    handler: async (req, reply) => {
      const result = await services.wip.acquire(
        ctxOf(req),
        req.params.slug,
        req.params.itemType,
        req.body.itemId,
      );
      if (!result.ok) return sendFailure(reply, req, toJson(result.error));
      return reply.code(result.value.created ? 201 : 200).send(toJson(result.value.lock));
    },
  });

  r.delete('/api/v1/wip-locks/:id', {
    config: { permission: 'wip:use' },
    schema: {
      tags,
      summary: 'Release a WIP lock (idempotent)',
      params: idParam,
      response: { 200: wipLockSchema, 404: errorSchema },
    },
    handler: async (req) => toJson(await services.wip.release(ctxOf(req), req.params.id)),
  });
}
