import type { Deps } from '../context.ts';

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
