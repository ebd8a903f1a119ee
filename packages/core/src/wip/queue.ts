/**
 * The line of a full pod: items that asked for a slot with `queue: true` wait here, first come first
 * served, per (pod, item type), and take a slot the moment one frees. Every function that reads or
 * writes the line runs under the scope lock (`repos.wip.lockScope`) its caller took, so two frees can
 * never admit more than the room there is, nor admit out of order.
 */
import type { Ctx, Deps } from '../context.ts';
import type { Pod, WipLock, WipQueueEntry } from '../entities.ts';
import { InvalidInputError } from '../errors.ts';
import { record } from '../events/record.ts';
import { stringProblem } from '../input.ts';
import type { Repositories } from '../ports/repositories.ts';
import { effectiveLimit } from './limits.ts';

/** Longest holder label stored (`wip_locks.label`, `wip_queue.label`). */
export const WIP_LABEL_MAX = 300;
/** Longest holder link stored. */
export const WIP_URL_MAX = 2000;

/** What a holder is and where, for people: a pull request's title and author, and its page. */
export interface HolderInfo {
  label?: string | null | undefined;
  url?: string | null | undefined;
}

/** An item waiting in line, as status and the queue listing show it. */
export interface WipQueueItem {
  itemId: string;
  label: string | null;
  url: string | null;
  /** Place in line, 1 for the next to be admitted. */
  position: number;
  enqueuedAt: Date;
  enqueuedBy: string | null;
}

/** The answer to an acquire with `queue: true` that found the pod full. */
export interface WipQueued {
  queued: true;
  pod: string;
  itemType: string;
  itemId: string;
  /** Place in line, 1-based. */
  position: number;
  /** How many wait before it. */
  ahead: number;
  entry: WipQueueEntry;
  /** False when the item was already waiting: asking again keeps its place. */
  created: boolean;
}

/**
 * `label` and `url` as stored: trimmed, blank meaning none. Refuses, naming the field, a label or link
 * the columns cannot hold and a link people cannot follow (only http and https are links here).
 */
export function holderInfo(input: HolderInfo): { label: string | null; url: string | null } {
  const problems: { path: string; message: string }[] = [];
  const label = input.label?.trim() || null;
  const url = input.url?.trim() || null;
  if (label !== null) {
    const problem = stringProblem(label);
    if (problem) problems.push({ path: 'label', message: problem });
    else if (label.length > WIP_LABEL_MAX)
      problems.push({ path: 'label', message: `must be at most ${WIP_LABEL_MAX} characters` });
  }
  if (url !== null) {
    if (url.length > WIP_URL_MAX)
      problems.push({ path: 'url', message: `must be at most ${WIP_URL_MAX} characters` });
    else if (!isWebLink(url)) problems.push({ path: 'url', message: 'must be an http(s) URL' });
  }
  if (problems.length) throw new InvalidInputError(problems);
  return { label, url };
}

