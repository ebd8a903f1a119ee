/** The idea ledger: submission, evaluation, promotion into a project, archiving. */
import { z } from 'zod';
import {
  errorSchema,
  evaluateBody,
  evaluationSchema,
  ideaDetailSchema,
  ideaListQuery,
  ideaSchema,
  projectSchema,
  promoteBody,
  reasonBody,
  submitIdeaBody,
} from '../api.ts';
import { idParam, page } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const ideaRoutes = {
  submitIdea: {
    method: 'POST',
    path: '/api/v1/ideas',
    body: submitIdeaBody,
    responses: { 201: ideaSchema, 404: errorSchema, 409: errorSchema },
    permission: 'ideas:contribute',
    summary: 'Submit an idea to the ledger',
    tags: ['ideas'],
  },
  listIdeas: {
    method: 'GET',
    path: '/api/v1/ideas',
    query: ideaListQuery,
    responses: { 200: page(ideaSchema) },
    permission: 'read',
    summary: 'List ideas, newest first',
    tags: ['ideas'],
  },
  getIdea: {
    method: 'GET',
    path: '/api/v1/ideas/:id',
    params: idParam,
    responses: { 200: ideaDetailSchema, 404: errorSchema },
    permission: 'read',
    summary: 'An idea with its evaluations',
    tags: ['ideas'],
  },
  evaluateIdea: {
    method: 'POST',
    path: '/api/v1/ideas/:id/evaluations',
    params: idParam,
    body: evaluateBody,
    responses: { 201: z.object({ idea: ideaSchema, evaluation: evaluationSchema }) },
    permission: 'ideas:contribute',
    summary: "Score the idea on every criterion (0–5); replaces the caller's earlier evaluation",
    tags: ['ideas'],
  },
  promoteIdea: {
    method: 'POST',
    path: '/api/v1/ideas/:id/promote',
    params: idParam,
    body: promoteBody,
    responses: {
      201: z.object({ idea: ideaSchema, project: projectSchema }),
      409: errorSchema,
      422: errorSchema,
    },
    permission: 'ideas:decide',
    summary:
      "Create a project from the idea in a pod, taking the pod's project WIP slot (409 when full, 422 when not qualified)",
    tags: ['ideas'],
  },
  archiveIdea: {
    method: 'POST',
    path: '/api/v1/ideas/:id/archive',
    params: idParam,
    body: reasonBody,
    responses: { 200: ideaSchema },
    permission: 'ideas:decide',
    summary: 'Archive the idea (idempotent)',
    tags: ['ideas'],
  },
} as const satisfies Record<string, RouteDefinition>;
