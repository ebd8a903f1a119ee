import { type Actor, assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Pod, WipLock } from '../entities.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import type { Repositories } from '../ports/repositories.ts';
import { fail, ok, type Result } from '../result.ts';

export interface WipHolder {
  lockId: string;
  itemId: string;
  acquiredBy: string | null;
  acquiredAt: Date;
}

export interface WipLimitExceeded {
  code: 'wip_limit_exceeded';
  message: string;
  pod: string;
  itemType: string;
  limit: number;
  used: number;
  holders: WipHolder[];
}

export interface WipTypeStatus {
  itemType: string;
  limit: number;
  used: number;
  available: number;
  holders: WipHolder[];
}

const holderOf = (l: WipLock): WipHolder => ({
  lockId: l.id,
  itemId: l.itemId,
  acquiredBy: l.acquiredBy,
  acquiredAt: l.acquiredAt,
});

/** The limit in force: one stored for the pod (API or config file), else the type's default. */
export function effectiveLimit(
  deps: Pick<Deps, 'policy'>,
  stored: Record<string, number>,
  itemType: string,
): number {
  const stored_ = stored[itemType];
  if (stored_ !== undefined) return stored_;
  return deps.policy.wip.types.find((t) => t.name === itemType)?.defaultLimit ?? 0;
}

export function assertItemType(deps: Pick<Deps, 'policy'>, itemType: string): void {
  if (!deps.policy.wip.types.some((t) => t.name === itemType))
    throw new InvalidInputError([
      {
        path: 'itemType',
        message: `unknown item type "${itemType}" (configured: ${deps.policy.wip.types.map((t) => t.name).join(', ')})`,
      },
    ]);
}

/**
 * Takes a WIP slot inside the caller's transaction. Serialised per (pod, type) by `lockScope`, so the
 * count it reads cannot change before its insert commits. A refusal writes only its
 * `wip.limit_reached` event.
 */
export async function acquireInTx(
  deps: Deps,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
  itemId: string,
): Promise<Result<{ lock: WipLock; created: boolean }, WipLimitExceeded>> {
  await repos.wip.lockScope(pod.id, itemType);
  const existing = await repos.wip.openLockForItem(pod.id, itemType, itemId);
  if (existing) return ok({ lock: existing, created: false });
  // Count, not fetch: a pod with a high limit may hold thousands of locks, and the holders are only
  // needed to explain a refusal.
  const used = await repos.wip.openCount(pod.id, itemType);
  const limit = effectiveLimit(deps, await repos.wip.storedLimits(pod.id), itemType);
  if (used >= limit) {
    const holders = await repos.wip.openLocks(pod.id, itemType);
    // The refusal itself is an event (it opens the WIP alert and tells the pod), written in this
    // transaction; nothing else is.
    await repos.events.emit({
      type: 'wip.limit_reached',
      podId: pod.id,
      subjectType: 'pod',
      subjectId: pod.id,
      actorId: ctx.actor.userId,
      data: { pod: pod.slug, itemType, itemId, limit, used: holders.length, actor: ctx.actor.label },
      occurredAt: deps.clock.now(),
    });
    return fail({
      code: 'wip_limit_exceeded',
      message: `pod "${pod.slug}" is at its ${itemType} WIP limit (${holders.length} of ${limit} in use); release one of the holders first`,
      pod: pod.slug,
      itemType,
      limit,
      used: holders.length,
      holders: holders.map(holderOf),
    });
  }
  const now = deps.clock.now();
  const lock: WipLock = {
    id: deps.ids.uuid(),
    podId: pod.id,
    itemType,
    itemId,
    acquiredBy: ctx.actor.userId,
    acquiredAt: now,
    releasedAt: null,
    releasedBy: null,
  };
  await repos.wip.insertLock(lock);
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'wip.acquired',
    subjectType: 'wip_lock',
    subjectId: lock.id,
    after: { pod: pod.slug, itemType, itemId },
  });
  return ok({ lock, created: true });
}

/**
 * Releases an open lock inside the caller's transaction, with its audit event: the one way a slot is
 * freed (by hand, by closing a project, by an idea leaving evaluation). `reason` says why when it is
 * not the holder letting go.
 */
