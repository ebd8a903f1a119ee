import { type Ctx, NotFoundError } from '@clos/core';
import type { RuntimeEnv } from '@clos/workflows';
import type { SlotState } from './checks.ts';

/**
 * A pull request's WIP slot through the use cases (so every change is audited and published like
 * any other): take one or join the pod's line, leave both, and read where it stands.
 */

export function takeSlot(
  env: RuntimeEnv,
  ctx: Ctx,
  pod: string,
  itemType: string,
  itemId: string,
  info: { label: string; url: string },
) {
  return env.services.wip.acquireOrQueue(ctx, pod, itemType, itemId, info);
}

/** Frees the slot or leaves the line; nothing when it held neither (a `closed` before its `opened`). */
export function leaveSlot(env: RuntimeEnv, ctx: Ctx, pod: string, itemType: string, itemId: string) {
  return env.services.wip.releaseItem(ctx, pod, itemType, itemId);
}

/** Where the item stands in its pod: holding (which slot), waiting (which place), or neither. */
export async function slotStateOf(
  env: RuntimeEnv,
  ctx: Ctx,
  pod: string,
  itemType: string,
  itemId: string,
): Promise<SlotState> {
  let status: Awaited<ReturnType<RuntimeEnv['services']['wip']['getStatus']>>;
  try {
    status = await env.services.wip.getStatus(ctx, pod);
  } catch (error) {
    if (error instanceof NotFoundError) return { state: 'no_pod', pod };
    throw error;
  }
  const type = status.types.find((t) => t.itemType === itemType);
  if (!type) return { state: 'released', pod };
  const held = type.holders.findIndex((h) => h.itemId === itemId);
  if (held >= 0)
    return { state: 'held', pod, itemType, used: type.used, limit: type.limit, position: held + 1 };
  const waiting = type.queue.findIndex((q) => q.itemId === itemId);
  if (waiting >= 0)
    return {
      state: 'queued',
      pod,
      itemType,
      used: type.used,
      limit: type.limit,
      position: waiting + 1,
      holders: type.holders.map((h) => ({ itemId: h.itemId, label: h.label, url: h.url })),
    };
  return { state: 'released', pod };
}
