import { assertCan, assertPodScope, SYSTEM_ACTOR } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { deploymentSuccessRate } from '../deployments/service.ts';
import type { HealthMetrics, HealthSnapshot, Pod, PodMember } from '../entities.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import { createReadCache } from '../ports/read-cache.ts';
import type { PageRequest, Repositories } from '../ports/repositories.ts';
import { localDateTime } from '../rhythms/schedule.ts';
import { effectiveLimit, podBySlug } from '../wip/service.ts';
import { checkHealthMetrics, healthScore } from './health.ts';
import { type HealthChange, healthChanges, healthInputs, healthWindow } from './health-inputs.ts';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export async function registerPodInTx(
  deps: Deps,
  repos: Repositories,
  ctx: Ctx,
  input: { slug: string; name: string; timezone: string },
): Promise<Pod> {
  const problems = [];
  if (!SLUG_PATTERN.test(input.slug))
    problems.push({ path: 'slug', message: 'must be 2–40 lowercase letters, digits or hyphens' });
  if (!isValidTimeZone(input.timezone))
    problems.push({ path: 'timezone', message: `unknown time zone "${input.timezone}"` });
  if (problems.length) throw new InvalidInputError(problems);
  if (await repos.pods.bySlug(input.slug))
    throw new ConflictError(`pod "${input.slug}" already exists`, { slug: input.slug });
  const now = deps.clock.now();
  const pod: Pod = {
    id: deps.ids.uuid(),
    slug: input.slug,
    name: input.name,
    timezone: input.timezone,
    createdAt: now,
  };
  await repos.pods.insert(pod);
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'pod.registered',
    subjectType: 'pod',
    subjectId: pod.id,
    after: input,
  });
  return pod;
}

export async function addMemberInTx(
  deps: Deps,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  input: { email: string; podRole: 'lead' | 'member' },
): Promise<PodMember> {
  const user = await repos.users.byEmail(input.email.toLowerCase());
  if (!user) throw new NotFoundError('user', input.email);
  const existing = await repos.pods.activeMembership(pod.id, user.id);
  const now = deps.clock.now();
  if (existing) {
    if (existing.podRole === input.podRole) return existing;
    await repos.pods.setPodRole(pod.id, user.id, input.podRole);
  } else {
    await repos.pods.addMember({
      id: deps.ids.uuid(),
      podId: pod.id,
      userId: user.id,
      podRole: input.podRole,
      joinedAt: now,
    });
  }
  const after = { email: user.email, podRole: input.podRole };
  await record(
    repos,
    ctx,
    now,
    existing
      ? {
          podId: pod.id,
          action: 'pod.member_role_changed',
          subjectType: 'pod',
          subjectId: pod.id,
          before: { email: user.email, podRole: existing.podRole },
          after,
        }
      : {
          podId: pod.id,
          action: 'pod.member_added',
          subjectType: 'pod',
          subjectId: pod.id,
          before: null,
          after,
        },
  );
  return (await repos.pods.activeMembership(pod.id, user.id))!;
}

/** What computing a pod's health did. */
export type ComputedHealth =
  | { pod: string; status: 'recorded'; snapshot: HealthSnapshot }
  | { pod: string; status: 'skipped'; reason: 'already computed today' | 'no data' };

const SYSTEM: Ctx = { actor: SYSTEM_ACTOR, requestId: null };

/**
 * Computes the pod's health from CLOS's own data (pods/health-inputs.ts) and records it as a
 * `computed` snapshot, audited as `pod.health_updated` by the system, in the caller's transaction.
 * At most one computed snapshot per pod and local day: a retried or repeated run finds today's and
 * records nothing. A pod with nothing weighted to measure records nothing either.
 */
