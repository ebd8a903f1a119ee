import type {
  DeploymentDetail,
  DeploymentStats,
  DeploymentStep,
  DeploymentStepStatus,
  DeploymentView,
} from '@clos/core';
import { z } from 'zod';
import { errorSchema, type Json } from '../api.ts';
import { idParam, listQuery, page, projectRef, slugParam, ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

// The domain's lists, restated for the wire (contract imports only types from core); checked below.
const DEPLOYMENT_STEPS = ['build', 'test', 'stage', 'prod'] as const;
const STEP_REPORT_STATUSES = ['running', 'succeeded', 'failed'] as const;

export const deploymentStatusSchema = z.enum(['running', 'succeeded', 'failed']);

// Shown as links on the deployment's page: http(s) only, never `javascript:`.
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000, 'must be at most 2000 characters');

export const deploymentStepSchema = z
  .object({
    name: z.enum(DEPLOYMENT_STEPS),
    status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
    startedAt: ts.nullable(),
    finishedAt: ts.nullable(),
    durationSeconds: z.number().nullable(),
    url: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'DeploymentStep' });

export const deploymentSchema = z
  .object({
    id: uuid,
    pod: z.string(),
    podId: uuid,
    projectId: uuid.nullable(),
    version: z.string(),
    status: deploymentStatusSchema,
    runId: uuid.meta({ description: 'its workflow run: GET /api/v1/workflows/runs/:id' }),
    url: z.string().nullable(),
    createdBy: uuid.nullable(),
    startedAt: ts,
    finishedAt: ts.nullable(),
    durationSeconds: z.number().nullable(),
    externalId: z.string().nullable().meta({
      description:
        'where it was recorded from outside CI reports: `github:owner/name/deployments/<id>` or `github:owner/name/actions/runs/<id>`',
    }),
  })
  .meta({ id: 'Deployment' });

export const deploymentDetailSchema = deploymentSchema
  .extend({ steps: z.array(deploymentStepSchema) })
  .meta({ id: 'DeploymentDetail' });

export const deploymentStatsSchema = z
  .object({
    pod: z.string(),
    days: z.number(),
    total: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    successRate: z.number().nullable(),
    meanDurationSeconds: z.number().nullable(),
  })
  .meta({ id: 'DeploymentStats' });

export const startDeploymentBody = z.strictObject({
  pod: z.string().min(1).max(60).meta({ description: "the deploying pod's slug" }),
  projectId: projectRef
    .nullable()
    .optional()
    .meta({ description: 'the project deployed, by id or key; stored as its id' }),
  version: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200)
    .meta({ description: 'what is deployed: a tag, a commit SHA' }),
  url: httpUrl.nullable().optional().meta({ description: "the CI run's page" }),
});

export const reportStepBody = z.strictObject({
  step: z.enum(DEPLOYMENT_STEPS),
  status: z.enum(STEP_REPORT_STATUSES),
  startedAt: ts.optional().meta({ description: 'defaults to the time of the first report of the step' }),
  finishedAt: ts
    .optional()
    .meta({ description: 'succeeded or failed only; defaults to the time of the report' }),
  url: httpUrl.nullable().optional(),
  error: z.string().max(2000).nullable().optional().meta({ description: 'why a failed step failed' }),
});

export const deploymentListQuery = listQuery.extend({
  pod: z.string().max(60).optional(),
  status: deploymentStatusSchema.optional(),
});

export const deploymentRoutes = {
  startDeployment: {
    method: 'POST',
    path: '/api/v1/deployments',
    body: startDeploymentBody,
    responses: { 201: deploymentDetailSchema },
    permission: 'projects:work',
    summary: 'CI opens a deployment: a workflow run with steps build → test → stage → prod, all pending',
    tags: ['deployments'],
  },
  reportDeploymentStep: {
    method: 'POST',
    path: '/api/v1/deployments/:id/steps',
    params: idParam,
    body: reportStepBody,
    responses: { 200: deploymentDetailSchema, 409: errorSchema },
    permission: 'projects:work',
    summary:
      'CI reports a step (in order; 409 otherwise). A failed step fails the deployment; prod succeeding finishes it',
    tags: ['deployments'],
  },
  listDeployments: {
    method: 'GET',
    path: '/api/v1/deployments',
    query: deploymentListQuery,
    responses: { 200: page(deploymentSchema) },
    permission: 'read',
    summary: 'Deployments, newest first (filter by pod, status)',
    tags: ['deployments'],
  },
  getDeployment: {
    method: 'GET',
    path: '/api/v1/deployments/:id',
    params: idParam,
    responses: { 200: deploymentDetailSchema },
    permission: 'read',
    summary: 'One deployment with its steps and their durations',
    tags: ['deployments'],
  },
  getDeploymentStats: {
    method: 'GET',
    path: '/api/v1/pods/:slug/deployments/stats',
    params: slugParam,
    query: z.strictObject({
      days: z.coerce
        .number<number>()
        .int()
        .min(1)
        .max(365)
        .optional()
        .meta({ description: 'the window; defaults to alerts.deploymentWindowDays' }),
    }),
    responses: { 200: deploymentStatsSchema },
    permission: 'read',
    summary: "A pod's deployments finished in the last `days` days: counts, success rate, mean duration",
    tags: ['deployments'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _DeploymentContractChecks = [
  Check<Same<keyof z.infer<typeof deploymentSchema>, keyof Json<DeploymentView>>>,
  Check<Same<z.infer<typeof deploymentSchema>['status'], DeploymentView['status']>>,
  Check<Same<keyof z.infer<typeof deploymentDetailSchema>, keyof Json<DeploymentDetail>>>,
  Check<Same<z.infer<typeof deploymentStatsSchema>, Json<DeploymentStats>>>,
  Check<Same<(typeof DEPLOYMENT_STEPS)[number], DeploymentStep>>,
  Check<Same<(typeof STEP_REPORT_STATUSES)[number], DeploymentStepStatus>>,
];