function isWebLink(value: string): boolean {
  if (!/^https?:\/\//i.test(value) || /\s/.test(value)) return false;
  try {
    return new URL(value).host !== '';
  } catch {
    return false;
  }
}

/** The line of each item type, in order, with places counted from 1. */
export function linesOf(entries: readonly WipQueueEntry[]): Map<string, WipQueueItem[]> {
  const lines = new Map<string, WipQueueItem[]>();
  for (const e of [...entries].sort((a, b) => a.position - b.position)) {
    const line = lines.get(e.itemType) ?? [];
    line.push({
      itemId: e.itemId,
      label: e.label,
      url: e.url,
      position: line.length + 1,
      enqueuedAt: e.enqueuedAt,
      enqueuedBy: e.enqueuedBy,
    });
    lines.set(e.itemType, line);
  }
  return lines;
}

/** label/url for an event's payload: present only when given, so events without them stay as before. */
export const labelled = (h: { label: string | null; url: string | null }) => ({
  ...(h.label !== null ? { label: h.label } : {}),
  ...(h.url !== null ? { url: h.url } : {}),
});

/**
 * Admits the oldest waiting items of (pod, type) while the pod has room: each gets a lock (its label
 * and link carried over, acquired by whoever queued it), leaves the line and is recorded as
 * `wip.acquired` with `fromQueue: true`, by the actor whose change freed the slot. The one way the line
 * moves forward; every path that frees a slot (a release, a project closed, a limit raised) calls it.
 * The caller holds the scope lock.
 */
export async function admitFromQueueInTx(
  deps: Pick<Deps, 'clock' | 'ids' | 'policy'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
): Promise<WipLock[]> {
  // One round trip, and nothing more when the line is empty (nearly always).
  const state = await repos.wip.slotState(pod.id, itemType, null);
  if (state.queued === 0) return [];
  const limit = state.storedLimit ?? effectiveLimit(deps, {}, itemType);
  const used = state.used;
  if (used >= limit) return [];
  // Only as many as there is room for, oldest first: the rest keep their places.
  const next = await repos.wip.queue(pod.id, itemType, limit - used);
  const now = deps.clock.now();
  const admitted: WipLock[] = [];
  for (const entry of next) {
    const lock: WipLock = {
      id: deps.ids.uuid(),
      podId: pod.id,
      itemType,
      itemId: entry.itemId,
      acquiredBy: entry.enqueuedBy,
      acquiredAt: now,
      releasedAt: null,
      releasedBy: null,
      label: entry.label,
      url: entry.url,
    };
    // Out of the line first: an item never both waits and holds.
    await repos.wip.dequeue(entry.id);
    await repos.wip.insertLock(lock);
    await record(repos, ctx, now, {
      podId: pod.id,
      action: 'wip.acquired',
      subjectType: 'wip_lock',
      subjectId: lock.id,
      after: { pod: pod.slug, itemType, itemId: entry.itemId, fromQueue: true, ...labelled(entry) },
    });
    admitted.push(lock);
  }
  return admitted;
}

/**
 * Puts an item at the end of the line, or finds it where it already waits (asking again keeps its
 * place and records nothing). The caller holds the scope lock and knows the item holds no slot.
 */
export async function enqueueInTx(
  deps: Pick<Deps, 'clock' | 'ids'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  itemType: string,
  itemId: string,
  info: { label: string | null; url: string | null },
): Promise<WipQueued> {
  const existing = await repos.wip.queueEntry(pod.id, itemType, itemId);
  const entry =
    existing ??
    (await repos.wip.enqueue({
      id: deps.ids.uuid(),
      podId: pod.id,
      itemType,
      itemId,
      label: info.label,
      url: info.url,
      enqueuedBy: ctx.actor.userId,
      enqueuedAt: deps.clock.now(),
    }));
  const ahead = await repos.wip.queueAhead(entry);
  if (!existing)
    await record(repos, ctx, entry.enqueuedAt, {
      podId: pod.id,
      action: 'wip.queued',
      subjectType: 'wip_queue_entry',
      subjectId: entry.id,
      after: { pod: pod.slug, itemType, itemId, position: ahead + 1, ...labelled(entry) },
    });
  return {
    queued: true,
    pod: pod.slug,
    itemType,
    itemId,
    position: ahead + 1,
    ahead,
    entry,
    created: !existing,
  };
}

/**
 * Takes an item out of the line without a slot ("leaves the line"): recorded as `wip.dequeued` with
 * why. Admission is not a dequeue; it is recorded as the `wip.acquired` it is.
 */
export async function leaveQueueInTx(
  deps: Pick<Deps, 'clock'>,
  repos: Repositories,
  ctx: Ctx,
  pod: Pod,
  entry: WipQueueEntry,
  reason?: string,
): Promise<void> {
  const now = deps.clock.now();
  await repos.wip.dequeue(entry.id);
  await record(repos, ctx, now, {
    podId: pod.id,
    action: 'wip.dequeued',
    subjectType: 'wip_queue_entry',
    subjectId: entry.id,
    before: { pod: pod.slug, itemType: entry.itemType, itemId: entry.itemId },
    reason: reason ?? 'left the line',
  });
}
