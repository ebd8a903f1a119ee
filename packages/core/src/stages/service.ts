import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import {
  type ApprovalDecision,
  CI_STATES,
  type CiState,
  type CiStatus,
  type Pod,
  type Project,
  type ProjectOutcome,
  type PullRequestMerge,
} from '../entities.ts';
import { ConflictError, type FieldProblem, ForbiddenError, InvalidInputError } from '../errors.ts';
import { record } from '../events/record.ts';
import type { PageRequest, ProjectFilter, Repositories } from '../ports/repositories.ts';
import { fail, ok, type Result } from '../result.ts';
import { acquireInTx, podBySlug, releaseInTx, type WipLimitExceeded } from '../wip/service.ts';
import { type GateEvaluation, nextStageOf } from './gate.ts';
import { evaluateProjectGate } from './project-gate.ts';
import { chooseProjectKey, projectByRef } from './project-key.ts';

export interface GateCriteriaUnmet {
  code: 'gate_criteria_unmet';
  message: string;
  evaluation: GateEvaluation;
}

export const PROJECT_WIP_TYPE = 'project';

/** The CI context under which merged pull requests' checks are kept. */
export const MERGES_CI_CONTEXT = 'github/merges';

/** The context a CI report files under when the reporter names none. */
export const DEFAULT_CI_CONTEXT = 'ci';

export interface CiStatusInput {
  status: CiState;
  url?: string | null | undefined;
  context?: string | undefined;
}

/**
 * The HTTP schema checks these too; repeated here because other callers (GraphQL, jobs) reach the
 * use case without it, and the URL ends up as a link on the project's page.
 */
function ciStatusProblems(input: CiStatusInput, context: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!(CI_STATES as readonly string[]).includes(input.status))
    problems.push({ path: 'status', message: `must be one of ${CI_STATES.join(', ')}` });
  if (input.url != null && !/^https?:\/\/[^\s]+$/i.test(input.url))
    problems.push({ path: 'url', message: 'must be an http(s) URL' });
  if (input.url != null && input.url.length > 2000)
    problems.push({ path: 'url', message: 'must be at most 2000 characters' });
  if (!context || context.length > 100)
    problems.push({ path: 'context', message: 'must be 1–100 characters' });
  return problems;
}

/**
 * Row-locks a project the caller may act on and that is still open: a closed project takes no
 * evidence, approvals or moves. Scope is checked first, so other pods learn nothing of its state.
 */
async function openProject(
  repos: Repositories,
  ctx: Ctx,
  ref: string,
): Promise<{ project: Project; pod: Pod }> {
  const project = await projectByRef(repos, ref, true);
  const pod = (await repos.pods.byId(project.podId))!;
  assertPodScope(ctx.actor, pod.id, pod.slug);
  if (project.closedAt)
    throw new ConflictError(`project is closed (${project.outcome}); it no longer changes`, {
      outcome: project.outcome,
    });
  return { project, pod };
}

/**
 * Creates a project at the first stage and takes its pod's `project` WIP slot in the same transaction
 * (when that item type is configured). Used by `projects.create` and idea promotion. Without a `key`
 * one is derived from the name (see `chooseProjectKey`).
 */
export async function createProjectInTx(
  deps: Deps,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  input: { name: string; ideaId: string | null; key?: string | null | undefined },
): Promise<Result<Project, WipLimitExceeded>> {
  // Checked before the WIP slot is taken: a refused key must not show up as a refused acquire.
  const key = await chooseProjectKey(repos, input);
  const now = deps.clock.now();
  const id = deps.ids.uuid();
  let wipLockId: string | null = null;
  if (deps.policy.wip.types.some((t) => t.name === PROJECT_WIP_TYPE)) {
    const slot = await acquireInTx(deps, repos, ctx, pod, PROJECT_WIP_TYPE, id);
    if (!slot.ok) return slot;
    wipLockId = slot.value.lock.id;
  }
  const project: Project = {
    id,
    key,
    name: input.name,
    podId: pod.id,
    currentStage: deps.policy.stages[0]!.name,
    stageEnteredAt: now,
    blockedReason: null,
    blockedAt: null,
    ideaId: input.ideaId,
    wipLockId,
    closedAt: null,
    outcome: null,
    closeReason: null,
    createdAt: now,
    updatedAt: now,
  };
  await repos.projects.insert(project);
  await repos.projects.insertTransition({
    id: deps.ids.uuid(),
    projectId: id,
    fromStage: null,
    toStage: project.currentStage,
    evidence: {},
    approvedBy: [],
    actorId: ctx.actor.userId,
    createdAt: now,
  });
  await record(repos, ctx, now, {
    podId: project.podId,
    action: 'project.created',
    subjectType: 'project',
    subjectId: id,
    after: {
      name: project.name,
      key,
      pod: pod.slug,
      stage: project.currentStage,
      ideaId: input.ideaId,
    },
  });
  return ok(project);
}

