import { type Actor, assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Pod, WipLock, WipQueueEntry } from '../entities.ts';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import type { Repositories } from '../ports/repositories.ts';
import { fail, ok, type Result } from '../result.ts';
import { effectiveLimit } from './limits.ts';
import {
  admitFromQueueInTx,
  enqueueInTx,
  type HolderInfo,
  holderInfo,
  labelled,
  leaveQueueInTx,
  linesOf,
  type WipQueued,
  type WipQueueItem,
} from './queue.ts';

// Where the rest of core has always imported it from.
export { effectiveLimit } from './limits.ts';

export interface WipHolder {
  lockId: string;
  itemId: string;
  acquiredBy: string | null;
  acquiredAt: Date;
  /** What the holder is, for people; null when the acquire gave no label. */
  label: string | null;
  url: string | null;
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
  /** Who waits for a slot, next first. */
  queue: WipQueueItem[];
}

/** A slot taken (or already held): the lock. */
export interface WipAcquired {
  queued: false;
  lock: WipLock;
  /** False when the item already held this lock. */
  created: boolean;
}

/** What releasing an item did: freed its slot, took it out of the line, or nothing (it held neither). */
export type WipItemRelease =
  | { outcome: 'released'; lock: WipLock }
  | { outcome: 'left_queue'; entry: WipQueueEntry }
  | { outcome: 'not_held' };

const holderOf = (l: WipLock): WipHolder => ({
  lockId: l.id,
  itemId: l.itemId,
  acquiredBy: l.acquiredBy,
  acquiredAt: l.acquiredAt,
  label: l.label,
  url: l.url,
});

export function assertItemType(deps: Pick<Deps, 'policy'>, itemType: string): void {
  if (!deps.policy.wip.types.some((t) => t.name === itemType))
    throw new InvalidInputError([
      {
        path: 'itemType',
        message: `unknown item type "${itemType}" (configured: ${deps.policy.wip.types.map((t) => t.name).join(', ')})`,
      },
    ]);
}

/** `held`: the caller took the (pod, type) scope already, with the pod (`repos.wip.podInScope`). */
interface ScopeOptions {
  held?: boolean;
}

/**
 * Takes a WIP slot inside the caller's transaction, or says why not. Serialised per (pod, type) by
 * the scope (`lockScope` here, or `podInScope` already when `held`), so the count it reads cannot
 * change before its insert commits. Items already waiting in line go first: a free slot is theirs
 * before it is a newcomer's.
 */
async function takeSlotInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
  itemId: string,
  info: { label: string | null; url: string | null },
  scope: ScopeOptions = {},
): Promise<WipAcquired | { full: true; limit: number }> {
  if (!scope.held) await repos.wip.lockScope(pod.id, itemType);
  // The item's lock, the count (not the holders: a pod with a high limit may hold thousands, and they
  // are only needed to explain a refusal), the limit and the line, in one round trip.
  const state = await repos.wip.slotState(pod.id, itemType, itemId);
  if (state.existing) return { queued: false, lock: state.existing, created: false };
  let used = state.used;
  const limit = state.storedLimit ?? effectiveLimit(deps, {}, itemType);
  if (used < limit && state.queued > 0) {
    // Room while others wait only happens when a slot freed without admitting (a state repaired by
    // hand, or written before the queue existed): the line is served first.
    const admitted = await admitFromQueueInTx(deps, repos, ctx, pod, itemType);
    const mine = admitted.find((l) => l.itemId === itemId);
    if (mine) return { queued: false, lock: mine, created: true };
    used += admitted.length;
  }
  if (used >= limit) return { full: true, limit };
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
    ...info,
  };
  await repos.wip.insertLock(lock);
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'wip.acquired',
    subjectType: 'wip_lock',
    subjectId: lock.id,
    after: { pod: pod.slug, itemType, itemId, ...labelled(info) },
  });
  return { queued: false, lock, created: true };
}

/**
 * Takes a WIP slot inside the caller's transaction. A full pod refuses with its holders; the refusal
 * writes only its `wip.limit_reached` event. `label` and `url` say what the holder is, for people.
 */
