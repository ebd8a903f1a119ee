import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { ApprovalRecord, IdeaStatus } from '../entities.ts';
import { NotFoundError } from '../errors.ts';
import type { Repositories } from '../ports/repositories.ts';
import { buildGateStatuses, nextStages, type ProjectGateStatus } from './gate-status.ts';
import {
  buildFunnel,
  buildWipHeatmap,
  type DashboardFunnel,
  type DeploymentSummary,
  type HealthSummary,
  type PodSummary,
  projectsPerStage,
  type StageCount,
  summariseDeployments,
  summariseHealth,
  summariseWip,
  type WipHeatmap,
  type WipSummary,
  weekStart,
} from './metrics.ts';

const DAY_MS = 86_400_000;
/** The idea pipeline lists this many ideas, newest first; the counts by status cover them all. */
export const PIPELINE_IDEAS = 200;

export interface DashboardOverview {
  /** Open projects per stage, in policy order, zeros included. */
  projectsPerStage: StageCount[];
  /** Open projects that are blocked. */
  blockedProjects: number;
  wip: WipSummary;
  ideas: {
    /** Monday 00:00 UTC of the current week: "this week" starts here. */
    weekStart: Date;
    submittedThisWeek: number;
    /** Evaluations made this week (a re-evaluation replaces the evaluator's earlier one). */
    evaluatedThisWeek: number;
    /** Ideas waiting for a decision (status `pending`). */
    pending: number;
  };
  health: HealthSummary;
  deployments: DeploymentSummary;
  alerts: { open: number; critical: number };
}

export interface IdeaPipelineItem {
  id: string;
  title: string;
  status: IdeaStatus;
  /** Weighted score on the criteria's 0–5 scale; null until evaluated. */
  score: number | null;
  evaluations: number;
  createdAt: Date;
  /** The project a promoted idea became; null otherwise. */
  projectId: string | null;
}

export interface IdeaPipeline {
  byStatus: Record<IdeaStatus, number>;
  ideas: IdeaPipelineItem[];
}

/**
 * The dashboard's read models (issue 5): company-wide figures over every pod. Each answer reads a
 * fixed number of aggregate queries in one snapshot, so its figures agree with one another.
 */
export function createDashboardService(deps: Deps) {
  const { uow, clock, policy } = deps;
  const stages = policy.stages.map((s) => s.name);
  const snapshot = <T>(work: (repos: Repositories) => Promise<T>) => uow.run(work, { snapshot: true });

  return {
    async overview(ctx: Ctx): Promise<DashboardOverview> {
      assertCan(ctx.actor, 'read');
      const now = clock.now();
      const since = weekStart(now);
      const windowDays = policy.alerts.deploymentWindowDays;
      return snapshot(async (repos) => {
        const d = repos.dashboard;
        const pods = await d.pods();
        const occupancy = await d.openProjectsByStage();
        const heatmap = buildWipHeatmap(policy, pods, await d.openWipUsage(), await d.storedWipLimits());
        const ideas = await d.ideaTallies(since);
        const health = summariseHealth(pods, await d.latestHealthScores());
        const tallies = await repos.deployments.finishedSince(new Date(now.getTime() - windowDays * DAY_MS));
        return {
          projectsPerStage: projectsPerStage(stages, occupancy),
          blockedProjects: occupancy.reduce((n, o) => n + o.blocked, 0),
          wip: summariseWip(heatmap),
          ideas: {
            weekStart: since,
            submittedThisWeek: ideas.submittedSince,
            evaluatedThisWeek: ideas.evaluationsSince,
            pending: ideas.byStatus.pending,
          },
          health,
          deployments: summariseDeployments(tallies, windowDays),
          alerts: await d.openAlertCounts(),
        };
      });
    },

    async funnel(ctx: Ctx): Promise<DashboardFunnel> {
      assertCan(ctx.actor, 'read');
      return snapshot(async (repos) => {
        const d = repos.dashboard;
        return buildFunnel(stages, {
          occupancy: await d.openProjectsByStage(),
          totals: await d.projectTotals(),
          enteredByTransition: await d.enteredByTransition(),
          medianStayHours: await d.medianStayHours(stages),
        });
      });
    },

    async wip(ctx: Ctx): Promise<WipHeatmap> {
      assertCan(ctx.actor, 'read');
      return snapshot(async (repos) => {
        const d = repos.dashboard;
        return buildWipHeatmap(policy, await d.pods(), await d.openWipUsage(), await d.storedWipLimits());
      });
    },

    /**
     * Every pod with its members, latest health and WIP cells, for the pods list: one answer
     * instead of one status request per pod, which the list would repeat on every live update.
     */
    async pods(ctx: Ctx): Promise<{ types: string[]; pods: PodSummary[] }> {
      assertCan(ctx.actor, 'read');
      return snapshot(async (repos) => {
        const d = repos.dashboard;
        const heatmap = buildWipHeatmap(
          policy,
          await d.pods(),
          await d.openWipUsage(),
          await d.storedWipLimits(),
        );
        const members = await d.activeMemberCounts();
        const health = await d.latestHealthScores();
        return {
          types: heatmap.types,
          pods: heatmap.pods.map((pod) => ({
            ...pod,
            members: members[pod.id] ?? 0,
            health: health[pod.id] ?? null,
          })),
        };
      });
    },

    /**
     * Gates at a glance: every open project's next gate as one status (ready, unmet, awaiting
     * approvals, blocked), of one pod when `pod` (a slug) is given. Three queries however many projects.
     */
    async gates(ctx: Ctx, filter: { pod?: string } = {}): Promise<{ items: ProjectGateStatus[] }> {
      assertCan(ctx.actor, 'read');
      return snapshot(async (repos) => {
        let podId: string | undefined;
        if (filter.pod) {
          const pod = await repos.pods.bySlug(filter.pod);
          if (!pod) throw new NotFoundError('pod', filter.pod);
          podId = pod.id;
        }
        const loaded = await repos.dashboard.openGateInputs(nextStages(policy.stages), podId);
        const evidence = new Map(loaded.evidence.map((e) => [e.projectId, e.data]));
        // Not Map.groupBy: Node 20 lacks it.
        const approvals = new Map<string, ApprovalRecord[]>();
        for (const a of loaded.approvals)
          approvals.set(a.projectId, [...(approvals.get(a.projectId) ?? []), a]);
        const inputs = loaded.projects.map((project) => ({
          project,
          evidence: evidence.get(project.id) ?? null,
          approvals: approvals.get(project.id) ?? [],
        }));
        return { items: buildGateStatuses(inputs, policy.stages, deps.validators, clock.now()) };
      });
    },

    async ideas(ctx: Ctx): Promise<IdeaPipeline> {
      assertCan(ctx.actor, 'read');
      return snapshot(async (repos) => {
        const tallies = await repos.dashboard.ideaTallies(weekStart(clock.now()));
        const page = await repos.ideas.list({}, { limit: PIPELINE_IDEAS });
        return {
          byStatus: tallies.byStatus,
          ideas: page.items.map((i) => ({
            id: i.id,
            title: i.title,
            status: i.status,
            score: i.evaluationScore,
            evaluations: i.evaluationCount,
            createdAt: i.createdAt,
            projectId: i.promotedToProjectId,
          })),
        };
      });
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;
