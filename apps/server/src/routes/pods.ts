import {
  addMemberBody,
  errorSchema,
  healthBody,
  healthSnapshotSchema,
  listQuery,
  memberSchema,
  page,
  podSchema,
  podStatusSchema,
  registerPodBody,
  rotateBody,
  slugParam,
} from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ctxOf, type RouteDeps, typed } from '../http/context.ts';
import { toJson } from '../http/json.ts';

const tags = ['pods'];

export function podRoutes(app: FastifyInstance, { services }: RouteDeps) {
  const r = typed(app);

  r.post('/api/v1/pods', {
    config: { permission: 'pods:create' },
    schema: {
      tags,
      summary: 'Register a pod',
      body: registerPodBody,
      response: { 201: podSchema, 409: errorSchema },
    },
    handler: async (req, reply) =>
      reply.code(201).send(toJson(await services.pods.register(ctxOf(req), req.body))),
  });

  r.get('/api/v1/pods', {
    config: { permission: 'read' },
    schema: { tags, summary: 'List pods', querystring: listQuery, response: { 200: page(podSchema) } },
    handler: async (req) => toJson(await services.pods.list(ctxOf(req), req.query)),
  });

  r.get('/api/v1/pods/:slug', {
    config: { permission: 'read' },
    schema: { tags, summary: 'One pod', params: slugParam, response: { 200: podSchema, 404: errorSchema } },
    handler: async (req) => toJson(await services.pods.get(ctxOf(req), req.params.slug)),
  });

  r.get('/api/v1/pods/:slug/status', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Members, WIP used/limit per type, projects per stage and latest health',
      params: slugParam,
      response: { 200: podStatusSchema, 404: errorSchema },
    },
    handler: async (req) => toJson(await services.pods.getStatus(ctxOf(req), req.params.slug)),
  });

  r.get('/api/v1/pods/:slug/members', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Members; with history=true also those who left or rotated out',
      params: slugParam,
      querystring: z.strictObject({ history: z.enum(['true', 'false']).optional() }),
      response: { 200: z.object({ items: z.array(memberSchema) }) },
    },
    handler: async (req) => ({
      items: toJson(await services.pods.members(ctxOf(req), req.params.slug, req.query.history === 'true')),
    }),
  });

  r.post('/api/v1/pods/:slug/members', {
    config: { permission: 'pods:manage' },
    schema: {
      tags,
      summary: 'Add a user to the pod (or change their pod role)',
      params: slugParam,
      body: addMemberBody,
      response: { 201: memberSchema },
    },
    handler: async (req, reply) =>
      reply.code(201).send(toJson(await services.pods.addMember(ctxOf(req), req.params.slug, req.body))),
  });

  r.post('/api/v1/pods/:slug/health', {
    config: { permission: 'pods:manage' },
    schema: {
      tags,
      summary: 'Record health metrics; returns the computed score',
      params: slugParam,
      body: healthBody,
      response: { 201: healthSnapshotSchema },
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(toJson(await services.pods.updateHealth(ctxOf(req), req.params.slug, req.body.metrics))),
  });

  r.get('/api/v1/pods/:slug/health', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Health history, newest first',
      params: slugParam,
      querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: { 200: z.object({ items: z.array(healthSnapshotSchema) }) },
    },
    handler: async (req) => ({
      items: toJson(await services.pods.healthHistory(ctxOf(req), req.params.slug, req.query.limit)),
    }),
  });

  r.post('/api/v1/pods/:slug/rotate', {
    config: { permission: 'pods:manage' },
    schema: {
      tags,
      summary: 'Move a member to another pod (history is kept)',
      params: slugParam,
      body: rotateBody,
      response: {
        200: z.object({
          email: z.string(),
          from: z.string(),
          to: z.string(),
          rotatedAt: z.iso.datetime({ offset: true }),
        }),
      },
    },
    handler: async (req) => toJson(await services.pods.rotate(ctxOf(req), req.params.slug, req.body)),
  });
}