export async function acquireInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
  itemId: string,
  info: HolderInfo = {},
  scope: ScopeOptions = {},
): Promise<Result<WipAcquired, WipLimitExceeded>> {
  const slot = await takeSlotInTx(deps, repos, ctx, pod, itemType, itemId, holderInfo(info), scope);
  if (!('full' in slot)) return ok(slot);
  const holders = await repos.wip.openLocks(pod.id, itemType);
  // The refusal itself is an event (it opens the WIP alert and tells the pod), written in this
  // transaction; nothing else is.
  await repos.events.emit({
    type: 'wip.limit_reached',
    podId: pod.id,
    subjectType: 'pod',
    subjectId: pod.id,
    actorId: ctx.actor.userId,
    data: {
      pod: pod.slug,
      itemType,
      itemId,
      limit: slot.limit,
      used: holders.length,
      actor: ctx.actor.label,
    },
    occurredAt: deps.clock.now(),
  });
  return fail({
    code: 'wip_limit_exceeded',
    message: `pod "${pod.slug}" is at its ${itemType} WIP limit (${holders.length} of ${slot.limit} in use); release one of the holders first`,
    pod: pod.slug,
    itemType,
    limit: slot.limit,
    used: holders.length,
    holders: holders.map(holderOf),
  });
}

/**
 * Takes a WIP slot, or, when the pod is full, puts the item in the pod's line for that type (asking
 * again keeps its place): it takes the slot by itself when its turn comes. Never refuses.
 */
export async function acquireOrQueueInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
  itemId: string,
  info: HolderInfo = {},
  scope: ScopeOptions = {},
): Promise<WipAcquired | WipQueued> {
  const checked = holderInfo(info);
  const slot = await takeSlotInTx(deps, repos, ctx, pod, itemType, itemId, checked, scope);
  if (!('full' in slot)) return slot;
  return enqueueInTx(deps, repos, ctx, pod, itemType, itemId, checked);
}

/**
 * Takes the scope locks of several (pod, type) pairs in the one global order: item type, then pod id.
 * The rule for every transaction that takes scope locks: take them before recording anything (a
 * transaction then never waits for a scope while holding the rows its records locked), and when
 * taking several, take them in this order. Releasing, admitting and setting a limit all take their scope, so callers that record first
 * (promoting an idea, applying the config file) take it here beforehand.
 */
export async function lockScopesInTx(
  repos: Repositories,
  scopes: readonly { podId: string; itemType: string }[],
): Promise<void> {
  // Code-unit order, not locale order: every process must agree on it.
  const key = (s: { podId: string; itemType: string }) => `${s.itemType}\u0000${s.podId}`;
  const ordered = [...scopes].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (const s of ordered) await repos.wip.lockScope(s.podId, s.itemType);
}

/** Frees a lock whose scope the caller holds, and lets the line move up. */
async function releaseLockedInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  lock: WipLock,
  pod: Pod,
  reason?: string,
): Promise<WipLock> {
  const now = deps.clock.now();
  // Released only while still open, so a caller's copy read before the scope was taken needs no
  // second read: when a concurrent request released it first, this one returns it as that left it.
  const { released, queued } = await repos.wip.release(lock.id, now, ctx.actor.userId);
  if (!released) return (await repos.wip.lockById(lock.id)) ?? lock;
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'wip.released',
    subjectType: 'wip_lock',
    subjectId: lock.id,
    before: { pod: pod.slug, itemType: lock.itemType, itemId: lock.itemId },
    ...(reason ? { reason } : {}),
  });
  // Nobody waiting, nobody to let in: the release told us, so the line is not read again.
  if (queued > 0) await admitFromQueueInTx(deps, repos, ctx, pod, lock.itemType);
  return { ...lock, releasedAt: now, releasedBy: ctx.actor.userId };
}

/**
 * Releases an open lock inside the caller's transaction, with its audit event: the one way a slot is
 * freed (by hand, by closing a project, by an idea leaving evaluation). The oldest item waiting in the
 * pod's line for that type takes the slot in the same transaction. `reason` says why when it is not
 * the holder letting go. A lock released meanwhile (by a concurrent request) is returned as it is.
 */
