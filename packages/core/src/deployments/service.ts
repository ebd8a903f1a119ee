import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { ConflictError, type FieldProblem, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import type { Policy } from '../policy.ts';
import type { Deployment, DeploymentStatus } from '../ports/deployments.ts';
import type { PageRequest, Repositories } from '../ports/repositories.ts';
import { findProjectByRef } from '../stages/project-key.ts';
import { podBySlug } from '../wip/service.ts';
import type { WorkflowStep } from '../workflows/entities.ts';

/** The workflow whose runs hold deployments' steps. Its runs are driven by CI reports, not a worker. */
export const DEPLOYMENT_WORKFLOW = 'deployment';
/** A deployment's steps, in the order they must succeed. */
export const DEPLOYMENT_STEPS = ['build', 'test', 'stage', 'prod'] as const;
export type DeploymentStep = (typeof DEPLOYMENT_STEPS)[number];
export const DEPLOYMENT_STEP_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type DeploymentStepStatus = (typeof DEPLOYMENT_STEP_STATUSES)[number];

export interface StartDeploymentInput {
  /** The pod's slug. */
  pod: string;
  projectId?: string | null | undefined;
  version: string;
  url?: string | null | undefined;
}

export interface StepReport {
  step: DeploymentStep;
  status: DeploymentStepStatus;
  startedAt?: Date | undefined;
  finishedAt?: Date | undefined;
  url?: string | null | undefined;
  error?: string | null | undefined;
}

/** A deploy reported by another system (a GitHub deployment or workflow run), by its id there. */
export interface ExternalDeploymentReport {
  /** The pod's slug. */
  pod: string;
  projectId?: string | null | undefined;
  /** Unique per deploy where it came from, e.g. `github:acme/api/deployments/42`. */
  externalId: string;
  version: string;
  /** The one step it stands for: `prod` for production, `stage` for any other environment. */
  step: DeploymentStep;
  status: DeploymentStepStatus;
  at?: Date | undefined;
  url?: string | null | undefined;
  error?: string | null | undefined;
}

export interface DeploymentStepView {
  name: DeploymentStep;
  status: WorkflowStep['status'];
  startedAt: Date | null;
  finishedAt: Date | null;
  durationSeconds: number | null;
  url: string | null;
  error: string | null;
}

export interface DeploymentView extends Deployment {
  /** The pod's slug. */
  pod: string;
  durationSeconds: number | null;
}

export interface DeploymentDetail extends DeploymentView {
  steps: DeploymentStepView[];
}

export interface DeploymentStats {
  pod: string;
  days: number;
  /** Deployments that finished in the window. */
  total: number;
  succeeded: number;
  failed: number;
  /** succeeded ÷ total; null when none finished. */
  successRate: number | null;
  meanDurationSeconds: number | null;
}

const DAY = 86_400_000;
const ORDER = DEPLOYMENT_STEPS.join(' → ');
const HTTP_URL = /^https?:\/\/[^\s]+$/i;

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.max(0, to.getTime() - from.getTime()) / 1000 : null;

function urlProblems(url: string | null | undefined, path: string): FieldProblem[] {
  if (url == null) return [];
  if (!HTTP_URL.test(url)) return [{ path, message: 'must be an http(s) URL' }];
  if (url.length > 2000) return [{ path, message: 'must be at most 2000 characters' }];
  return [];
}

/**
 * The HTTP schema checks these too; repeated because other callers (GraphQL, jobs) reach the use case
 * without it.
 */
function startProblems(input: StartDeploymentInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof input.version !== 'string' || !input.version.trim() || input.version.length > 200)
    problems.push({ path: 'version', message: 'must be 1–200 characters' });
  problems.push(...urlProblems(input.url, 'url'));
  return problems;
}

