import { type Ctx, NotFoundError, type Project, SYSTEM_ACTOR } from '@clos/core';
import type { RuntimeEnv, RuntimeModule } from '@clos/workflows';
import type { IntegrationLogger } from '../integration.ts';
import { type LinearApi, rateLimitResetAt } from './client.ts';
import { linearIds } from './ids.ts';
import type { LinearSettings } from './settings.ts';
import { projectLinks, renderIssue } from './templates.ts';
import { LINEAR_QUEUE, type LinearIssueDelivery } from './webhook-route.ts';

/** Changes made for Linear are audited as this actor. */
const LINEAR_CTX: Ctx = { actor: { ...SYSTEM_ACTOR, label: 'linear' }, requestId: null };

/** The work of one `clos.linear` job. */
export type LinearJob =
  | { stageEntered: { projectId: string; stage: string } }
  | { note: { projectId: string; eventId: string; blocked: boolean; reason: string | null; actor: string } }
  | { delivery: LinearIssueDelivery }
  | { reconcile: string }
  | { reconcileAll: true };

/** The shortest wait after a rate limit, even when the announced reset has passed (clocks differ). */
const MIN_RATE_LIMIT_WAIT_MS = 5_000;
/** The longest a rate-limited job waits for Linear's reset before it tries again. */
const MAX_RATE_LIMIT_WAIT_MS = 60 * 60_000;

/**
 * The Linear integration's job (docs/linear.md): creates a project's Linear project and its stage's
 * template issues when it enters a stage, posts block and unblock notes, applies Issue webhooks and
 * re-reads linked projects on a schedule. Every Linear call goes through the SDK (`LinearApi`).
 */
