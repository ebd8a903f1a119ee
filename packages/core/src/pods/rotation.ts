/**
 * Monthly rotation (seed §3 MonthlyRotation): pods named together in an exchange pass members
 * around a ring. The proposal is pure and deterministic, so the preview, the stored proposal of a
 * run and a re-run over the same data agree move for move.
 */
import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { RotationPolicy } from '../policy.ts';
import type { Repositories } from '../ports/repositories.ts';
import { localDateTime, zonedTimeToInstant } from '../rhythms/schedule.ts';

export interface RotationMember {
  userId: string;
  email: string;
  podRole: 'lead' | 'member';
  joinedAt: Date;
}

export interface RotationPod {
  slug: string;
  /** Active members only. */
  members: RotationMember[];
}

export interface RotationMove {
  userId: string;
  email: string;
  from: string;
  to: string;
}

/** Longest tenure first; the same tenure is ordered by email so the choice never depends on row order. */
const bySeniority = (a: RotationMember, b: RotationMember) =>
  a.joinedAt.getTime() - b.joinedAt.getTime() || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);

/**
 * The moves one rotation makes. Each exchange is a ring: `exchanges[i][k]` sends to
 * `exchanges[i][k + 1]`, the last to the first. A pod sends its non-exempt, non-lead members of
 * longest tenure (ties by email), at most `movesPerPod` in all, one per outgoing edge per round;
 * nobody moves twice, nor into a pod they already belong to. Pods not in `pods` (not registered)
 * neither send nor receive.
 *
 * Sizes are counted after the whole rotation (arrivals included, since all moves commit together):
 * while some pod would end below `minPodSize`, its latest chosen departure is dropped, and the
 * drop is propagated (its receiver now gains one fewer) until no pod ends below the minimum through
 * the rotation. A pod that starts below the minimum therefore only receives.
 */
export function proposeRotation(policy: RotationPolicy, pods: readonly RotationPod[]): RotationMove[] {
  const bySlug = new Map(pods.map((p) => [p.slug, p]));
  const exempt = new Set(policy.exempt.map((e) => e.toLowerCase()));

  // Outgoing edges in configuration order; the same edge named by two exchanges counts once.
  const edges: { from: string; to: string }[] = [];
  const seen = new Set<string>();
  for (const ring of policy.exchanges) {
    if (ring.length < 2) continue;
    ring.forEach((from, i) => {
      const to = ring[(i + 1) % ring.length]!;
      const key = `${from}\u0000${to}`;
      if (from === to || seen.has(key) || !bySlug.has(from) || !bySlug.has(to)) return;
      seen.add(key);
      edges.push({ from, to });
    });
  }

  const candidates = new Map(
    pods.map((p) => [
      p.slug,
      p.members.filter((m) => m.podRole !== 'lead' && !exempt.has(m.email.toLowerCase())).sort(bySeniority),
    ]),
  );
  const membersOf = new Map(pods.map((p) => [p.slug, new Set(p.members.map((m) => m.userId))]));
  const moving = new Set<string>();
  const moves: RotationMove[] = [];
  const sent = new Map<string, number>();

  for (let round = 0; round < policy.movesPerPod; round += 1) {
    for (const { from, to } of edges) {
      if ((sent.get(from) ?? 0) >= policy.movesPerPod) continue;
      const pick = candidates
        .get(from)!
        .find((m) => !moving.has(m.userId) && !membersOf.get(to)!.has(m.userId));
      if (!pick) continue;
      moving.add(pick.userId);
      sent.set(from, (sent.get(from) ?? 0) + 1);
      moves.push({ userId: pick.userId, email: pick.email, from, to });
    }
  }

  // Drop departures from pods that would end below the minimum; each drop may cascade to the
  // receiver, and the loop ends because every pass removes a move.
  const finalSize = (slug: string) =>
    bySlug.get(slug)!.members.length -
    moves.filter((m) => m.from === slug).length +
    moves.filter((m) => m.to === slug).length;
  for (;;) {
    const short = [...bySlug.keys()].find(
      (slug) => finalSize(slug) < policy.minPodSize && moves.some((m) => m.from === slug),
    );
    if (short === undefined) break;
    const latest = moves.findLastIndex((m) => m.from === short);
    moves.splice(latest, 1);
  }
  return moves;
}

/**
 * The active members of every pod an exchange names, as `proposeRotation` takes them; slugs of pods
 * not registered (yet) are returned as `missing`.
 */
export async function loadRotationPods(
  repos: Repositories,
  policy: RotationPolicy,
): Promise<{ pods: RotationPod[]; missing: string[] }> {
  const slugs = [...new Set(policy.exchanges.flat())];
  const pods: RotationPod[] = [];
  const missing: string[] = [];
  // Sequential: inside a transaction the connection runs one query at a time anyway.
  for (const slug of slugs) {
    const pod = await repos.pods.bySlug(slug);
    if (!pod) {
      missing.push(slug);
      continue;
    }
    const members = await repos.pods.members(pod.id);
    pods.push({
      slug,
      members: members.map((m) => ({
        userId: m.userId,
        email: m.email,
        podRole: m.podRole,
        joinedAt: m.joinedAt,
      })),
    });
  }
  return { pods, missing };
}

/** The first configured rotation time strictly after `now` (the day of the month, in its time zone). */
export function nextRotationAt(policy: RotationPolicy, now: Date): Date {
  const local = localDateTime(now, policy.timezone);
  for (let ahead = 0; ; ahead += 1) {
    const monthIndex = local.month - 1 + ahead;
    const year = local.year + Math.floor(monthIndex / 12);
    const month = (monthIndex % 12) + 1;
    const date = `${year}-${String(month).padStart(2, '0')}-${String(policy.dayOfMonth).padStart(2, '0')}`;
    const at = zonedTimeToInstant(date, policy.time, policy.timezone);
    if (at.getTime() > now.getTime()) return at;
  }
}

/** Rotation use cases over the ports (the workflow applies moves through `pods.rotate`). */
export function createRotationService(deps: Deps) {
  const { uow, clock, policy } = deps;
  return {
    /** What the next rotation would do if it ran now, read-only. */
    async preview(ctx: Ctx) {
      assertCan(ctx.actor, 'pods:manage');
      const { pods, missing } = await loadRotationPods(uow.read, policy.rotation);
      return {
        enabled: policy.rotation.enabled,
        nextRunAt: policy.rotation.enabled ? nextRotationAt(policy.rotation, clock.now()) : null,
        moves: proposeRotation(policy.rotation, pods),
        missingPods: missing,
      };
    },
  };
}

export type RotationService = ReturnType<typeof createRotationService>;