function reportProblems(input: StepReport): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!(DEPLOYMENT_STEPS as readonly string[]).includes(input.step))
    problems.push({ path: 'step', message: `must be one of ${DEPLOYMENT_STEPS.join(', ')}` });
  if (!(DEPLOYMENT_STEP_STATUSES as readonly string[]).includes(input.status))
    problems.push({ path: 'status', message: `must be one of ${DEPLOYMENT_STEP_STATUSES.join(', ')}` });
  for (const key of ['startedAt', 'finishedAt'] as const) {
    const at = input[key];
    if (at !== undefined && (!(at instanceof Date) || Number.isNaN(at.getTime())))
      problems.push({ path: key, message: 'must be a date-time' });
  }
  if (input.status === 'running' && input.finishedAt !== undefined)
    problems.push({ path: 'finishedAt', message: 'only a finished step (succeeded or failed) has one' });
  if (input.error != null && (typeof input.error !== 'string' || input.error.length > 2000))
    problems.push({ path: 'error', message: 'must be at most 2000 characters' });
  problems.push(...urlProblems(input.url, 'url'));
  return problems;
}

function stepView(s: WorkflowStep): DeploymentStepView {
  const output = (s.output ?? {}) as { url?: unknown };
  return {
    // The run was created with exactly these steps.
    name: s.name as DeploymentStep,
    status: s.status,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationSeconds: seconds(s.startedAt, s.finishedAt),
    url: typeof output.url === 'string' ? output.url : null,
    error: s.error,
  };
}

const view = (d: Deployment, pod: string): DeploymentView => ({
  ...d,
  pod,
  durationSeconds: seconds(d.startedAt, d.finishedAt),
});

async function detail(repos: Repositories, d: Deployment, pod: string): Promise<DeploymentDetail> {
  return { ...view(d, pod), steps: (await repos.workflows.steps(d.runId)).map(stepView) };
}

/**
 * The pod's deployment success rate (0–1) over the alert window (`alerts.deploymentWindowDays`), or
 * null when no deployment finished in it. Feeds pod health.
 */
export async function deploymentSuccessRate(
  repos: Repositories,
  policy: Pick<Policy, 'alerts'>,
  podId: string,
  now: Date,
): Promise<number | null> {
  const since = new Date(now.getTime() - policy.alerts.deploymentWindowDays * DAY);
  const tally = (await repos.deployments.finishedSince(since, podId))[podId];
  if (!tally) return null;
  const total = tally.succeeded + tally.failed;
  return total === 0 ? null : Math.round((tally.succeeded / total) * 10_000) / 10_000;
}

/**
 * Deployments reported by CI (issue 4 §3 "Deployment"): each is a workflow run whose steps
 * build → test → stage → prod are reported one by one, in order.
 */
