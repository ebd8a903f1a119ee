import { type Ctx, criterionGroup, type Role, SYSTEM_ACTOR } from '@clos/core';
import type { WorkflowDefinition } from '../engine.ts';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';

export const PROJECT_LIFECYCLE = 'project-lifecycle';

interface LifecycleInput {
  projectId: string;
  /** The event that started the run (evidence submitted, gate approved). */
  eventId: string;
}

/** What `evaluate` stores: the gate as it stands when the run looks at it, not when the event fired. */
export interface GateSummary {
  projectId: string;
  projectName: string | null;
  podId: string | null;
  currentStage: string | null;
  /** The stage the gate leads into; null in the last stage, when closed, or when the project is gone. */
  stage: string | null;
  ready: boolean;
  evidenceComplete: boolean;
  approvalsRequired: number;
  approvalsReceived: number;
  approverRoles: Role[];
  evidenceId: string | null;
  /** A digest of the evidence's content: the same evidence submitted again has the same one. */
  evidenceDigest: string | null;
  unmet: string[];
}

const SYSTEM: Ctx = { actor: SYSTEM_ACTOR, requestId: null };

/** JSON with keys sorted at every level, so equal documents digest equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/**
 * ProjectLifecycle (issue 4 §3): every evidence submission, gate approval and Linear issue change
 * (issue 16) re-evaluates the project's next gate in a workflow run, and tells approvers
 * (`gate.ready`) when what the team supplies is complete and only approvals are missing, then
 * again (`canAdvance: true`) once the gate is fully met. It never advances the project: that
 * stays a person's decision.
 */
export function projectLifecycleModule(env: RuntimeEnv): RuntimeModule {
  const workflow: WorkflowDefinition<LifecycleInput> = {
    name: PROJECT_LIFECYCLE,
    steps: [
      {
        name: 'evaluate',
        async run(ctx): Promise<GateSummary> {
          const { projectId } = ctx.input;
          const project = await ctx.repos.projects.byId(projectId);
          const empty: GateSummary = {
            projectId,
            projectName: project?.name ?? null,
            podId: project?.podId ?? null,
            currentStage: project?.currentStage ?? null,
            stage: null,
            ready: false,
            evidenceComplete: false,
            approvalsRequired: 0,
            approvalsReceived: 0,
            approverRoles: [],
            evidenceId: null,
            evidenceDigest: null,
            unmet: project ? [] : ['project not found'],
          };
          if (!project) return empty;
          const gate = await ctx.services.stages.evaluate(SYSTEM, projectId);
          if (!gate.nextStage) return { ...empty, unmet: gate.criteria.map((c) => c.message) };
          const evidence = await ctx.repos.projects.latestEvidence(projectId, gate.nextStage);
          const approvals = gate.criteria.find((c) => c.kind === 'approvals');
          return {
            ...empty,
            stage: gate.nextStage,
            ready: gate.ready,
            // Everything the team supplies (evidence, Linear issues done): then only approvals are missing.
            evidenceComplete: gate.criteria
              .filter((c) => criterionGroup(c.kind) === 'requirement')
              .every((c) => c.met),
            approvalsRequired: approvals?.required ?? 0,
            approvalsReceived: approvals?.received ?? 0,
            approverRoles: approvals?.roles ?? [],
            evidenceId: evidence?.id ?? null,
            evidenceDigest: evidence ? env.deps.secrets.sha256(canonicalJson(evidence.data)) : null,
            unmet: gate.criteria.filter((c) => !c.met).map((c) => c.message),
          };
        },
      },
      {
        name: 'notify-approvers',
        async run(ctx) {
          const g = ctx.outputs.evaluate as GateSummary;
          const waiting = g.evidenceComplete && g.approvalsReceived < g.approvalsRequired;
          if (!g.stage || !(g.ready || waiting))
            return { notified: false, reason: 'gate not ready for approvers' };
          // Once per project, stage and evidence content (and once more when the gate is fully met):
          // further approvals, redelivered events and the same evidence submitted again stay quiet.
          const key = `gate.ready:${g.projectId}:${g.stage}:${g.evidenceDigest ?? 'no-evidence'}${g.ready ? ':can-advance' : ''}`;
          if (!(await ctx.repos.workflows.claimJobKey(key, ctx.now)))
            return { notified: false, reason: 'already notified', key };
          await ctx.repos.events.emit({
            type: 'gate.ready',
            podId: g.podId,
            subjectType: 'project',
            subjectId: g.projectId,
            actorId: null,
            data: {
              projectId: g.projectId,
              projectName: g.projectName,
              stage: g.stage,
              approvalsNeeded: Math.max(0, g.approvalsRequired - g.approvalsReceived),
              approverRoles: g.approverRoles,
              evidenceId: g.evidenceId,
              canAdvance: g.ready,
            },
            occurredAt: ctx.now,
          });
          return { notified: true, canAdvance: g.ready, key };
        },
      },
    ],
  };

  return {
    name: PROJECT_LIFECYCLE,
    workflows: [workflow as WorkflowDefinition<never>],
    subscribers: [
      {
        name: PROJECT_LIFECYCLE,
        // A Linear issue's change can complete a gate that asks for `linear_issues_done`.
        types: ['project.evidence_submitted', 'gate.approved', 'linear.issue_updated'],
        // One run per event: a redelivered event finds its run's key taken and starts nothing.
        async dispatch(event, { tx }) {
          await env.startRun(tx, {
            workflow: PROJECT_LIFECYCLE,
            key: `${PROJECT_LIFECYCLE}:${event.id}`,
            podId: event.podId,
            input: { projectId: event.subjectId, eventId: event.id },
          });
        },
      },
    ],
  };
}