/** Where an imported project came from, and what it was in its tracker. */
export interface ImportedProjectInput {
  name: string;
  key?: string | null | undefined;
  /** A configured stage; the first one when absent. */
  stage?: string | undefined;
  blockedReason?: string | null | undefined;
  source: string;
  externalId: string;
  /** When the tracker says the work started (ISO 8601), kept in the audit entry. */
  createdAt?: string | undefined;
}

/**
 * Creates an imported project (see {@link createProjectInTx}: first stage, WIP slot, `project.created`)
 * and places it at its tracker's stage in the same transaction: the move is a stage transition whose
 * evidence is `{ imported: { source, externalId } }`, with no approvals, and is audited as
 * `project.imported` rather than `stage.advanced`. Gates are not evaluated: the work passed them (or
 * not) in the tracker it comes from, and CLOS records that it did not judge them.
 */
export async function importProjectInTx(
  deps: Deps,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  input: ImportedProjectInput,
): Promise<Result<Project, WipLimitExceeded>> {
  const first = deps.policy.stages[0]!.name;
  const stage = input.stage ?? first;
  if (!deps.policy.stages.some((s) => s.name === stage))
    throw new InvalidInputError([{ path: 'stage', message: `unknown stage "${stage}"` }]);
  const created = await createProjectInTx(deps, repos, ctx, pod, {
    name: input.name,
    ideaId: null,
    key: input.key,
  });
  if (!created.ok) return created;
  const now = deps.clock.now();
  const imported = { source: input.source, externalId: input.externalId };
  const patch: Partial<Project> = {};
  if (stage !== first) {
    await repos.projects.insertTransition({
      id: deps.ids.uuid(),
      projectId: created.value.id,
      fromStage: first,
      toStage: stage,
      evidence: { imported },
      approvedBy: [],
      actorId: ctx.actor.userId,
      createdAt: now,
    });
    Object.assign(patch, { currentStage: stage, stageEnteredAt: now });
  }
  const blockedReason = input.blockedReason?.trim() || null;
  if (blockedReason) Object.assign(patch, { blockedReason, blockedAt: now });
  if (Object.keys(patch).length) await repos.projects.update(created.value.id, { ...patch, updatedAt: now });
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'project.imported',
    subjectType: 'project',
    subjectId: created.value.id,
    before: { stage: first },
    after: {
      stage,
      pod: pod.slug,
      ...imported,
      ...(input.createdAt ? { createdAt: input.createdAt } : {}),
      ...(blockedReason ? { blockedReason } : {}),
    },
  });
  return ok({ ...created.value, ...patch, ...(Object.keys(patch).length ? { updatedAt: now } : {}) });
}

