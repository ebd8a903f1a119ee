/**
 * The dashboard's figures, computed from the aggregates `DashboardRepository` reads. Pure: every
 * input is passed in, so the rules (zero-filled stages, effective limits, the week's start) are
 * tested without a database.
 */
import type { Policy } from '../policy.ts';
import type {
  DashboardPod,
  ProjectTotals,
  StageOccupancy,
  StoredWipLimit,
  WipUsage,
} from '../ports/dashboard.ts';
import type { DeploymentTally } from '../ports/deployments.ts';
import { effectiveLimit } from '../wip/service.ts';

const DAY_MS = 86_400_000;

/** `n / d` to 4 decimals; null when `d` is 0 (nothing to divide by is not 0 %). */
export function ratio(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 10_000) / 10_000;
}

/**
 * Monday 00:00 UTC of the week `now` falls in: the dashboard's "this week". UTC, not a pod's time
 * zone, because the overview spans pods in several zones and must give every reader the same figure.
 */
export function weekStart(now: Date): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  // getUTCDay: 0 = Sunday … 6 = Saturday; days since Monday is (day + 6) % 7.
  return new Date(midnight - ((now.getUTCDay() + 6) % 7) * DAY_MS);
}

export interface StageCount {
  stage: string;
  count: number;
}

/** Open projects per stage, in the policy's order, stages with none included as 0. */
export function projectsPerStage(stages: readonly string[], occupancy: StageOccupancy[]): StageCount[] {
  const open = new Map(occupancy.map((o) => [o.stage, o.open]));
  return stages.map((stage) => ({ stage, count: open.get(stage) ?? 0 }));
}

export interface FunnelStage {
  stage: string;
  /** Open projects in the stage now. */
  current: number;
  /** Projects that ever entered the stage. */
  entered: number;
  /** Entered the next stage ÷ entered this one; null for the last stage or when none entered. */
  conversion: number | null;
  /** Median hours of completed stays; null when no stay has completed. */
  medianHoursInStage: number | null;
}

export interface DashboardFunnel {
  stages: FunnelStage[];
  closed: { shipped: number; cancelled: number };
}

/**
 * The stage-gate funnel. Every project entered the first stage when it was created; later stages
 * count the projects that moved into them.
 */
export function buildFunnel(
  stages: readonly string[],
  input: {
    occupancy: StageOccupancy[];
    totals: ProjectTotals;
    enteredByTransition: Record<string, number>;
    medianStayHours: Record<string, number>;
  },
): DashboardFunnel {
  const current = projectsPerStage(stages, input.occupancy);
  const entered = stages.map((stage, i) =>
    i === 0 ? input.totals.created : (input.enteredByTransition[stage] ?? 0),
  );
  return {
    stages: stages.map((stage, i) => {
      const median = input.medianStayHours[stage];
      return {
        stage,
        current: current[i]!.count,
        entered: entered[i]!,
        conversion: i === stages.length - 1 ? null : ratio(entered[i + 1]!, entered[i]!),
        medianHoursInStage: median === undefined ? null : Math.round(median * 100) / 100,
      };
    }),
    closed: { shipped: input.totals.shipped, cancelled: input.totals.cancelled },
  };
}

export interface WipCell {
  itemType: string;
  used: number;
  limit: number;
  /** used ÷ limit (above 1 when a limit was lowered below usage); null when the limit is 0. */
  utilisation: number | null;
}

export interface WipHeatmapPod extends DashboardPod {
  cells: WipCell[];
}

/** One row of the pods list: the WIP row of the heatmap, with members and the latest health. */
export interface PodSummary extends WipHeatmapPod {
  members: number;
  /** The latest health score; null before the first snapshot. */
  health: number | null;
}

export interface WipHeatmap {
  /** Item types in the policy's order: the columns. */
  types: string[];
  pods: WipHeatmapPod[];
}

/** Pods × item types with the limit in force in each cell (the pod's stored limit, else the default). */
export function buildWipHeatmap(
  policy: Policy,
  pods: DashboardPod[],
  usage: WipUsage[],
  stored: StoredWipLimit[],
): WipHeatmap {
  const used = new Map(usage.map((u) => [`${u.podId}\u0000${u.itemType}`, u.used]));
  const storedByPod = new Map<string, Record<string, number>>();
  for (const s of stored) {
    const limits = storedByPod.get(s.podId) ?? {};
    limits[s.itemType] = s.limit;
    storedByPod.set(s.podId, limits);
  }
  const types = policy.wip.types.map((t) => t.name);
  return {
    types,
    pods: pods.map((pod) => ({
      ...pod,
      cells: types.map((itemType) => {
        const limit = effectiveLimit({ policy }, storedByPod.get(pod.id) ?? {}, itemType);
        const n = used.get(`${pod.id}\u0000${itemType}`) ?? 0;
        return { itemType, used: n, limit, utilisation: ratio(n, limit) };
      }),
    })),
  };
}

export interface WipSummary {
  used: number;
  limit: number;
  /** used ÷ limit over every pod and type; null when no limit is set anywhere. */
  utilisation: number | null;
  /** Cells at or over their limit; a zero limit with nothing in use is closed, not full. */
  fullCells: number;
}

export function summariseWip(heatmap: WipHeatmap): WipSummary {
  let used = 0;
  let limit = 0;
  let fullCells = 0;
  for (const pod of heatmap.pods)
    for (const cell of pod.cells) {
      used += cell.used;
      limit += cell.limit;
      if (cell.used > 0 && cell.used >= cell.limit) fullCells += 1;
    }
  return { used, limit, utilisation: ratio(used, limit), fullCells };
}

export interface HealthSummary {
  /** Mean of each pod's latest score, 2 decimals; null when no pod has one. */
  mean: number | null;
  pods: (DashboardPod & { score: number | null })[];
}

export function summariseHealth(pods: DashboardPod[], latest: Record<string, number>): HealthSummary {
  const rows = pods.map((pod) => ({ ...pod, score: latest[pod.id] ?? null }));
  const scores = rows.flatMap((r) => (r.score === null ? [] : [r.score]));
  const mean = scores.length
    ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100
    : null;
  return { mean, pods: rows };
}

export interface DeploymentSummary {
  /** Succeeded ÷ finished in the window; null when none finished. */
  successRate: number | null;
  finished: number;
  windowDays: number;
}

export function summariseDeployments(
  tallies: Record<string, DeploymentTally>,
  windowDays: number,
): DeploymentSummary {
  let succeeded = 0;
  let finished = 0;
  for (const t of Object.values(tallies)) {
    succeeded += t.succeeded;
    finished += t.succeeded + t.failed;
  }
  return { successRate: ratio(succeeded, finished), finished, windowDays };
}
