import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Idea, IdeaEvaluation, Project } from '../entities.ts';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import type { IdeaFilter, PageRequest, Repositories } from '../ports/repositories.ts';
import { fail, ok, type Result } from '../result.ts';
import { createProjectInTx, PROJECT_WIP_TYPE } from '../stages/service.ts';
import {
  acquireInTx,
  lockScopesInTx,
  podBySlug,
  releaseInTx,
  type WipLimitExceeded,
} from '../wip/service.ts';
import {
  checkScores,
  ideaScore,
  type PromotionBlocker,
  promotionBlockers,
  weightedScore,
} from './scoring.ts';

export interface PromotionCriteriaUnmet {
  code: 'promotion_criteria_unmet';
  message: string;
  blockers: PromotionBlocker[];
}

async function ideaById(repos: Repositories, id: string, forUpdate = false): Promise<Idea> {
  const idea = forUpdate ? await repos.ideas.lockById(id) : await repos.ideas.byId(id);
  if (!idea) throw new NotFoundError('idea', id);
  return idea;
}

function assertPending(idea: Idea, verb: string): asserts idea is Idea & { status: 'pending' } {
  if (idea.status !== 'pending')
    throw new ConflictError(`cannot ${verb} an idea that is ${idea.status}`, { status: idea.status });
}

/** The WIP type whose slots ideas under evaluation hold, when the policy declares it. */
export const IDEA_WIP_TYPE = 'idea';

const holdsSlots = (deps: Pick<Deps, 'policy'>) =>
  deps.policy.wip.types.some((t) => t.name === IDEA_WIP_TYPE);

/**
 * Frees the slot an idea held while under evaluation (promoted or archived), in the caller's
 * transaction. A slot released by hand earlier is simply not found.
 */
async function releaseIdeaSlot(deps: Deps, repos: Repositories, ctx: Ctx, idea: Idea, why: string) {
  if (!idea.podId) return;
  const lock = await repos.wip.openLockForItem(idea.podId, IDEA_WIP_TYPE, idea.id);
  if (!lock) return;
  const pod = (await repos.pods.byId(idea.podId))!;
  await releaseInTx(deps, repos, ctx, lock, pod, why);
}

