import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { deploymentSuccessRate } from '../deployments/service.ts';
import type { HealthMetrics, HealthSnapshot, Pod, PodMember } from '../entities.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import { createReadCache } from '../ports/read-cache.ts';
import type { PageRequest, Repositories } from '../ports/repositories.ts';
import { effectiveLimit, podBySlug } from '../wip/service.ts';
import { checkHealthMetrics, healthScore } from './health.ts';

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
        const before = await repos.health.latest(pod.id);
        const now = clock.now();
        // Deployments reported by CI feed health (issue 4): when the caller sends no deployment success
        // rate, the pod's deployments finished within `alerts.deploymentWindowDays` supply it, if any.
        const rate =
          metrics.deploymentSuccess === undefined
            ? await deploymentSuccessRate(repos, policy, pod.id, now)
            : null;
        const measured = rate === null ? metrics : { ...metrics, deploymentSuccess: rate };
        const { score, components } = healthScore(policy.health, measured);
        const snapshot: HealthSnapshot = {
          id: ids.uuid(),
          podId: pod.id,
          metrics: measured,
          score,
          components,
          recordedBy: ctx.actor.userId,
          recordedAt: now,
        };
        await repos.health.insert(snapshot);
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'pod.health_updated',
          subjectType: 'pod',
          subjectId: pod.id,
          before: before ? { score: before.score } : null,
          after: { score, metrics: measured },
        });
        return snapshot;
      });
    },

    async healthHistory(ctx: Ctx, slug: string, limit: number) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, slug);
      return uow.read.health.history(pod.id, limit);
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