/** Projects and their stage gates (seed §2.1 `stages`). */
export function createStageService(deps: Deps) {
  const { uow, clock, ids, policy } = deps;

  return {
    /** `key` is optional: without one the project gets a key derived from its name. */
    async create(
      ctx: Ctx,
      input: { name: string; pod: string; key?: string | null | undefined },
    ): Promise<Result<Project, WipLimitExceeded>> {
      assertCan(ctx.actor, 'projects:manage');
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, input.pod);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        return createProjectInTx(deps, repos, ctx, pod, { name: input.name, ideaId: null, key: input.key });
      });
    },

    /** `ref` is the project's id or its key, here and in every method below. */
    async get(ctx: Ctx, ref: string) {
      assertCan(ctx.actor, 'read');
      return projectByRef(uow.read, ref);
    },

    async list(
      ctx: Ctx,
      filter: Omit<ProjectFilter, 'podId'> & { pod?: string | undefined },
      page: PageRequest,
    ) {
      assertCan(ctx.actor, 'read');
      const podId = filter.pod ? (await podBySlug(uow.read, filter.pod)).id : undefined;
      return uow.read.projects.list(
        { podId, stage: filter.stage, blocked: filter.blocked, closed: filter.closed },
        page,
      );
    },

    /** The project's history: transitions, evidence and approvals, oldest first. */
    async timeline(ctx: Ctx, ref: string) {
      assertCan(ctx.actor, 'read');
      const project = await projectByRef(uow.read, ref);
      const { id } = project;
      const [transitions, evidence, approvals, ciStatus] = await Promise.all([
        uow.read.projects.transitions(id),
        uow.read.projects.evidence(id),
        uow.read.projects.approvals(id),
        uow.read.projects.latestCiStatuses(id),
      ]);
      return { project, transitions, evidence, approvals, ciStatus };
    },

    /**
     * Records a CI report (passed, failed, running) on an open project. Reports are history: each
     * one is kept, and the newest per context is the project's current CI state.
     */
    async recordCiStatus(ctx: Ctx, ref: string, input: CiStatusInput): Promise<CiStatus> {
      assertCan(ctx.actor, 'projects:work');
      const context = input.context?.trim() || DEFAULT_CI_CONTEXT;
      const problems = ciStatusProblems(input, context);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const { project } = await openProject(repos, ctx, ref);
        const { id } = project;
        const now = clock.now();
        const status: CiStatus = {
          id: ids.uuid(),
          projectId: id,
          status: input.status,
          url: input.url ?? null,
          context,
          reportedBy: ctx.actor.userId,
          createdAt: now,
        };
        await repos.projects.insertCiStatus(status);
        await record(repos, ctx, now, {
          podId: project.podId,
          action: 'project.ci_status',
          subjectType: 'project',
          subjectId: id,
          after: { status: status.status, url: status.url, context },
        });
        return status;
      });
    },

    /**
     * A pull request of a repository mapped to the project merged (the GitHub App): an event, and its
     * checks' outcome in the CI history under `github/merges` (with the pull request as the link), so
     * the project's page shows what merged and whether it was green.
     */
    async recordMerge(ctx: Ctx, ref: string, merge: PullRequestMerge) {
      assertCan(ctx.actor, 'projects:work');
      return uow.run(async (repos) => {
        const { project } = await openProject(repos, ctx, ref);
        const now = clock.now();
        if (merge.ci)
          await repos.projects.insertCiStatus({
            id: ids.uuid(),
            projectId: project.id,
            status: merge.ci,
            url: merge.url,
            context: MERGES_CI_CONTEXT,
            reportedBy: ctx.actor.userId,
            createdAt: now,
          });
        await record(repos, ctx, now, {
          podId: project.podId,
          action: 'project.pull_request_merged',
          subjectType: 'project',
          subjectId: project.id,
          after: { ...merge },
        });
      });
    },

    /** CI reports on a project, newest first. */
    async ciStatuses(ctx: Ctx, ref: string, filter: { context?: string | undefined }, page: PageRequest) {
      assertCan(ctx.actor, 'read');
      const project = await projectByRef(uow.read, ref);
      return uow.read.projects.ciStatuses(project.id, filter, page);
    },

    /** The next stage's gate, criterion by criterion. */
    async evaluate(ctx: Ctx, ref: string): Promise<GateEvaluation> {
      assertCan(ctx.actor, 'read');
      return evaluateProjectGate(deps, uow.read, await projectByRef(uow.read, ref));
    },

    /**
     * Stores evidence for the next stage (the latest submission is the one judged) and re-evaluates.
     * `stage` may name a later gated stage, whose gate judges it once the project gets there (evidence
     * as code merges when it is written, not when its gate comes up); `source` says where it came from.
     */
    async submitEvidence(
      ctx: Ctx,
      ref: string,
      evidence: Record<string, unknown>,
      options: { stage?: string | undefined; source?: string | null | undefined } = {},
    ) {
      assertCan(ctx.actor, 'projects:work');
      return uow.run(async (repos) => {
        const { project } = await openProject(repos, ctx, ref);
        const { id } = project;
        const next = nextStageOf(policy.stages, project.currentStage);
        if (!next)
          throw new ConflictError(
            `project is in the last stage "${project.currentStage}"; there is no gate to submit evidence for`,
          );
        const stage = options.stage ?? next.name;
        if (stage !== next.name) {
          const names = policy.stages.map((s) => s.name);
          const at = names.indexOf(stage);
          if (at === -1 || !policy.stages[at]!.gate)
            throw new InvalidInputError([
              { path: 'stage', message: `"${stage}" is not a stage with a gate` },
            ]);
          if (at <= names.indexOf(project.currentStage))
            throw new ConflictError(
              `project is already in "${project.currentStage}"; the gate into "${stage}" is behind it`,
              { stage, currentStage: project.currentStage },
            );
        }
        const now = clock.now();
        const submitted = {
          id: ids.uuid(),
          projectId: id,
          stage,
          data: evidence,
          submittedBy: ctx.actor.userId,
          source: options.source ?? null,
          createdAt: now,
        };
        await repos.projects.insertEvidence(submitted);
        await record(repos, ctx, now, {
          podId: project.podId,
          action: 'project.evidence_submitted',
          subjectType: 'project',
          subjectId: id,
          after: { stage, evidence, ...(submitted.source ? { source: submitted.source } : {}) },
        });
        return { evidence: submitted, gate: await evaluateProjectGate(deps, repos, project) };
      });
    },

    async decide(
      ctx: Ctx,
      ref: string,
      input: { decision: ApprovalDecision; comment?: string | null | undefined },
    ) {
      assertCan(ctx.actor, 'gates:approve');
      if (!ctx.actor.userId) throw new ForbiddenError('approvals must come from a user; this token has none');
      if (input.decision === 'reject' && !input.comment?.trim())
        throw new InvalidInputError([
          { path: 'comment', message: 'is required when rejecting, so the team knows what to fix' },
        ]);
      return uow.run(async (repos) => {
        const { project } = await openProject(repos, ctx, ref);
        const { id } = project;
        const next = nextStageOf(policy.stages, project.currentStage);
        if (!next?.gate)
          throw new ConflictError(
            `project is in the last stage "${project.currentStage}"; there is no gate to approve`,
          );
        const user = await repos.users.byId(ctx.actor.userId!);
        if (!user || !(next.gate.approvals.roles as string[]).includes(user.role))
          throw new ForbiddenError(
            `the gate into "${next.name}" accepts approvals from ${next.gate.approvals.roles.join(' or ')}; your role is ${user?.role ?? 'unknown'}`,
            { allowedRoles: next.gate.approvals.roles },
          );
        const now = clock.now();
        const approval = {
          id: ids.uuid(),
          projectId: id,
          stage: next.name,
          userId: user.id,
          decision: input.decision,
          comment: input.comment ?? null,
          createdAt: now,
        };
        await repos.projects.insertApproval(approval);
        await record(repos, ctx, now, {
          podId: project.podId,
          action: input.decision === 'approve' ? 'gate.approved' : 'gate.rejected',
          subjectType: 'project',
          subjectId: id,
          after: { stage: next.name, decision: input.decision },
          reason: input.comment ?? null,
        });
        return {
          approval: { ...approval, userEmail: user.email, userRole: user.role },
          gate: await evaluateProjectGate(deps, repos, project),
        };
      });
    },

    /** Moves to the next stage only; refuses with every unmet criterion and changes nothing. */
    async advance(
      ctx: Ctx,
      ref: string,
    ): Promise<Result<{ project: Project; gate: GateEvaluation }, GateCriteriaUnmet>> {
      assertCan(ctx.actor, 'projects:work');
      return uow.run(async (repos) => {
        const { project } = await openProject(repos, ctx, ref);
        const { id } = project;
        const gate = await evaluateProjectGate(deps, repos, project);
        if (gate.nextStage === null)
          throw new ConflictError(`project is already in the last stage "${project.currentStage}"`);
        if (!gate.ready) {
          const unmet = gate.criteria.filter((c) => !c.met);
          return fail({
            code: 'gate_criteria_unmet',
            message: `cannot enter "${gate.nextStage}": ${unmet.map((c) => c.message).join('; ')}`,
            evaluation: gate,
          });
        }
        const now = clock.now();
        const evidence = await repos.projects.latestEvidence(id, gate.nextStage);
        const approvers = gate.criteria.flatMap((c) => (c.kind === 'approvals' ? c.approvers : []));
        const approvals = await repos.projects.approvals(id, gate.nextStage);
        await repos.projects.insertTransition({
          id: ids.uuid(),
          projectId: id,
          fromStage: project.currentStage,
          toStage: gate.nextStage,
          evidence: evidence?.data ?? {},
          approvedBy: [
            ...new Set(approvals.filter((a) => approvers.includes(a.userEmail)).map((a) => a.userId)),
          ],
          actorId: ctx.actor.userId,
          createdAt: now,
        });
        const patch = { currentStage: gate.nextStage, stageEnteredAt: now, updatedAt: now };
        await repos.projects.update(id, patch);
        await record(repos, ctx, now, {
          podId: project.podId,
          action: 'stage.advanced',
          subjectType: 'project',
          subjectId: id,
          before: { stage: project.currentStage },
          after: { stage: gate.nextStage, approvedBy: approvers },
        });
        const advanced = { ...project, ...patch };
        return ok({ project: advanced, gate: await evaluateProjectGate(deps, repos, advanced) });
      });
    },

    /**
     * Ends a project and frees its `project` WIP slot in the same transaction. `shipped` only from
     * the last stage; `cancelled` from any stage, with a reason.
     */
    async close(
      ctx: Ctx,
      ref: string,
      input: { outcome: ProjectOutcome; reason?: string | null | undefined },
    ): Promise<Project> {
      assertCan(ctx.actor, 'projects:manage');
      const reason = input.reason?.trim() || null;
      if (input.outcome === 'cancelled' && !reason)
        throw new InvalidInputError([{ path: 'reason', message: 'is required when cancelling a project' }]);
      return uow.run(async (repos) => {
        const { project, pod } = await openProject(repos, ctx, ref);
        const { id } = project;
        const last = policy.stages[policy.stages.length - 1]!.name;
        if (input.outcome === 'shipped' && project.currentStage !== last)
          throw new ConflictError(
            `only a project in the last stage "${last}" can ship; this one is in "${project.currentStage}"`,
          );
        const now = clock.now();
        if (project.wipLockId) {
          const lock = await repos.wip.lockById(project.wipLockId);
          if (lock && !lock.releasedAt)
            await releaseInTx(deps, repos, ctx, lock, pod, `project ${input.outcome}`);
        }
        const patch = {
          closedAt: now,
          outcome: input.outcome,
          closeReason: reason,
          blockedReason: null,
          blockedAt: null,
          updatedAt: now,
        };
        await repos.projects.update(id, patch);
        await record(repos, ctx, now, {
          podId: project.podId,
          action: 'project.closed',
          subjectType: 'project',
          subjectId: id,
          before: { stage: project.currentStage, blockedReason: project.blockedReason },
          after: { outcome: input.outcome },
          reason,
        });
        return { ...project, ...patch };
      });
    },

    async block(ctx: Ctx, ref: string, reason: string): Promise<Project> {
      assertCan(ctx.actor, 'projects:work');
      if (!reason.trim()) throw new InvalidInputError([{ path: 'reason', message: 'must not be empty' }]);
      return uow.run(async (repos) => {
        const { project } = await openProject(repos, ctx, ref);
        const { id } = project;
        const now = clock.now();
        const patch = { blockedReason: reason, blockedAt: project.blockedAt ?? now, updatedAt: now };
        await repos.projects.update(id, patch);
        await record(repos, ctx, now, {
          podId: project.podId,
          action: 'stage.blocked',
          subjectType: 'project',
          subjectId: id,
          before: { blockedReason: project.blockedReason },
          after: { blockedReason: reason },
          reason,
        });
        return { ...project, ...patch };
      });
    },

    /** Idempotent: unblocking an unblocked project changes nothing. */
    async unblock(ctx: Ctx, ref: string, reason?: string | null): Promise<Project> {
      assertCan(ctx.actor, 'projects:work');
      return uow.run(async (repos) => {
        const { project } = await openProject(repos, ctx, ref);
        const { id } = project;
        if (project.blockedReason === null) return project;
        const now = clock.now();
        const patch = { blockedReason: null, blockedAt: null, updatedAt: now };
        await repos.projects.update(id, patch);
        await record(repos, ctx, now, {
          podId: project.podId,
          action: 'stage.unblocked',
          subjectType: 'project',
          subjectId: id,
          before: { blockedReason: project.blockedReason },
          after: { blockedReason: null },
          reason: reason ?? null,
        });
        return { ...project, ...patch };
      });
    },
  };
}

export type StageService = ReturnType<typeof createStageService>;