export async function releaseInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  lock: WipLock,
  pod: Pod,
  reason?: string,
): Promise<WipLock> {
  await repos.wip.lockScope(pod.id, lock.itemType);
  return releaseLockedInTx(deps, repos, ctx, lock, pod, reason);
}

/**
 * Lets go of an item in the caller's transaction, whatever it holds: its slot is released (and the line
 * moves up), or, when it is waiting, it leaves the line. Nothing held is not an error: a pull request
 * closed twice releases once.
 */
export async function releaseItemInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
  itemId: string,
  reason?: string,
  allowed: (held: WipLock | WipQueueEntry) => void = () => {},
): Promise<WipItemRelease> {
  await repos.wip.lockScope(pod.id, itemType);
  const lock = await repos.wip.openLockForItem(pod.id, itemType, itemId);
  if (lock) {
    allowed(lock);
    return { outcome: 'released', lock: await releaseLockedInTx(deps, repos, ctx, lock, pod, reason) };
  }
  const entry = await repos.wip.queueEntry(pod.id, itemType, itemId);
  if (entry) {
    allowed(entry);
    await leaveQueueInTx(deps, repos, ctx, pod, entry, reason);
    return { outcome: 'left_queue', entry };
  }
  return { outcome: 'not_held' };
}

/**
 * Sets a pod's limit for a type inside the caller's transaction (API or config file): records the
 * change when it is one, and, when the new limit leaves room, admits the oldest waiting items.
 * Lowering it below usage keeps the existing locks.
 */
export async function setLimitInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
  limit: number,
): Promise<void> {
  await repos.wip.lockScope(pod.id, itemType);
  const before = effectiveLimit(deps, await repos.wip.storedLimits(pod.id), itemType);
  const now = deps.clock.now();
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
  await admitFromQueueInTx(deps, repos, ctx, pod, itemType);
}

/** The pod, its WIP scope for `itemType` taken in the same statement (see takeSlotInTx). */
async function podInScope(repos: Repositories, slug: string, itemType: string): Promise<Pod> {
  const pod = await repos.wip.podInScope(slug, itemType);
  if (!pod) throw new NotFoundError('pod', slug);
  return pod;
}

export async function podBySlug(repos: Repositories, slug: string): Promise<Pod> {
  const pod = await repos.pods.bySlug(slug);
  if (!pod) throw new NotFoundError('pod', slug);
  return pod;
}

async function statusOf(deps: Deps, repos: Repositories, pod: Pod): Promise<WipTypeStatus[]> {
  const open = await repos.wip.openLocks(pod.id);
  const stored = await repos.wip.storedLimits(pod.id);
  const lines = linesOf(await repos.wip.queue(pod.id));
  return deps.policy.wip.types.map((t) => {
    const holders = open.filter((l) => l.itemType === t.name);
    const limit = effectiveLimit(deps, stored, t.name);
    return {
      itemType: t.name,
      limit,
      used: holders.length,
      available: Math.max(0, limit - holders.length),
      holders: holders.map(holderOf),
      queue: lines.get(t.name) ?? [],
    };
  });
}

export function canRelease(actor: Actor, lock: WipLock): boolean {
  return actor.role !== 'developer' || lock.acquiredBy === actor.userId;
}

/** Developers take out of the line only what they queued, as they release only what they acquired. */
export function canLeaveQueue(actor: Actor, entry: WipQueueEntry): boolean {
  return actor.role !== 'developer' || entry.enqueuedBy === actor.userId;
}

