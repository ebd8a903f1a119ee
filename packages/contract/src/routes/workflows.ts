import type { WorkflowRun, WorkflowStep } from '@clos/core';
import { z } from 'zod';
import type { Json } from '../api.ts';
import { idParam, listQuery, page, ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const runStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed']);

export const workflowStepSchema = z
  .object({
    id: uuid,
    runId: uuid,
    name: z.string(),
    position: z.number().int(),
    status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
    attempts: z.number().int(),
    output: z.unknown(),
    error: z.string().nullable(),
    startedAt: ts.nullable(),
    finishedAt: ts.nullable(),
  })
  .meta({ id: 'WorkflowStep' });

export const workflowRunSchema = z
  .object({
    id: uuid,
    workflow: z.string(),
    key: z.string(),
    podId: uuid.nullable(),
    status: runStatusSchema,
    input: z.unknown(),
    output: z.unknown(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    scheduledFor: ts.nullable(),
    createdAt: ts,
    startedAt: ts.nullable(),
    finishedAt: ts.nullable(),
  })
  .meta({ id: 'WorkflowRun' });

export const workflowRunDetailSchema = workflowRunSchema
  .extend({ steps: z.array(workflowStepSchema) })
  .meta({ id: 'WorkflowRunDetail' });

export const runListQuery = listQuery.extend({
  workflow: z.string().max(100).optional(),
  pod: z.string().max(60).optional(),
  status: runStatusSchema.optional(),
});

export const workflowRoutes = {
  listWorkflowRuns: {
    method: 'GET',
    path: '/api/v1/workflows/runs',
    query: runListQuery,
    responses: { 200: page(workflowRunSchema) },
    permission: 'read',
    summary: 'Workflow runs, newest first (filter by workflow, pod, status)',
    tags: ['workflows'],
  },
  getWorkflowRun: {
    method: 'GET',
    path: '/api/v1/workflows/runs/:id',
    params: idParam,
    responses: { 200: workflowRunDetailSchema },
    permission: 'read',
    summary: 'One workflow run with its steps (status, attempts, timing, error)',
    tags: ['workflows'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _WorkflowContractChecks = [
  Check<Same<z.infer<typeof workflowStepSchema>['status'], Json<WorkflowStep>['status']>>,
  Check<Same<z.infer<typeof workflowRunSchema>['status'], Json<WorkflowRun>['status']>>,
];