/** The idea ledger (seed §2.1 `ideas`). */
export function createIdeaService(deps: Deps) {
  const { uow, clock, ids, policy } = deps;
  return {
    /**
     * Puts an idea in the ledger. Submitted for a pod, it takes one of the pod's `idea` WIP slots in the
     * same transaction (when the policy declares that type): a pod evaluates only so many ideas at
     * once, and a full pod refuses the idea with its holders, storing nothing.
     */
    async submit(
      ctx: Ctx,
      input: { title: string; description?: string | null | undefined; pod?: string | undefined },
    ): Promise<Result<Idea, WipLimitExceeded>> {
      assertCan(ctx.actor, 'ideas:contribute');
      return uow.run(async (repos) => {
        const pod = input.pod === undefined ? null : await podBySlug(repos, input.pod);
        if (pod) assertPodScope(ctx.actor, pod.id, pod.slug);
        const now = clock.now();
        const idea: Idea = {
          id: ids.uuid(),
          title: input.title,
          description: input.description ?? null,
          submittedBy: ctx.actor.userId,
          podId: pod?.id ?? null,
          evaluationScore: null,
          evaluationCount: 0,
          status: 'pending',
          promotedToProjectId: null,
          archivedReason: null,
          createdAt: now,
          updatedAt: now,
        };
        if (pod && holdsSlots(deps)) {
          const slot = await acquireInTx(deps, repos, ctx, pod, IDEA_WIP_TYPE, idea.id);
          if (!slot.ok) return slot;
        }
        await repos.ideas.insert(idea);
        await record(repos, ctx, now, {
          podId: pod?.id ?? null,
          action: 'idea.submitted',
          subjectType: 'idea',
          subjectId: idea.id,
          after: { title: idea.title, ...(pod ? { pod: pod.slug } : {}) },
        });
        return ok(idea);
      });
    },

    async get(ctx: Ctx, id: string) {
      assertCan(ctx.actor, 'read');
      const idea = await ideaById(uow.read, id);
      return { ...idea, evaluations: await uow.read.ideas.evaluations(id) };
    },

    async list(ctx: Ctx, filter: IdeaFilter, page: PageRequest) {
      assertCan(ctx.actor, 'read');
      return uow.read.ideas.list(filter, page);
    },

    /** One evaluation per evaluator: a second one replaces the first. */
    async evaluate(
      ctx: Ctx,
      id: string,
      input: { scores: Record<string, number>; comment?: string | null | undefined },
    ) {
      assertCan(ctx.actor, 'ideas:contribute');
      if (!ctx.actor.userId)
        throw new ForbiddenError('evaluations must come from a user; this token has none');
      const problems = checkScores(policy.ideas, input.scores);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const idea = await ideaById(repos, id, true);
        assertPending(idea, 'evaluate');
        const now = clock.now();
        const evaluation: IdeaEvaluation = {
          id: ids.uuid(),
          ideaId: id,
          evaluatorId: ctx.actor.userId!,
          scores: input.scores,
          score: weightedScore(policy.ideas, input.scores),
          comment: input.comment ?? null,
          createdAt: now,
        };
        const stored = await repos.ideas.upsertEvaluation(evaluation);
        const all = await repos.ideas.evaluations(id);
        const score = ideaScore(
          policy.ideas,
          all.map((e) => e.scores),
        );
        const patch = { evaluationScore: score, evaluationCount: all.length, updatedAt: now };
        await repos.ideas.update(id, patch);
        await record(repos, ctx, now, {
          podId: null,
          action: 'idea.evaluated',
          subjectType: 'idea',
          subjectId: id,
          before: { score: idea.evaluationScore, evaluations: idea.evaluationCount },
          after: { score, evaluations: all.length, scores: input.scores },
        });
        return { idea: { ...idea, ...patch }, evaluation: stored };
      });
    },

    /**
     * Creates a project from the idea in the target pod, taking the pod's `project` WIP slot in the
     * same transaction: a full pod or an unqualified idea changes nothing.
     */
    async promote(
      ctx: Ctx,
      id: string,
      input: { pod: string; name?: string | undefined; key?: string | undefined },
    ): Promise<Result<{ idea: Idea; project: Project }, PromotionCriteriaUnmet | WipLimitExceeded>> {
      assertCan(ctx.actor, 'ideas:decide');
      return uow.run(async (repos) => {
        const idea = await ideaById(repos, id, true);
        assertPending(idea, 'promote');
        const pod = await podBySlug(repos, input.pod);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const blockers = promotionBlockers(policy.ideas, idea.evaluationCount, idea.evaluationScore);
        if (blockers.length)
          return fail({
            code: 'promotion_criteria_unmet' as const,
            message: `idea cannot be promoted: ${blockers.map((b) => b.message).join('; ')}`,
            blockers,
          });
        // Both WIP scopes before anything is recorded (see lockScopesInTx): the idea's slot is released
        // after the project's creation is recorded, and its release lets the idea queue move up.
        await lockScopesInTx(repos, [
          ...(idea.podId && holdsSlots(deps) ? [{ podId: idea.podId, itemType: IDEA_WIP_TYPE }] : []),
          { podId: pod.id, itemType: PROJECT_WIP_TYPE },
        ]);
        const created = await createProjectInTx(deps, repos, ctx, pod, {
          name: input.name ?? idea.title.slice(0, 255),
          ideaId: id,
          key: input.key,
        });
        if (!created.ok) return created;
        await releaseIdeaSlot(deps, repos, ctx, idea, 'idea promoted');
        const now = clock.now();
        const patch = { status: 'promoted' as const, promotedToProjectId: created.value.id, updatedAt: now };
        await repos.ideas.update(id, patch);
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'idea.promoted',
          subjectType: 'idea',
          subjectId: id,
          before: { status: idea.status },
          after: { status: 'promoted', projectId: created.value.id, pod: pod.slug },
        });
        return ok({ idea: { ...idea, ...patch }, project: created.value });
      });
    },

    /** Idempotent for archived ideas; a promoted idea cannot be archived. */
    async archive(ctx: Ctx, id: string, reason: string): Promise<Idea> {
      assertCan(ctx.actor, 'ideas:decide');
      if (!reason.trim()) throw new InvalidInputError([{ path: 'reason', message: 'must not be empty' }]);
      return uow.run(async (repos) => {
        const idea = await ideaById(repos, id, true);
        if (idea.status === 'archived') return idea;
        assertPending(idea, 'archive');
        await releaseIdeaSlot(deps, repos, ctx, idea, 'idea archived');
        const now = clock.now();
        const patch = { status: 'archived' as const, archivedReason: reason, updatedAt: now };
        await repos.ideas.update(id, patch);
        await record(repos, ctx, now, {
          podId: null,
          action: 'idea.archived',
          subjectType: 'idea',
          subjectId: id,
          before: { status: idea.status },
          after: { status: 'archived' },
          reason,
        });
        return { ...idea, ...patch };
      });
    },
  };
}

export type IdeaService = ReturnType<typeof createIdeaService>;