export async function computeHealthInTx(
  deps: Deps,
  repos: Repositories,
  pod: Pod,
  now: Date,
  ctx: Ctx = SYSTEM,
): Promise<ComputedHealth> {
  const { policy } = deps;
  const today = localDateTime(now, pod.timezone).date;
  const last = await repos.health.latest(pod.id, 'computed');
  if (last && localDateTime(last.recordedAt, pod.timezone).date === today)
    return { pod: pod.slug, status: 'skipped', reason: 'already computed today' };
  const window = healthWindow(
    policy.health,
    policy.stages.map((s) => s.name),
    pod.timezone,
    now,
  );
  // One after another: they share the transaction's one connection.
  const figures = await repos.health.figures(pod.id, window);
  const open = await repos.wip.countOpen(pod.id);
  const stored = await repos.wip.storedLimits(pod.id);
  const deployments = await deploymentSuccessRate(repos, policy, pod.id, now);
  const wip = policy.wip.types.map((t) => ({
    itemType: t.name,
    used: open[t.name] ?? 0,
    limit: effectiveLimit(deps, stored, t.name),
  }));
  const metrics = healthInputs(figures, wip, deployments);
  if (checkHealthMetrics(policy.health, metrics).length > 0)
    return { pod: pod.slug, status: 'skipped', reason: 'no data' };
  const snapshot = await recordHealthInTx(deps, repos, ctx, pod, metrics, 'computed', now);
  return { pod: pod.slug, status: 'recorded', snapshot };
}

/** Scores `metrics` and stores the snapshot with its audit entry, in the caller's transaction. */
async function recordHealthInTx(
  deps: Pick<Deps, 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  metrics: HealthMetrics,
  source: HealthSnapshot['source'],
  now: Date,
): Promise<HealthSnapshot> {
  const before = await repos.health.latest(pod.id);
  const { score, components } = healthScore(deps.policy.health, metrics);
  const snapshot: HealthSnapshot = {
    id: deps.ids.uuid(),
    podId: pod.id,
    metrics,
    score,
    components,
    source,
    recordedBy: source === 'manual' ? ctx.actor.userId : null,
    recordedAt: now,
  };
  await repos.health.insert(snapshot);
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'pod.health_updated',
    subjectType: 'pod',
    subjectId: pod.id,
    before: before ? { score: before.score } : null,
    after: { score, metrics },
  });
  return snapshot;
}