export function linearModule(
  api: LinearApi,
  settings: Pick<LinearSettings, 'publicUrl'>,
  logger: IntegrationLogger,
) {
  return (env: RuntimeEnv): RuntimeModule => {
    const policy = env.policy.linear;
    const services = env.services;

    async function projectAndTeam(
      projectId: string,
    ): Promise<{ project: Project; pod: string; teamKey: string } | null> {
      let project: Project;
      try {
        project = await services.stages.get(LINEAR_CTX, projectId);
      } catch (error) {
        if (error instanceof NotFoundError) return null;
        throw error;
      }
      const pod = await env.deps.uow.read.pods.byId(project.podId);
      const teamKey = pod ? policy.teams[pod.slug] : undefined;
      if (!pod || !teamKey) return null;
      return { project, pod: pod.slug, teamKey };
    }

    /** The project's Linear project, created in the team the first time (a deterministic id: once). */
    async function ensureLinearProject(project: Project, teamKey: string, pod: string) {
      const existing = await services.linear.projectLink(project.id);
      if (existing) return existing;
      const team = await api.teamByKey(teamKey);
      if (!team)
        throw new Error(
          `linear.teams maps pod "${pod}" to team "${teamKey}", which the Linear workspace does not have`,
        );
      const links = projectLinks(settings.publicUrl, project.key ?? project.id);
      const created = await api.ensureProject({
        id: linearIds.project(project.id),
        name: project.name,
        description: links.projectUrl
          ? `CLOS project ${project.key ?? project.id}: ${links.projectUrl}`
          : `CLOS project ${project.key ?? project.id} (CLOS_PUBLIC_URL is not set: no link)`,
        teamId: team.id,
      });
      return services.linear.linkProject(LINEAR_CTX, {
        projectId: project.id,
        linearId: created.id,
        teamKey: team.key,
        name: created.name,
        url: created.url,
      });
    }

    /** A project entered `stage`: its Linear project, then the stage's template issues, each once. */
    async function onStageEntered(projectId: string, stage: string) {
      const found = await projectAndTeam(projectId);
      if (!found || found.project.closedAt) return;
      const { project, pod, teamKey } = found;
      // Imported from Linear (`clos import linear`): it has its Linear project and its work there
      // already. It is linked to it (whichever of this job and the importer gets there first), and gets
      // no template issues for the stage it was imported at; stages it enters later get theirs.
      const origin = await services.imports.origin(project.id);
      if (origin?.source.startsWith('linear:')) {
        if (!(await services.linear.projectLink(project.id))) {
          const existing = await api.project(origin.externalId);
          if (existing)
            await services.linear.linkProject(LINEAR_CTX, {
              projectId: project.id,
              linearId: existing.id,
              teamKey: origin.source.slice('linear:'.length),
              name: existing.name,
              url: existing.url,
            });
        }
        if (stage === project.currentStage && (await importedAt(project.id)) === stage) return;
      }
      // A project moves on (or was imported past this stage) before the job runs: nothing to create.
      if (stage !== project.currentStage) return;
      const link = await ensureLinearProject(project, teamKey, pod);
      const templates = policy.stages[stage]?.issues ?? [];
      if (templates.length === 0) return;
      const team = await api.teamByKey(link.teamKey);
      if (!team)
        throw new Error(`the Linear team "${link.teamKey}" of project ${project.name} no longer exists`);
      const context = {
        project: project.name,
        pod,
        stage,
        ...projectLinks(settings.publicUrl, project.key ?? project.id),
      };
      const labelIds = new Map<string, string>();
      const label = async (name: string) => {
        let id = labelIds.get(name);
        if (!id) {
          id = await api.ensureLabel(team.id, name);
          labelIds.set(name, id);
        }
        return id;
      };
      for (const [index, template] of templates.entries()) {
        if (await services.linear.templateIssue(project.id, stage, index)) continue;
        const issue = renderIssue(template, context);
        const ids: string[] = [];
        for (const name of [stage, ...issue.labels]) {
          const id = await label(name);
          if (!ids.includes(id)) ids.push(id);
        }
        const created = await api.ensureIssue({
          id: linearIds.issue(project.id, stage, index),
          teamId: team.id,
          projectId: link.linearId,
          title: issue.title,
          description: issue.description,
          labelIds: ids,
          estimate: issue.estimate,
        });
        await services.linear.trackCreated(LINEAR_CTX, project.id, created, { stage, templateIndex: index });
      }
    }

    /** The stage an imported project was placed at: its first transition's, when that was an import. */
    async function importedAt(projectId: string): Promise<string | null> {
      const { transitions } = await services.stages.timeline(LINEAR_CTX, projectId);
      const imported = transitions.find((t) => (t.evidence as { imported?: unknown }).imported);
      return imported?.toStage ?? transitions[0]?.toStage ?? null;
    }

    /** A block or unblock, as a project update on the linked Linear project (its feed and health). */
    async function onNote(note: Extract<LinearJob, { note: unknown }>['note']) {
      const link = await services.linear.projectLink(note.projectId);
      if (!link) return; // not linked: nothing to tell
      const body = note.blocked
        ? `**Blocked in CLOS** by ${note.actor}: ${note.reason ?? '(no reason given)'}`
        : `**Unblocked in CLOS** by ${note.actor}${note.reason ? `: ${note.reason}` : ''}`;
      await api.postProjectUpdate({
        id: linearIds.note(note.eventId),
        projectId: link.linearId,
        body,
        health: note.blocked ? 'atRisk' : 'onTrack',
      });
    }

    /** An Issue webhook: the issue's row follows it, if it is (or was) in a linked project. */
    async function onDelivery(delivery: LinearIssueDelivery) {
      const tracked = await services.linear.issue(delivery.issueId);
      const link = delivery.projectId
        ? await services.linear.projectLinkByLinearId(delivery.projectId)
        : null;
      if (delivery.issue && link) {
        await services.linear.applyIssue(
          LINEAR_CTX,
          link.projectId,
          delivery.issueId,
          delivery.issue,
          'webhook',
        );
        return;
      }
      // Removed, or moved out of the linked project: no longer counted.
      if (tracked)
        await services.linear.applyIssue(LINEAR_CTX, tracked.projectId, delivery.issueId, null, 'webhook');
    }

    /** Re-reads a linked project's issues and applies what changed while webhooks were missed. */
    async function reconcile(projectId: string) {
      const link = await services.linear.projectLink(projectId);
      if (!link) return;
      const issues = await api.projectIssues(link.linearId);
      const seen = new Set<string>();
      for (const issue of issues) {
        seen.add(issue.linearId);
        await services.linear.applyIssue(LINEAR_CTX, projectId, issue.linearId, issue, 'reconciliation');
      }
      for (const tracked of await services.linear.issues(projectId))
        if (!seen.has(tracked.linearId) && tracked.removedAt === null)
          await services.linear.applyIssue(LINEAR_CTX, projectId, tracked.linearId, null, 'reconciliation');
      await services.linear.touchProject(projectId);
    }

    async function run(job: LinearJob) {
      if ('stageEntered' in job) return onStageEntered(job.stageEntered.projectId, job.stageEntered.stage);
      if ('note' in job) return onNote(job.note);
      if ('delivery' in job) return onDelivery(job.delivery);
      if ('reconcile' in job) return reconcile(job.reconcile);
      if ('reconcileAll' in job)
        for (const link of await services.linear.projectLinks())
          await env.queue.enqueue(
            LINEAR_QUEUE,
            { reconcile: link.projectId },
            { singletonKey: `reconcile:${link.projectId}` },
          );
    }

    const everyMs = policy.reconcileMinutes * 60_000;
    let lastReconciled: number | null = null;

    return {
      name: 'linear',
      // The first tick of each worker queues a reconciliation of every linked project, then every
      // reconcileMinutes (0: only that first one). Each is a job: a failure is retried and recorded.
      async onTick(now) {
        if (lastReconciled !== null && (everyMs === 0 || now.getTime() - lastReconciled < everyMs)) return;
        lastReconciled = now.getTime();
        await env.queue.enqueue(LINEAR_QUEUE, { reconcileAll: true });
      },
      jobs: [
        {
          queue: LINEAR_QUEUE,
          policy: {
            retryLimit: env.policy.workflows.retryLimit,
            retryDelay: env.policy.workflows.retryDelaySeconds,
            retryBackoff: true,
            expireInSeconds: env.policy.workflows.jobTimeoutSeconds,
          },
          async handle(data: LinearJob) {
            try {
              await run(data);
            } catch (error) {
              // Linear's rate limit: wait for the reset it announced, as a new job due then, instead of
              // spending retries (or hammering it) meanwhile. Every step is idempotent, so the job
              // starting over from the top redoes nothing that was done.
              const nowMs = Date.now();
              const resetAt = rateLimitResetAt(error, nowMs);
              if (!resetAt) throw error;
              const startAfter = new Date(
                Math.min(
                  Math.max(resetAt.getTime(), nowMs + MIN_RATE_LIMIT_WAIT_MS),
                  nowMs + MAX_RATE_LIMIT_WAIT_MS,
                ),
              );
              logger.warn(
                { job: Object.keys(data)[0], retryAt: startAfter.toISOString() },
                'Linear rate limit reached; the job runs again after the reset',
              );
              await env.queue.enqueue(LINEAR_QUEUE, data as unknown as Record<string, unknown>, {
                startAfter,
              });
            }
          },
        },
      ],
      subscribers: [
        {
          name: 'linear',
          types: ['project.created', 'stage.advanced', 'stage.blocked', 'stage.unblocked'],
          // In the relay's transaction: each event queues its job exactly once.
          async dispatch(event, { enqueue }) {
            if (event.subjectType !== 'project') return;
            const projectId = event.subjectId;
            if (event.type === 'project.created' || event.type === 'stage.advanced') {
              const stage = event.data.after?.stage;
              if (stage) await enqueue(LINEAR_QUEUE, { stageEntered: { projectId, stage } });
              return;
            }
            if (event.type === 'stage.blocked' || event.type === 'stage.unblocked')
              await enqueue(LINEAR_QUEUE, {
                note: {
                  projectId,
                  eventId: event.id,
                  blocked: event.type === 'stage.blocked',
                  reason:
                    event.type === 'stage.blocked'
                      ? (event.data.after?.blockedReason ?? event.data.reason ?? null)
                      : (event.data.reason ?? null),
                  actor: event.data.actor,
                },
              });
          },
        },
      ],
    };
  };
}
