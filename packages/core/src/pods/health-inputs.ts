import type { HealthMetrics, HealthSnapshot } from '../entities.ts';
import type { HealthPolicy } from '../policy.ts';
import { addDays, localDateTime } from '../rhythms/schedule.ts';
import { HEALTH_COMPONENT_OF, HEALTH_METRICS } from './health.ts';

const DAY_MS = 86_400_000;

/** The period the computed health reads, for one pod. */
export interface HealthWindow {
  /** Start of the window: `now − health.windowDays`. */
  since: Date;
  now: Date;
  /**
   * The window's commitment days, in the pod's calendar: the `windowDays` local days before today.
   * Today is left out: its commitments are still being worked on.
   */
  fromDay: string;
  toDay: string;
  /** The policy's stage names in order (breaks ties between transitions at one instant). */
  stageOrder: readonly string[];
}

/** The raw figures the computed health is made from: counts and sums the database aggregates. */
export interface HealthFigures {
  /** Commitments of the window's days: all recorded (open, done, dropped), and those marked done. */
  commitments: { recorded: number; done: number };
  /**
   * Stays in a stage that ended in the window, by the project's next transition or by its shipping
   * (a stay ended by a cancellation never completed), and their summed length in days. A stay starts
   * at the transition that entered the stage; the first one at the project's creation.
   */
  stays: { count: number; totalDays: number };
  /** The pod's open projects now; those blocked now, and the days each has been blocked, summed. */
  projects: { open: number; blocked: number; blockedDays: number };
  /**
   * Gate decisions `reject` taken in the window on the pod's projects, and the projects that reached
   * a gate in it (a decision, either way, or an advance through it).
   */
  gates: { rejections: number; projects: number };
  /**
   * The pod's weekly demos closed in the window; its members now; and those of them who submitted to
   * or gave feedback in one of those demos.
   */
  demos: { closed: number; members: number; participants: number };
}

/** Open WIP locks and the limit now, per item type. */
export interface WipUse {
  itemType: string;
  used: number;
  limit: number;
}

/** The window ending at `now` for a pod in `timeZone`. */
export function healthWindow(
  policy: Pick<HealthPolicy, 'windowDays'>,
  stageOrder: readonly string[],
  timeZone: string,
  now: Date,
): HealthWindow {
  const today = localDateTime(now, timeZone).date;
  return {
    since: new Date(now.getTime() - policy.windowDays * DAY_MS),
    now,
    fromDay: addDays(today, -policy.windowDays),
    toDay: addDays(today, -1),
    stageOrder,
  };
}

const ratio = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * The pod's health metrics from its figures (definitions in docs/pods.md#computed-health). A metric
 * is left out when the pod has nothing to measure it by (no commitment in the window, no completed
 * stay, no gate reached, no demo closed, no open project), so it neither helps nor hurts the score;
 * the weighted mean reads only the components present.
 * - velocity: commitments done ÷ recorded.
 * - cycleTimeDays: mean length of the completed stays.
 * - blockedItems: open projects blocked now; blockedDays: their mean days blocked (0 when none).
 * - wipUtilisation: open locks ÷ limit, the highest over item types with a limit above 0 (the
 *   fullest type is the constraint).
 * - deploymentSuccess: the rate given (the deployments' own computation), when there is one.
 * - gateRefusals: rejections ÷ projects that reached a gate.
 * - demoParticipation: participating members ÷ members.
 */
export function healthInputs(
  figures: HealthFigures,
  wip: readonly WipUse[],
  deploymentSuccess: number | null,
): HealthMetrics {
  const m: HealthMetrics = {};
  const { commitments, stays, projects, gates, demos } = figures;
  if (commitments.recorded > 0) m.velocity = ratio(commitments.done / commitments.recorded);
  const limited = wip.filter((w) => w.limit > 0);
  if (limited.length > 0) m.wipUtilisation = ratio(Math.max(...limited.map((w) => w.used / w.limit)));
  if (projects.open > 0) {
    m.blockedItems = projects.blocked;
    m.blockedDays = projects.blocked > 0 ? ratio(projects.blockedDays / projects.blocked) : 0;
  }
  if (stays.count > 0) m.cycleTimeDays = ratio(stays.totalDays / stays.count);
  if (deploymentSuccess !== null) m.deploymentSuccess = deploymentSuccess;
  if (gates.projects > 0) m.gateRefusals = ratio(gates.rejections / gates.projects);
  if (demos.closed > 0 && demos.members > 0)
    m.demoParticipation = ratio(Math.min(demos.participants, demos.members) / demos.members);
  return m;
}

/** One metric or component that differs from the snapshot before. */
export interface HealthChange {
  /** A metric name (`cycleTimeDays`) or a component name (`cycleTime`). */
  input: string;
  kind: 'metric' | 'component';
  /** Null: absent from that snapshot. */
  from: number | null;
  to: number | null;
  /**
   * Components only: how many score points the component's share of the score moved (its weight ×
   * value ÷ the snapshot's total weight, × 100), under the current weights. Null for metrics.
   */
  points: number | null;
}

function shares(policy: HealthPolicy, components: Record<string, number>): Record<string, number> {
  const weights = policy.weights as Record<string, number>;
  const total = Object.keys(components).reduce((sum, key) => sum + (weights[key] ?? 0), 0);
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(components))
    out[key] = total === 0 ? 0 : (100 * (weights[key] ?? 0) * value) / total;
  return out;
}

/**
 * What moved between two snapshots of a pod (`before` the older one; null for the first): each
 * metric and component whose value differs, components with the score points they moved, the ones
 * that moved the score most first.
 */
export function healthChanges(
  policy: HealthPolicy,
  after: Pick<HealthSnapshot, 'metrics' | 'components'>,
  before: Pick<HealthSnapshot, 'metrics' | 'components'> | null,
): HealthChange[] {
  if (!before) return [];
  const changes: HealthChange[] = [];
  const beforeShares = shares(policy, before.components);
  const afterShares = shares(policy, after.components);
  const components = new Set(Object.values(HEALTH_COMPONENT_OF) as string[]);
  for (const key of [...Object.keys(before.components), ...Object.keys(after.components)])
    components.add(key);
  for (const key of components) {
    const from = before.components[key] ?? null;
    const to = after.components[key] ?? null;
    if (from === to) continue;
    // `|| 0`: no negative zero in JSON.
    const points = Math.round(((afterShares[key] ?? 0) - (beforeShares[key] ?? 0)) * 10) / 10 || 0;
    changes.push({ input: key, kind: 'component', from, to, points });
  }
  changes.sort((a, b) => Math.abs(b.points!) - Math.abs(a.points!));
  const metrics = before.metrics as Record<string, number | undefined>;
  const now = after.metrics as Record<string, number | undefined>;
  for (const key of HEALTH_METRICS) {
    const from = metrics[key] ?? null;
    const to = now[key] ?? null;
    if (from !== to) changes.push({ input: key, kind: 'metric', from, to, points: null });
  }
  return changes;
}