/** Pods: registration, members, health and rotation (seed §2.1 `pods`). */
export function createPodService(deps: Deps) {
  const { uow, clock, ids, policy } = deps;

  // Dashboards and CI poll status; on the embedded database it is read once per change.
  const statusCache = createReadCache<string, Awaited<ReturnType<typeof loadStatus>>>(uow);

  async function loadStatus(slug: string) {
    const repos = uow.read;
    const pod = await podBySlug(repos, slug);
    const [members, open, stored, perStage, health] = await Promise.all([
      repos.pods.members(pod.id),
      repos.wip.countOpen(pod.id),
      repos.wip.storedLimits(pod.id),
      repos.pods.projectsPerStage(pod.id),
      repos.health.latest(pod.id),
    ]);
    return {
      pod,
      members,
      wip: policy.wip.types.map((t) => ({
        itemType: t.name,
        used: open[t.name] ?? 0,
        limit: effectiveLimit(deps, stored, t.name),
      })),
      projectsPerStage: Object.fromEntries(policy.stages.map((s) => [s.name, perStage[s.name] ?? 0])),
      health,
    };
  }

  return {
    async register(ctx: Ctx, input: { slug: string; name: string; timezone: string }): Promise<Pod> {
      assertCan(ctx.actor, 'pods:create');
      return uow.run((repos) => registerPodInTx(deps, repos, ctx, input));
    },

    async list(ctx: Ctx, page: PageRequest) {
      assertCan(ctx.actor, 'read');
      return uow.read.pods.list(page);
    },

    async get(ctx: Ctx, slug: string): Promise<Pod> {
      assertCan(ctx.actor, 'read');
      return podBySlug(uow.read, slug);
    },

    async members(ctx: Ctx, slug: string, withHistory: boolean) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, slug);
      return uow.read.pods.members(pod.id, withHistory);
    },

    async addMember(ctx: Ctx, slug: string, input: { email: string; podRole: 'lead' | 'member' }) {
      assertCan(ctx.actor, 'pods:manage');
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, slug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        return addMemberInTx(deps, repos, ctx, pod, input);
      });
    },

    /** Members, WIP used/limit per type, projects per stage and the latest health, in one read. */
    async getStatus(ctx: Ctx, slug: string) {
      assertCan(ctx.actor, 'read');
      return statusCache.get(slug, () => loadStatus(slug));
    },

    async updateHealth(ctx: Ctx, slug: string, metrics: HealthMetrics): Promise<HealthSnapshot> {
      assertCan(ctx.actor, 'pods:manage');
      const problems = checkHealthMetrics(policy.health, metrics);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, slug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const now = clock.now();
        // Deployments reported by CI feed health (issue 4): when the caller sends no deployment success
        // rate, the pod's deployments finished within `alerts.deploymentWindowDays` supply it, if any.
        const rate =
          metrics.deploymentSuccess === undefined
            ? await deploymentSuccessRate(repos, policy, pod.id, now)
            : null;
        const measured = rate === null ? metrics : { ...metrics, deploymentSuccess: rate };
        const snapshot = await recordHealthInTx(deps, repos, ctx, pod, measured, 'manual', now);
        return snapshot;
      });
    },

    /**
     * Snapshots, newest first, each with what moved against the one before it (the biggest movers of
     * the score first). One more row than asked is read, so the oldest shown has its changes too.
     */
    async healthHistory(
      ctx: Ctx,
      slug: string,
      limit: number,
    ): Promise<(HealthSnapshot & { changes: HealthChange[] })[]> {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, slug);
      const rows = await uow.read.health.history(pod.id, limit + 1);
      return rows
        .slice(0, limit)
        .map((s, i) => ({ ...s, changes: healthChanges(policy.health, s, rows[i + 1] ?? null) }));
    },

    /**
     * Computes and records the health of every pod (or of `slug`'s) from CLOS's own data, one
     * transaction per pod. The scheduled job (workflow `pod-health`) runs the same `computeHealthInTx`
     * in its step's transaction, one run per pod and local day at `health.computeAt`.
     */
    async computeHealth(ctx: Ctx, now: Date = clock.now(), slug?: string): Promise<ComputedHealth[]> {
      assertCan(ctx.actor, 'pods:manage');
      const pods: Pod[] = [];
      if (slug) pods.push(await podBySlug(uow.read, slug));
      else {
        let cursor: string | undefined;
        do {
          const page = await uow.read.pods.list({ limit: 500, cursor });
          pods.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      const results: ComputedHealth[] = [];
      const scoped = ctx.actor.role !== 'admin' && ctx.actor.podIds.length > 0;
      for (const pod of pods) {
        // Asked for every pod, a scoped caller gets the pods it may act on; asked for one, a refusal.
        if (slug) assertPodScope(ctx.actor, pod.id, pod.slug);
        else if (scoped && !ctx.actor.podIds.includes(pod.id)) continue;
        results.push(await uow.run((repos) => computeHealthInTx(deps, repos, pod, now, ctx)));
      }
      return results;
    },

    /**
     * Moves a member to another pod: the old membership is closed (kept as history with `leftAt`), a
     * new one opens. Needs management rights over both pods.
     */
    async rotate(ctx: Ctx, slug: string, input: { email: string; toPod: string }) {
      assertCan(ctx.actor, 'pods:manage');
      return uow.run(async (repos) => {
        const from = await podBySlug(repos, slug);
        const to = await podBySlug(repos, input.toPod);
        assertPodScope(ctx.actor, from.id, from.slug);
        assertPodScope(ctx.actor, to.id, to.slug);
        if (from.id === to.id)
          throw new InvalidInputError([
            { path: 'toPod', message: 'must differ from the pod the member leaves' },
          ]);
        const user = await repos.users.byEmail(input.email.toLowerCase());
        if (!user) throw new NotFoundError('user', input.email);
        const membership = await repos.pods.activeMembership(from.id, user.id);
        if (!membership) throw new ConflictError(`${user.email} is not a member of pod "${from.slug}"`);
        if (await repos.pods.activeMembership(to.id, user.id))
          throw new ConflictError(`${user.email} is already a member of pod "${to.slug}"`);
        const now = clock.now();
        await repos.pods.endMembership(from.id, user.id, now);
        await repos.pods.addMember({
          id: ids.uuid(),
          podId: to.id,
          userId: user.id,
          podRole: 'member',
          joinedAt: now,
        });
        await record(repos, ctx, now, {
          podId: to.id,
          action: 'pod.member_rotated',
          subjectType: 'user',
          subjectId: user.id,
          before: { pod: from.slug, podRole: membership.podRole },
          after: { pod: to.slug, podRole: 'member' },
        });
        return { email: user.email, from: from.slug, to: to.slug, rotatedAt: now };
      });
    },
  };
}

export type PodService = ReturnType<typeof createPodService>;
