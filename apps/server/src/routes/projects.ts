import {
  approvalBody,
  approvalSchema,
  closeProjectBody,
  createProjectBody,
  errorSchema,
  evidenceBody,
  evidenceSchema,
  gateEvaluationSchema,
  idParam,
  optionalReasonBody,
  page,
  projectDetailSchema,
  projectListQuery,
  projectSchema,
  reasonBody,
} from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ctxOf, type RouteDeps, typed } from '../http/context.ts';
import { sendFailure } from '../http/errors.ts';
import { toJson } from '../http/json.ts';

const tags = ['projects'];

export function projectRoutes(app: FastifyInstance, { services }: RouteDeps) {
  const r = typed(app);

  r.post('/api/v1/projects', {
    config: { permission: 'projects:manage' },
    schema: {
      tags,
      summary: "Create a project at the first stage; it takes one of the pod's `project` WIP slots",
      body: createProjectBody,
      response: { 201: projectSchema, 409: errorSchema },
    },
    handler: async (req, reply) => {
      const result = await services.stages.create(ctxOf(req), req.body);
      if (!result.ok) return sendFailure(reply, req, toJson(result.error));
      return reply.code(201).send(toJson(result.value));
    },
  });

  r.get('/api/v1/projects', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'List projects, newest first',
      querystring: projectListQuery,
      response: { 200: page(projectSchema) },
    },
    handler: async (req) => {
      const { limit, cursor, ...filter } = req.query;
      return toJson(await services.stages.list(ctxOf(req), filter, { limit, cursor }));
    },
  });

  r.get('/api/v1/projects/:id', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'A project with its transitions, evidence and approvals',
      params: idParam,
      response: { 200: projectDetailSchema, 404: errorSchema },
    },
    handler: async (req) => {
      const { project, ...timeline } = await services.stages.timeline(ctxOf(req), req.params.id);
      return toJson({ ...project, ...timeline });
    },
  });

  r.get('/api/v1/projects/:id/gate', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: "The next stage's gate, criterion by criterion",
      params: idParam,
      response: { 200: gateEvaluationSchema },
    },
    handler: async (req) => services.stages.evaluate(ctxOf(req), req.params.id),
  });

  r.post('/api/v1/projects/:id/evidence', {
    config: { permission: 'projects:work' },
    schema: {
      tags,
      summary:
        'Submit evidence for the next gate (the latest submission is judged); returns the re-evaluated gate',
      params: idParam,
      body: evidenceBody,
      response: { 201: z.object({ evidence: evidenceSchema, gate: gateEvaluationSchema }) },
    },
    handler: async (req, reply) =>
      reply
        .code(201)
        .send(toJson(await services.stages.submitEvidence(ctxOf(req), req.params.id, req.body.evidence))),
  });

  r.post('/api/v1/projects/:id/approvals', {
    config: { permission: 'gates:approve' },
    schema: {
      tags,
      summary: 'Approve or reject the next gate (a reject needs a comment)',
      params: idParam,
      body: approvalBody,
      response: { 201: z.object({ approval: approvalSchema, gate: gateEvaluationSchema }) },
    },
    handler: async (req, reply) =>
      reply.code(201).send(toJson(await services.stages.decide(ctxOf(req), req.params.id, req.body))),
  });

  r.post('/api/v1/projects/:id/advance', {
    config: { permission: 'projects:work' },
    schema: {
      tags,
      summary: 'Move to the next stage if its gate is met (422 with the unmet criteria otherwise)',
      params: idParam,
      response: { 200: z.object({ project: projectSchema, gate: gateEvaluationSchema }), 422: errorSchema },
    },
    handler: async (req, reply) => {
      const result = await services.stages.advance(ctxOf(req), req.params.id);
      if (!result.ok) return sendFailure(reply, req, toJson(result.error));
      return toJson(result.value);
    },
  });

  r.post('/api/v1/projects/:id/close', {
    config: { permission: 'projects:manage' },
    schema: {
      tags,
      summary:
        'End the project (shipped from the last stage, or cancelled with a reason) and free its WIP slot',
      params: idParam,
      body: closeProjectBody,
      response: { 200: projectSchema, 409: errorSchema },
    },
    handler: async (req) => toJson(await services.stages.close(ctxOf(req), req.params.id, req.body)),
  });

  r.post('/api/v1/projects/:id/block', {
    config: { permission: 'projects:work' },
    schema: {
      tags,
      summary: 'Block the project; a blocked project cannot advance',
      params: idParam,
      body: reasonBody,
      response: { 200: projectSchema },
    },
    handler: async (req) => toJson(await services.stages.block(ctxOf(req), req.params.id, req.body.reason)),
  });

  r.post('/api/v1/projects/:id/unblock', {
    config: { permission: 'projects:work' },
    schema: {
      tags,
      summary: 'Clear the block (idempotent)',
      params: idParam,
      body: optionalReasonBody,
      response: { 200: projectSchema },
    },
    handler: async (req) =>
      toJson(await services.stages.unblock(ctxOf(req), req.params.id, req.body?.reason ?? null)),
  });
}
