import { type Actor, assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Pod } from '../entities.ts';
import { type FieldProblem, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import type { Repositories } from '../ports/repositories.ts';
import { type GateEvaluation, nextStageOf } from '../stages/gate.ts';
import { evaluateProjectGate } from '../stages/project-gate.ts';
import { podBySlug } from '../wip/service.ts';
import { buildCommitDigest, buildRecapDigest, buildUnblockDigest, digestSummary } from './digest.ts';
import {
  type CommitmentView,
  type DigestContent,
  RHYTHM_PHASES,
  type RhythmDigest,
  type RhythmPhase,
} from './entities.ts';
import { addDays, localDateTime, zonedTimeToInstant } from './schedule.ts';

export const COMMITMENT_TEXT_MAX = 500;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDate(day: string): boolean {
  if (!DAY_PATTERN.test(day)) return false;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** The pod's local date (YYYY-MM-DD) at `instant`: the day a commitment or digest belongs to. */
export function podLocalDay(pod: Pick<Pod, 'timezone'>, instant: Date): string {
  return localDateTime(instant, pod.timezone).date;
}

/**
 * A local day as instants, [from, to): local midnight to the next one. Across a daylight-saving
 * change the day lasts 23 or 25 hours; where midnight itself is skipped it starts at the first
 * local time that exists.
 */
export function localDayBounds(day: string, timeZone: string): { from: Date; to: Date } {
  return {
    from: zonedTimeToInstant(day, '00:00', timeZone),
    to: zonedTimeToInstant(addDays(day, 1), '00:00', timeZone),
  };
}

/** Open projects' next gates, judged as the stage service judges them. */
async function gatesOf(deps: Deps, repos: Repositories, podId: string) {
  const projects = await repos.rhythms.openProjects(podId);
  const gates: GateEvaluation[] = [];
  // Blocked projects are listed as blocked; their gates are not what holds them up.
  for (const project of projects.filter((p) => p.blockedReason === null)) {
    const next = nextStageOf(deps.policy.stages, project.currentStage);
    if (!next?.gate) continue;
    gates.push(await evaluateProjectGate(deps, repos, project));
  }
  return { projects, gates };
}

/** Loads what `phase` reports on for the pod's local `day` and builds its digest. */
export async function buildDigestInTx(
  deps: Deps,
  repos: Repositories,
  pod: Pod,
  phase: RhythmPhase,
  day: string,
): Promise<DigestContent> {
  const now = deps.clock.now();
  if (phase === 'unblock') {
    const members = await repos.pods.members(pod.id);
    const commitments = await repos.rhythms.commitments(pod.id, day);
    const { projects, gates } = await gatesOf(deps, repos, pod.id);
    const staleBefore = new Date(now.getTime() - deps.policy.rhythms.daily.staleLockHours * 3_600_000);
    const locks = await repos.rhythms.staleLocks(pod.id, staleBefore);
    return buildUnblockDigest({
      day,
      now,
      staleLockHours: deps.policy.rhythms.daily.staleLockHours,
      members,
      commitments,
      projects,
      gates,
      locks,
    });
  }
  if (phase === 'commit') {
    const members = await repos.pods.members(pod.id);
    const commitments = await repos.rhythms.commitments(pod.id, day);
    return buildCommitDigest({ day, members, commitments });
  }
  const { from, to } = localDayBounds(day, pod.timezone);
  return buildRecapDigest({
    day,
    from,
    to,
    transitions: await repos.rhythms.transitionsBetween(pod.id, from, to),
    locksReleased: await repos.rhythms.locksReleasedBetween(pod.id, from, to),
    projectsClosed: await repos.rhythms.projectsClosedBetween(pod.id, from, to),
    commitments: await repos.rhythms.commitments(pod.id, day),
  });
}

/**
 * Builds and stores the pod's digest for `phase` and `day`, once: a second call (a retried step, a
 * second scheduler) finds the stored one and changes nothing. A new digest emits
 * `rhythm.digest_ready`, from which the notifications module tells the pod.
 */
export async function storeDigestInTx(
  deps: Deps,
  repos: Repositories,
  pod: Pod,
  phase: RhythmPhase,
  day: string,
  runId: string | null,
): Promise<{ digest: RhythmDigest; created: boolean }> {
  const existing = await repos.rhythms.digest(pod.id, day, phase);
  if (existing) return { digest: existing, created: false };
  const content = await buildDigestInTx(deps, repos, pod, phase, day);
  const now = deps.clock.now();
  const digest: RhythmDigest = {
    id: deps.ids.uuid(),
    podId: pod.id,
    day,
    phase,
    content,
    runId,
    createdAt: now,
  };
  if (!(await repos.rhythms.insertDigest(digest)))
    return { digest: (await repos.rhythms.digest(pod.id, day, phase))!, created: false };
  await repos.events.emit({
    type: 'rhythm.digest_ready',
    podId: pod.id,
    subjectType: 'rhythm_digest',
    subjectId: digest.id,
    actorId: null,
    data: { pod: pod.slug, phase, day, counts: content.counts, summary: digestSummary(content) },
    occurredAt: now,
  });
  return { digest, created: true };
}

/** Admins, and pod-leads (whose tokens are scoped to the pods they lead), act for a pod's members. */
const actsForOthers = (actor: Actor) => actor.role === 'admin' || actor.role === 'pod-lead';

function commitmentTextProblems(text: unknown): FieldProblem[] {
  if (typeof text !== 'string' || text.trim().length === 0)
    return [{ path: 'text', message: 'must not be empty' }];
  if (text.trim().length > COMMITMENT_TEXT_MAX)
    return [{ path: 'text', message: `must be at most ${COMMITMENT_TEXT_MAX} characters` }];
  return [];
}

/** The daily rhythm (seed §2.2 DailyRhythm): commitments and the stored digests of each phase. */
export function createRhythmService(deps: Deps) {
  const { uow, clock, ids } = deps;

  return {
    /**
     * Records a commitment for the pod's local today. Members record their own; an admin or the
     * pod's lead may record one for a member named by `user`.
     */
    async recordCommitment(
      ctx: Ctx,
      podSlug: string,
      input: { text: string; user?: string | null | undefined },
    ): Promise<CommitmentView> {
      assertCan(ctx.actor, 'projects:work');
      const problems = commitmentTextProblems(input.text);
      if (problems.length) throw new InvalidInputError(problems);
      const text = input.text.trim();
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, podSlug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const self = ctx.actor.userId ? await repos.users.byId(ctx.actor.userId) : null;
        const named = input.user?.trim().toLowerCase();
        let userId: string;
        if (named && named !== self?.email) {
          if (!actsForOthers(ctx.actor))
            throw new ForbiddenError(
              'only an admin or the pod lead may record a commitment for someone else',
              {
                pod: pod.slug,
              },
            );
          const user = await repos.users.byEmail(named);
          if (!user || !(await repos.pods.activeMembership(pod.id, user.id)))
            throw new InvalidInputError([
              { path: 'user', message: `is not an active member of pod "${pod.slug}"` },
            ]);
          userId = user.id;
        } else {
          if (!self)
            throw new ForbiddenError('this token has no user; name the member in `user`', { pod: pod.slug });
          if (!(await repos.pods.activeMembership(pod.id, self.id)))
            throw new ForbiddenError(`only members of pod "${pod.slug}" record commitments for it`, {
              pod: pod.slug,
            });
          userId = self.id;
        }
        const now = clock.now();
        const day = podLocalDay(pod, now);
        const commitment = {
          id: ids.uuid(),
          podId: pod.id,
          userId,
          day,
          text,
          status: 'open' as const,
          createdAt: now,
          updatedAt: now,
        };
        await repos.rhythms.insertCommitment(commitment);
        const stored = (await repos.rhythms.commitmentById(commitment.id))!;
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'commitment.recorded',
          subjectType: 'commitment',
          subjectId: commitment.id,
          after: { pod: pod.slug, day, user: stored.userEmail, text },
        });
        return stored;
      });
    },

    /** Marks a commitment done or dropped (its maker, an admin or the pod lead). Idempotent. */
    async updateCommitment(
      ctx: Ctx,
      id: string,
      input: { status: 'done' | 'dropped' },
    ): Promise<CommitmentView> {
      assertCan(ctx.actor, 'projects:work');
      if (input.status !== 'done' && input.status !== 'dropped')
        throw new InvalidInputError([{ path: 'status', message: 'must be one of done, dropped' }]);
      return uow.run(async (repos) => {
        const commitment = await repos.rhythms.commitmentById(id, true);
        if (!commitment) throw new NotFoundError('commitment', id);
        const pod = (await repos.pods.byId(commitment.podId))!;
        assertPodScope(ctx.actor, pod.id, pod.slug);
        if (commitment.userId !== ctx.actor.userId && !actsForOthers(ctx.actor))
          throw new ForbiddenError('only its maker, an admin or the pod lead may update a commitment');
        if (commitment.status === input.status) return commitment;
        const now = clock.now();
        await repos.rhythms.updateCommitment(id, { status: input.status, updatedAt: now });
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'commitment.updated',
          subjectType: 'commitment',
          subjectId: id,
          before: { status: commitment.status },
          after: { status: input.status, pod: pod.slug, day: commitment.day, user: commitment.userEmail },
        });
        return { ...commitment, status: input.status, updatedAt: now };
      });
    },

    /** A pod's commitments for a local day (default: the pod's today). */
    async listCommitments(ctx: Ctx, podSlug: string, day?: string | undefined) {
      assertCan(ctx.actor, 'read');
      if (day !== undefined && !isCalendarDate(day))
        throw new InvalidInputError([{ path: 'day', message: 'must be a date YYYY-MM-DD' }]);
      const pod = await podBySlug(uow.read, podSlug);
      const resolved = day ?? podLocalDay(pod, clock.now());
      return { pod: pod.slug, day: resolved, items: await uow.read.rhythms.commitments(pod.id, resolved) };
    },

    /**
     * The pod's local today: its date, each phase's stored digest (null until that phase has run)
     * and the commitments made so far.
     */
    async today(ctx: Ctx, podSlug: string) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, podSlug);
      const day = podLocalDay(pod, clock.now());
      const stored = await uow.read.rhythms.digests(pod.id, day);
      const digests = Object.fromEntries(
        RHYTHM_PHASES.map((phase) => [phase, stored.find((d) => d.phase === phase) ?? null]),
      ) as Record<RhythmPhase, RhythmDigest | null>;
      return {
        pod: pod.slug,
        timezone: pod.timezone,
        day,
        digests,
        commitments: await uow.read.rhythms.commitments(pod.id, day),
      };
    },
  };
}

export type RhythmService = ReturnType<typeof createRhythmService>;