export async function releaseInTx(
  deps: Pick<Deps, 'clock'>,
  repos: Repositories,
  ctx: Ctx,
  lock: WipLock,
  pod: Pod,
  reason?: string,
): Promise<WipLock> {
  const now = deps.clock.now();
  await repos.wip.release(lock.id, now, ctx.actor.userId);
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'wip.released',
    subjectType: 'wip_lock',
    subjectId: lock.id,
    before: { pod: pod.slug, itemType: lock.itemType, itemId: lock.itemId },
    ...(reason ? { reason } : {}),
  });
  return { ...lock, releasedAt: now, releasedBy: ctx.actor.userId };
}

export async function podBySlug(repos: Repositories, slug: string): Promise<Pod> {
  const pod = await repos.pods.bySlug(slug);
  if (!pod) throw new NotFoundError('pod', slug);
  return pod;
}

async function statusOf(deps: Deps, repos: Repositories, pod: Pod): Promise<WipTypeStatus[]> {
  const open = await repos.wip.openLocks(pod.id);
  const stored = await repos.wip.storedLimits(pod.id);
  return deps.policy.wip.types.map((t) => {
    const holders = open.filter((l) => l.itemType === t.name);
    const limit = effectiveLimit(deps, stored, t.name);
    return {
      itemType: t.name,
      limit,
      used: holders.length,
      available: Math.max(0, limit - holders.length),
      holders: holders.map(holderOf),
    };
  });
}

export function canRelease(actor: Actor, lock: WipLock): boolean {
  return actor.role !== 'developer' || lock.acquiredBy === actor.userId;
}

/** WIP limits as real locks (seed §2.1 `wip`). */
export function createWipService(deps: Deps) {
  const { uow, clock } = deps;
  return {
    async checkLimit(ctx: Ctx, podSlug: string, itemType: string) {
      assertCan(ctx.actor, 'read');
      assertItemType(deps, itemType);
      const pod = await podBySlug(uow.read, podSlug);
      const status = (await statusOf(deps, uow.read, pod)).find((s) => s.itemType === itemType)!;
      return {
        pod: pod.slug,
        itemType,
        limit: status.limit,
        used: status.used,
        available: status.available,
        allowed: status.used < status.limit,
      };
    },

    async acquire(ctx: Ctx, podSlug: string, itemType: string, itemId: string) {
      assertCan(ctx.actor, 'wip:use');
      assertItemType(deps, itemType);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, podSlug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        return acquireInTx(deps, repos, ctx, pod, itemType, itemId);
      });
    },

    /** Idempotent: releasing a released lock returns it unchanged. */
    async release(ctx: Ctx, lockId: string): Promise<WipLock> {
      assertCan(ctx.actor, 'wip:use');
      return uow.run(async (repos) => {
        const lock = await repos.wip.lockById(lockId);
        if (!lock) throw new NotFoundError('WIP lock', lockId);
        const pod = (await repos.pods.byId(lock.podId))!;
        assertPodScope(ctx.actor, pod.id, pod.slug);
        if (lock.releasedAt) return lock;
        if (!canRelease(ctx.actor, lock))
          throw new ForbiddenError('developers may release only the WIP locks they acquired');
        return releaseInTx(deps, repos, ctx, lock, pod);
      });
    },

    async getStatus(ctx: Ctx, podSlug: string) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, podSlug);
      return { pod: pod.slug, types: await statusOf(deps, uow.read, pod) };
    },

    /**
     * Lowering a limit below current usage keeps the existing locks: acquire simply refuses until
     * usage falls below the new limit.
     */
    async setLimit(ctx: Ctx, podSlug: string, itemType: string, limit: number) {
      assertCan(ctx.actor, 'pods:manage');
      assertItemType(deps, itemType);
      if (!Number.isInteger(limit) || limit < 0)
        throw new InvalidInputError([{ path: 'limit', message: 'must be a whole number ≥ 0' }]);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, podSlug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        await repos.wip.lockScope(pod.id, itemType);
        const before = effectiveLimit(deps, await repos.wip.storedLimits(pod.id), itemType);
        const now = clock.now();
        await repos.wip.setLimit(pod.id, itemType, limit, now, ctx.actor.userId);
        if (before !== limit)
          await record(repos, ctx, now, {
            podId: pod.id,
            action: 'wip.limit_set',
            subjectType: 'pod',
            subjectId: pod.id,
            before: { itemType, limit: before },
            after: { itemType, limit },
          });
        const status = (await statusOf(deps, repos, pod)).find((s) => s.itemType === itemType)!;
        return { pod: pod.slug, itemType, limit, used: status.used, available: status.available };
      });
    },
  };
}

export type WipService = ReturnType<typeof createWipService>;
