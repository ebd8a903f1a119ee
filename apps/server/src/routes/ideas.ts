import {
  errorSchema,
  evaluateBody,
  evaluationSchema,
  ideaDetailSchema,
  ideaListQuery,
  ideaSchema,
  idParam,
  page,
  projectSchema,
  promoteBody,
  reasonBody,
  submitIdeaBody,
} from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ctxOf, type RouteDeps, typed } from '../http/context.ts';
import { sendFailure } from '../http/errors.ts';
import { toJson } from '../http/json.ts';

const tags = ['ideas'];

export function ideaRoutes(app: FastifyInstance, { services }: RouteDeps) {
  const r = typed(app);

  r.post('/api/v1/ideas', {
    config: { permission: 'ideas:contribute' },
    schema: {
      tags,
      summary: 'Submit an idea to the ledger',
      body: submitIdeaBody,
      response: { 201: ideaSchema },
    },
    handler: async (req, reply) =>
      reply.code(201).send(toJson(await services.ideas.submit(ctxOf(req), req.body))),
  });

  r.get('/api/v1/ideas', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'List ideas, newest first',
      querystring: ideaListQuery,
      response: { 200: page(ideaSchema) },
    },
    handler: async (req) => {
      const { limit, cursor, status } = req.query;
      return toJson(await services.ideas.list(ctxOf(req), { status }, { limit, cursor }));
    },
  });

  r.get('/api/v1/ideas/:id', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'An idea with its evaluations',
      params: idParam,
      response: { 200: ideaDetailSchema, 404: errorSchema },
    },
    handler: async (req) => toJson(await services.ideas.get(ctxOf(req), req.params.id)),
  });

  r.post('/api/v1/ideas/:id/evaluations', {
    config: { permission: 'ideas:contribute' },
    schema: {
      tags,
      summary: "Score the idea on every criterion (0–5); replaces the caller's earlier evaluation",
      params: idParam,
      body: evaluateBody,
      response: { 201: z.object({ idea: ideaSchema, evaluation: evaluationSchema }) },
    },
    handler: async (req, reply) =>
      reply.code(201).send(toJson(await services.ideas.evaluate(ctxOf(req), req.params.id, req.body))),
  });

  r.post('/api/v1/ideas/:id/promote', {
    config: { permission: 'ideas:decide' },
    schema: {
      tags,
      summary:
        "Create a project from the idea in a pod, taking the pod's project WIP slot (409 when full, 422 when not qualified)",
      params: idParam,
      body: promoteBody,
      response: {
        201: z.object({ idea: ideaSchema, project: projectSchema }),
        409: errorSchema,
        422: errorSchema,
      },
    },
    handler: async (req, reply) => {
      const result = await services.ideas.promote(ctxOf(req), req.params.id, req.body);
      if (!result.ok) return sendFailure(reply, req, toJson(result.error));
      return reply.code(201).send(toJson(result.value));
    },
  });

  r.post('/api/v1/ideas/:id/archive', {
    config: { permission: 'ideas:decide' },
    schema: {
      tags,
      summary: 'Archive the idea (idempotent)',
      params: idParam,
      body: reasonBody,
      response: { 200: ideaSchema },
    },
    handler: async (req) => toJson(await services.ideas.archive(ctxOf(req), req.params.id, req.body.reason)),
  });
}