/** WIP limits as real locks (seed §2.1 `wip`). */
export function createWipService(deps: Deps) {
  const { uow } = deps;
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

    /** Takes a slot for an item; a full pod refuses with its holders. */
    async acquire(
      ctx: Ctx,
      podSlug: string,
      itemType: string,
      itemId: string,
      info: HolderInfo = {},
    ): Promise<Result<WipAcquired, WipLimitExceeded>> {
      assertCan(ctx.actor, 'wip:use');
      assertItemType(deps, itemType);
      const checked = holderInfo(info);
      return uow.run(async (repos) => {
        const pod = await podInScope(repos, podSlug, itemType);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        return acquireInTx(deps, repos, ctx, pod, itemType, itemId, checked, { held: true });
      });
    },

    /**
     * Takes a slot for an item or, when the pod is full, puts it in the pod's line for that type
     * (`{ queued: true, position, ahead }`): it takes the slot by itself when its turn comes.
     */
    async acquireOrQueue(
      ctx: Ctx,
      podSlug: string,
      itemType: string,
      itemId: string,
      info: HolderInfo = {},
    ): Promise<WipAcquired | WipQueued> {
      assertCan(ctx.actor, 'wip:use');
      assertItemType(deps, itemType);
      const checked = holderInfo(info);
      return uow.run(async (repos) => {
        const pod = await podInScope(repos, podSlug, itemType);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        return acquireOrQueueInTx(deps, repos, ctx, pod, itemType, itemId, checked, { held: true });
      });
    },

    /** Idempotent: releasing a released lock returns it unchanged. */
    async release(ctx: Ctx, lockId: string): Promise<WipLock> {
      assertCan(ctx.actor, 'wip:use');
      return uow.run(async (repos) => {
        // The scope comes with the lock: a copy read before it was granted is fine, because
        // releaseLockedInTx frees only a lock that is still open.
        const found = await repos.wip.lockInScope(lockId);
        if (!found) throw new NotFoundError('WIP lock', lockId);
        const { lock, pod } = found;
        assertPodScope(ctx.actor, pod.id, pod.slug);
        if (lock.releasedAt) return lock;
        if (!canRelease(ctx.actor, lock))
          throw new ForbiddenError('developers may release only the WIP locks they acquired');
        return releaseLockedInTx(deps, repos, ctx, lock, pod);
      });
    },

    /**
     * Lets go of an item by its id: releases its slot, or takes it out of the line when it is waiting.
     * Idempotent: an item holding neither is `not_held`.
     */
    async releaseItem(ctx: Ctx, podSlug: string, itemType: string, itemId: string): Promise<WipItemRelease> {
      assertCan(ctx.actor, 'wip:use');
      assertItemType(deps, itemType);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, podSlug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        return releaseItemInTx(deps, repos, ctx, pod, itemType, itemId, undefined, (held) => {
          if ('position' in held) {
            if (!canLeaveQueue(ctx.actor, held))
              throw new ForbiddenError('developers may take out of the WIP queue only the items they queued');
          } else if (!canRelease(ctx.actor, held))
            throw new ForbiddenError('developers may release only the WIP locks they acquired');
        });
      });
    },

    async getStatus(ctx: Ctx, podSlug: string) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, podSlug);
      return { pod: pod.slug, types: await statusOf(deps, uow.read, pod) };
    },

    /** Every configured item type's line, next first (empty lines included). */
    async getQueue(ctx: Ctx, podSlug: string) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, podSlug);
      const lines = linesOf(await uow.read.wip.queue(pod.id));
      return {
        pod: pod.slug,
        types: deps.policy.wip.types.map((t) => ({ itemType: t.name, queue: lines.get(t.name) ?? [] })),
      };
    },

    /**
     * Lowering a limit below current usage keeps the existing locks: acquire simply refuses until
     * usage falls below the new limit. Raising it admits waiting items into the new room.
     */
    async setLimit(ctx: Ctx, podSlug: string, itemType: string, limit: number) {
      assertCan(ctx.actor, 'pods:manage');
      assertItemType(deps, itemType);
      if (!Number.isInteger(limit) || limit < 0)
        throw new InvalidInputError([{ path: 'limit', message: 'must be a whole number ≥ 0' }]);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, podSlug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        await setLimitInTx(deps, repos, ctx, pod, itemType, limit);
        const status = (await statusOf(deps, repos, pod)).find((s) => s.itemType === itemType)!;
        return { pod: pod.slug, itemType, limit, used: status.used, available: status.available };
      });
    },
  };
}

export type WipService = ReturnType<typeof createWipService>;
