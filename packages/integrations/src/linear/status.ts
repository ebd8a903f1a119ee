import { type Ctx, NotFoundError, type Policy, type Services, SYSTEM_ACTOR } from '@clos/core';
import type { LinearApi } from './client.ts';

const STATUS_CTX: Ctx = { actor: { ...SYSTEM_ACTOR, label: 'linear' }, requestId: null };

/** `clos linear status` (GET /api/v1/integrations/linear/status): how the Linear integration stands. */
export interface LinearStatusReport {
  configured: boolean;
  /** Pod slug → team key, with whether the pod exists in CLOS and the team in Linear. */
  teams: { pod: string; team: string; podExists: boolean; teamExists: boolean | null }[];
  /** Stages with a template, and how many issues each creates. */
  stages: { stage: string; issues: number }[];
  linkedProjects: number;
  trackedIssues: number;
  /** The last time CLOS read or wrote a Linear link (creation, webhook, reconciliation); null: never. */
  lastSyncAt: string | null;
  reconcileMinutes: number;
  /** Everything wrong, each a sentence; empty when all is well. */
  problems: string[];
}

export function linearStatusNotConfigured(): LinearStatusReport {
  return {
    configured: false,
    teams: [],
    stages: [],
    linkedProjects: 0,
    trackedIssues: 0,
    lastSyncAt: null,
    reconcileMinutes: 0,
    problems: [
      'the Linear integration is not configured: set CLOS_LINEAR_API_KEY and CLOS_LINEAR_WEBHOOK_SECRET',
    ],
  };
}

/**
 * Builds the report; it answers even when Linear does not (a failure is a problem in the report,
 * never thrown), because the report is what an operator reads when something is wrong.
 */
export function linearStatusReporter(api: LinearApi, policy: Policy) {
  return async (services: Services): Promise<LinearStatusReport> => {
    const problems: string[] = [];
    const teams: LinearStatusReport['teams'] = [];
    for (const [pod, team] of Object.entries(policy.linear.teams)) {
      const podExists = await services.pods.get(STATUS_CTX, pod).then(
        () => true,
        (error: unknown) => {
          if (error instanceof NotFoundError) return false;
          throw error;
        },
      );
      let teamExists: boolean | null = null;
      try {
        teamExists = (await api.teamByKey(team)) !== null;
      } catch (error) {
        problems.push(`Linear could not be asked about team ${team}: ${(error as Error).message}`);
      }
      if (!podExists) problems.push(`linear.teams maps pod "${pod}", which does not exist in CLOS`);
      if (teamExists === false)
        problems.push(`linear.teams maps pod "${pod}" to team "${team}", which Linear does not have`);
      teams.push({ pod, team, podExists, teamExists });
    }
    if (teams.length === 0) problems.push('linear.teams maps no pod: no project gets a Linear project');
    const summary = await services.linear.summary();
    return {
      configured: true,
      teams,
      stages: Object.entries(policy.linear.stages).map(([stage, s]) => ({ stage, issues: s.issues.length })),
      linkedProjects: summary.projects,
      trackedIssues: summary.issues,
      lastSyncAt: summary.lastSyncAt?.toISOString() ?? null,
      reconcileMinutes: policy.linear.reconcileMinutes,
      problems,
    };
  };
}
