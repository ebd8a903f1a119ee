import type {
  DashboardFunnel,
  DashboardOverview,
  IdeaPipeline,
  ProjectGateStatus,
  WipHeatmap,
} from '@clos/core';
import { z } from 'zod';
import { errorSchema, ideaSchema, type Json } from '../api.ts';
import { ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

const count = z.number().int();
const share = (description: string) => z.number().nullable().meta({ description });
const podRef = { id: uuid, slug: z.string(), name: z.string() };
const ideaStatusCounts = z.object({ pending: count, promoted: count, archived: count });

export const dashboardOverviewSchema = z
  .object({
    projectsPerStage: z
      .array(z.object({ stage: z.string(), count }))
      .meta({ description: 'open projects per stage, in policy order, zeros included' }),
    blockedProjects: count.meta({ description: 'open projects that are blocked' }),
    wip: z.object({
      used: count,
      limit: count,
      utilisation: share('used ÷ limit over every pod and item type; null when no limit is set'),
      fullCells: count.meta({ description: '(pod, item type) cells at or over their limit' }),
    }),
    ideas: z.object({
      weekStart: ts.meta({ description: 'Monday 00:00 UTC of the current week' }),
      submittedThisWeek: count,
      evaluatedThisWeek: count.meta({ description: 'evaluations made since weekStart' }),
      pending: count.meta({ description: 'ideas waiting for a decision' }),
    }),
    health: z.object({
      mean: share("mean of each pod's latest health score (0–100); null when none has one"),
      pods: z.array(z.object({ ...podRef, score: z.number().nullable() })),
    }),
    deployments: z.object({
      successRate: share('succeeded ÷ finished in the window; null when none finished'),
      finished: count,
      windowDays: count.meta({ description: 'alerts.deploymentWindowDays' }),
    }),
    alerts: z.object({
      open: count,
      critical: count.meta({ description: 'open alerts of severity critical' }),
    }),
  })
  .meta({ id: 'DashboardOverview' });

export const dashboardFunnelSchema = z
  .object({
    stages: z.array(
      z.object({
        stage: z.string(),
        current: count.meta({ description: 'open projects in the stage now' }),
        entered: count.meta({
          description: 'projects that ever entered it (every project entered the first stage)',
        }),
        conversion: share('entered the next stage ÷ entered this one; null for the last or when 0 entered'),
        medianHoursInStage: share(
          'median hours from entering the stage to leaving it (next transition, or shipping), over completed stays',
        ),
      }),
    ),
    closed: z.object({ shipped: count, cancelled: count }),
  })
  .meta({ id: 'DashboardFunnel' });

export const wipHeatmapSchema = z
  .object({
    types: z.array(z.string()).meta({ description: 'item types in policy order: the columns' }),
    pods: z.array(
      z.object({
        ...podRef,
        cells: z.array(
          z.object({
            itemType: z.string(),
            used: count,
            limit: count.meta({ description: "the limit in force: the pod's own, else the type's default" }),
            utilisation: share('used ÷ limit (above 1 when a limit was lowered below usage); null when 0'),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'WipHeatmap' });

export const podSummariesSchema = z
  .object({
    types: z.array(z.string()),
    pods: z.array(
      wipHeatmapSchema.shape.pods.element.extend({
        members: count.meta({ description: 'active members' }),
        health: z.number().int().nullable().meta({ description: 'the latest health score, 0–100' }),
      }),
    ),
  })
  .meta({ id: 'PodSummaries' });

export const ideaPipelineSchema = z
  .object({
    byStatus: ideaStatusCounts,
    ideas: z.array(
      z.object({
        id: uuid,
        title: z.string(),
        status: ideaSchema.shape.status,
        score: z.number().nullable().meta({ description: 'weighted score, 0–5; null until evaluated' }),
        evaluations: count,
        createdAt: ts,
        projectId: uuid.nullable().meta({ description: 'the project a promoted idea became' }),
      }),
    ),
  })
  .meta({ id: 'IdeaPipeline' });

export const gateStatusesQuery = z.object({
  pod: z.string().max(60).optional().meta({ description: "a pod's slug: only its projects" }),
});

export const gateStatusesSchema = z
  .object({
    items: z.array(
      z.object({
        projectId: uuid,
        key: z.string(),
        name: z.string(),
        podId: uuid,
        currentStage: z.string(),
        nextStage: z
          .string()
          .nullable()
          .meta({ description: 'where the gate leads; null in the last stage' }),
        stageEnteredAt: ts,
        daysInStage: count.meta({ description: 'whole days since the project entered its stage' }),
        state: z.enum(['ready', 'awaiting', 'unmet', 'blocked', 'last']).meta({
          description:
            'ready: every criterion met; awaiting: only approvals missing; unmet: evidence missing or a rejection stands; blocked: the project is blocked; last: no gate ahead',
        }),
        unmet: count.meta({ description: 'unmet criteria of the next gate' }),
        awaitingApprovals: count.meta({ description: 'approvals still needed' }),
        blockedReason: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'GateStatuses' });

export const dashboardRoutes = {
  getDashboardOverview: {
    method: 'GET',
    path: '/api/v1/dashboard/overview',
    responses: { 200: dashboardOverviewSchema },
    permission: 'read',
    summary:
      'Company-wide figures: projects per stage, WIP utilisation, ideas this week, pod health, deployments, alerts',
    tags: ['dashboard'],
  },
  getDashboardFunnel: {
    method: 'GET',
    path: '/api/v1/dashboard/funnel',
    responses: { 200: dashboardFunnelSchema },
    permission: 'read',
    summary: 'The stage-gate funnel: per stage, projects now, entered, conversion and median time in stage',
    tags: ['dashboard'],
  },
  getDashboardWip: {
    method: 'GET',
    path: '/api/v1/dashboard/wip',
    responses: { 200: wipHeatmapSchema },
    permission: 'read',
    summary: 'The WIP heatmap: every pod × item type with used, limit and utilisation',
    tags: ['dashboard'],
  },
  getDashboardPods: {
    method: 'GET',
    path: '/api/v1/dashboard/pods',
    responses: { 200: podSummariesSchema },
    permission: 'read',
    summary: 'Every pod with its active members, latest health score and WIP cells (the pods list)',
    tags: ['dashboard'],
  },
  getDashboardIdeas: {
    method: 'GET',
    path: '/api/v1/dashboard/ideas',
    responses: { 200: ideaPipelineSchema },
    permission: 'read',
    summary: 'The idea pipeline: counts by status and the 200 newest ideas with their scores',
    tags: ['dashboard'],
  },
  getDashboardGates: {
    method: 'GET',
    path: '/api/v1/dashboard/gates',
    query: gateStatusesQuery,
    responses: { 200: gateStatusesSchema, 404: errorSchema },
    permission: 'read',
    summary:
      "Gates at a glance: every open project's next gate as one status (ready, N unmet, awaiting N approvals, blocked) with days in stage, longest in stage first",
    tags: ['dashboard'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _DashboardContractChecks = [
  Check<Same<z.infer<typeof dashboardOverviewSchema>, Json<DashboardOverview>>>,
  Check<Same<z.infer<typeof dashboardFunnelSchema>, Json<DashboardFunnel>>>,
  Check<Same<z.infer<typeof wipHeatmapSchema>, Json<WipHeatmap>>>,
  Check<Same<z.infer<typeof ideaPipelineSchema>, Json<IdeaPipeline>>>,
  Check<Same<z.infer<typeof gateStatusesSchema>['items'][number], Json<ProjectGateStatus>>>,
];