export function createDeploymentService(deps: Deps) {
  const { uow, clock, ids } = deps;

  /** Opens a deployment and its run, the given steps pending; CI's (or GitHub's) reports drive it. */
  async function open(
    repos: Repositories,
    ctx: Ctx,
    pod: { id: string; slug: string },
    input: {
      projectId: string | null;
      version: string;
      url: string | null;
      steps: DeploymentStep[];
      externalId: string | null;
    },
  ): Promise<Deployment> {
    const now = clock.now();
    const id = ids.uuid();
    const run = await repos.workflows.createRun(
      {
        id: ids.uuid(),
        workflow: DEPLOYMENT_WORKFLOW,
        key: `deployment:${id}`,
        podId: pod.id,
        input: { deploymentId: id, pod: pod.slug, version: input.version, projectId: input.projectId },
        scheduledFor: null,
        createdAt: now,
      },
      input.steps,
    );
    // The key is fresh, so the run is always created; no worker executes it.
    await repos.workflows.updateRun(run!.id, { status: 'running', startedAt: now, attempts: 1 });
    const deployment: Deployment = {
      id,
      podId: pod.id,
      projectId: input.projectId,
      version: input.version,
      status: 'running',
      runId: run!.id,
      url: input.url,
      createdBy: ctx.actor.userId,
      startedAt: now,
      finishedAt: null,
      externalId: input.externalId,
    };
    await repos.deployments.insert(deployment);
    await record(repos, ctx, now, {
      podId: pod.id,
      action: 'deployment.started',
      subjectType: 'deployment',
      subjectId: id,
      after: {
        pod: pod.slug,
        version: input.version,
        projectId: input.projectId,
        url: deployment.url,
        runId: run!.id,
      },
    });
    return deployment;
  }

  /** Ends a deployment: the steps after `step` skipped, the run and the deployment finished, one event. */
  async function finish(
    repos: Repositories,
    ctx: Ctx,
    deployment: Deployment,
    pod: { id: string; slug: string },
    end: {
      outcome: 'succeeded' | 'failed';
      step: DeploymentStep;
      at: Date;
      error: string | null;
      url: string | null;
    },
    laterSteps: readonly string[],
  ): Promise<Deployment> {
    const ended = new Date(Math.max(end.at.getTime(), deployment.startedAt.getTime()));
    for (const later of laterSteps)
      await repos.workflows.updateStep(deployment.runId, later, { status: 'skipped' });
    await repos.workflows.updateRun(deployment.runId, {
      status: end.outcome,
      finishedAt: ended,
      error: end.outcome === 'failed' ? `${end.step}: ${end.error}` : null,
      output: { deploymentId: deployment.id, status: end.outcome, version: deployment.version },
    });
    await repos.deployments.update(deployment.id, { status: end.outcome, finishedAt: ended });
    await record(repos, ctx, clock.now(), {
      podId: pod.id,
      action: 'deployment.finished',
      subjectType: 'deployment',
      subjectId: deployment.id,
      before: { status: 'running' },
      after: {
        status: end.outcome,
        ...(end.outcome === 'failed' ? { failedStep: end.step, error: end.error } : {}),
        pod: pod.slug,
        version: deployment.version,
        url: end.url ?? deployment.url,
        durationSeconds: seconds(deployment.startedAt, ended),
      },
    });
    return { ...deployment, status: end.outcome, finishedAt: ended };
  }

  /** The project a deployment names, by id or key, in the pod; the deployment stores the id. */
  async function projectIn(repos: Repositories, pod: { id: string; slug: string }, ref: string) {
    const project = await findProjectByRef(repos, ref);
    if (!project || project.podId !== pod.id)
      throw new InvalidInputError([{ path: 'projectId', message: `no project ${ref} in pod "${pod.slug}"` }]);
    return project.id;
  }

  return {
    /** Opens a deployment and its run (steps all pending) in one transaction. */
    async start(ctx: Ctx, input: StartDeploymentInput): Promise<DeploymentDetail> {
      assertCan(ctx.actor, 'projects:work');
      const problems = startProblems(input);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, input.pod);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        // An id or a key (CI scripts name projects by key).
        const projectId = input.projectId ? await projectIn(repos, pod, input.projectId) : null;
        const deployment = await open(repos, ctx, pod, {
          projectId,
          version: input.version,
          url: input.url ?? null,
          steps: [...DEPLOYMENT_STEPS],
          externalId: null,
        });
        return detail(repos, deployment, pod.slug);
      });
    },

    /**
     * Records one step's report. Steps go in order (a step before its predecessor succeeded is a 409);
     * a failed step fails the deployment and skips the rest; `prod` succeeding finishes it. Reporting a
     * step's current status again changes nothing; any other report on a finished deployment is a 409.
     */
    async reportStep(ctx: Ctx, id: string, input: StepReport): Promise<DeploymentDetail> {
      assertCan(ctx.actor, 'projects:work');
      const problems = reportProblems(input);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const deployment = await repos.deployments.lockById(id);
        if (!deployment) throw new NotFoundError('deployment', id);
        const pod = (await repos.pods.byId(deployment.podId))!;
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const steps = await repos.workflows.steps(deployment.runId);
        const index = DEPLOYMENT_STEPS.indexOf(input.step);
        const step = steps.find((s) => s.name === input.step)!;
        // CI retries a report it did not see answered: the same status again is a no-op.
        if (step.status === input.status) return detail(repos, deployment, pod.slug);
        if (deployment.status !== 'running')
          throw new ConflictError(`deployment already ${deployment.status}; it takes no more step reports`, {
            status: deployment.status,
          });
        const waitingFor = steps.slice(0, index).find((s) => s.status !== 'succeeded');
        if (waitingFor)
          throw new ConflictError(
            `step "${input.step}" cannot be reported before "${waitingFor.name}" succeeded (order: ${ORDER})`,
            { step: input.step, waitingFor: waitingFor.name, order: DEPLOYMENT_STEPS },
          );
        if (step.status === 'succeeded')
          throw new ConflictError(
            `step "${input.step}" already succeeded; it cannot become ${input.status}`,
            {
              step: input.step,
              status: step.status,
            },
          );

        const now = clock.now();
        const finished = input.status !== 'running';
        const finishedAt = finished ? (input.finishedAt ?? now) : null;
        // A step reported only once it finished, without a start, lasted no measurable time.
        const startedAt = input.startedAt ?? step.startedAt ?? finishedAt ?? now;
        if (finishedAt && finishedAt < startedAt)
          throw new InvalidInputError([
            {
              path: 'finishedAt',
              message: `must not be before the step started (${startedAt.toISOString()})`,
            },
          ]);
        const url = input.url ?? ((step.output ?? {}) as { url?: string }).url ?? null;
        const error = input.status === 'failed' ? (input.error ?? 'failed') : null;
        await repos.workflows.updateStep(deployment.runId, input.step, {
          status: input.status,
          attempts: Math.max(1, step.attempts),
          startedAt,
          finishedAt,
          output: url ? { url } : null,
          error,
        });
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'deployment.step_reported',
          subjectType: 'deployment',
          subjectId: id,
          before: { step: input.step, status: step.status },
          after: {
            step: input.step,
            status: input.status,
            startedAt: startedAt?.toISOString() ?? null,
            finishedAt: finishedAt?.toISOString() ?? null,
            durationSeconds: seconds(startedAt, finishedAt),
            url,
            error,
          },
        });

        const last = index === DEPLOYMENT_STEPS.length - 1;
        const outcome: 'succeeded' | 'failed' | null =
          input.status === 'failed' ? 'failed' : input.status === 'succeeded' && last ? 'succeeded' : null;
        const current = outcome
          ? await finish(
              repos,
              ctx,
              deployment,
              pod,
              { outcome, step: input.step, at: finishedAt!, error, url },
              DEPLOYMENT_STEPS.slice(index + 1),
            )
          : deployment;
        return detail(repos, current, pod.slug);
      });
    },

    /**
     * Records a deploy reported by another system (GitHub's deployment statuses, a workflow run): the
     * first report opens the deployment with the one step it stands for, later ones move it. Reports
     * arrive out of order and more than once: one on a finished deployment changes nothing (GitHub
     * marks superseded deployments `inactive` after they succeeded, and may deliver `in_progress`
     * after `success`). Two first reports at once: the unique `externalId` refuses the second, whose
     * job retries and finds the first.
     */
    async recordExternal(ctx: Ctx, input: ExternalDeploymentReport): Promise<DeploymentDetail> {
      assertCan(ctx.actor, 'projects:work');
      const problems = [
        ...startProblems(input),
        ...reportProblems({ step: input.step, status: input.status, url: input.url, error: input.error }),
      ];
      if (!input.externalId || input.externalId.length > 300)
        problems.push({ path: 'externalId', message: 'must be 1–300 characters' });
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, input.pod);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const deployment =
          (await repos.deployments.lockByExternalId(input.externalId)) ??
          (await open(repos, ctx, pod, {
            projectId: input.projectId ? await projectIn(repos, pod, input.projectId) : null,
            version: input.version,
            url: input.url ?? null,
            steps: [input.step],
            externalId: input.externalId,
          }));
        if (deployment.status !== 'running') return detail(repos, deployment, pod.slug);
        const [step] = await repos.workflows.steps(deployment.runId);
        if (!step || step.status === input.status) return detail(repos, deployment, pod.slug);
        const now = clock.now();
        const at = input.at ?? now;
        const finished = input.status !== 'running';
        const url = input.url ?? deployment.url;
        const error = input.status === 'failed' ? (input.error ?? 'failed') : null;
        const startedAt = step.startedAt ?? at;
        await repos.workflows.updateStep(deployment.runId, step.name, {
          status: input.status,
          attempts: Math.max(1, step.attempts),
          startedAt,
          finishedAt: finished ? at : null,
          output: url ? { url } : null,
          error,
        });
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'deployment.step_reported',
          subjectType: 'deployment',
          subjectId: deployment.id,
          before: { step: step.name, status: step.status },
          after: {
            step: step.name,
            status: input.status,
            startedAt: startedAt.toISOString(),
            finishedAt: finished ? at.toISOString() : null,
            durationSeconds: finished ? seconds(startedAt, at) : null,
            url,
            error,
          },
        });
        const current = finished
          ? await finish(
              repos,
              ctx,
              deployment,
              pod,
              {
                outcome: input.status as 'succeeded' | 'failed',
                step: step.name as DeploymentStep,
                at,
                error,
                url,
              },
              [],
            )
          : deployment;
        return detail(repos, current, pod.slug);
      });
    },

    async get(ctx: Ctx, id: string): Promise<DeploymentDetail> {
      assertCan(ctx.actor, 'read');
      const deployment = await uow.read.deployments.byId(id);
      if (!deployment) throw new NotFoundError('deployment', id);
      const pod = (await uow.read.pods.byId(deployment.podId))!;
      return detail(uow.read, deployment, pod.slug);
    },

    /** Newest first. */
    async list(
      ctx: Ctx,
      filter: { pod?: string | undefined; status?: DeploymentStatus | undefined },
      page: PageRequest,
    ) {
      assertCan(ctx.actor, 'read');
      const podId = filter.pod ? (await podBySlug(uow.read, filter.pod)).id : undefined;
      const result = await uow.read.deployments.list({ podId, status: filter.status }, page);
      const pods = await uow.read.pods.byIds([...new Set(result.items.map((d) => d.podId))]);
      const slugOf = new Map(pods.map((p) => [p.id, p.slug]));
      return {
        items: result.items.map((d) => view(d, slugOf.get(d.podId) ?? '')),
        nextCursor: result.nextCursor,
      };
    },

    /** Deployments of a pod that finished in the last `days` days: counts, success rate, mean duration. */
    async stats(ctx: Ctx, podSlug: string, days: number): Promise<DeploymentStats> {
      assertCan(ctx.actor, 'read');
      if (!Number.isFinite(days) || days <= 0 || days > 365)
        throw new InvalidInputError([{ path: 'days', message: 'must be a number of days from 1 to 365' }]);
      const pod = await podBySlug(uow.read, podSlug);
      const since = new Date(clock.now().getTime() - days * DAY);
      const tally = (await uow.read.deployments.finishedSince(since, pod.id))[pod.id];
      const succeeded = tally?.succeeded ?? 0;
      const failed = tally?.failed ?? 0;
      const total = succeeded + failed;
      return {
        pod: pod.slug,
        days,
        total,
        succeeded,
        failed,
        successRate: total === 0 ? null : Math.round((succeeded / total) * 10_000) / 10_000,
        meanDurationSeconds: tally?.meanDurationSeconds ?? null,
      };
    },
  };
}

export type DeploymentService = ReturnType<typeof createDeploymentService>;
