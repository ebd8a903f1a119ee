/**
 * Which alert conditions (seed §5.1) hold right now. Pure: the alert service gathers the facts from
 * storage, this decides, and the service opens, refreshes and resolves alerts to match.
 */
import type { AlertsPolicy } from '../policy.ts';
import type { AlertKind, AlertSeverity } from '../ports/alerts.ts';

/** One (pod, item type) WIP cell. */
export interface WipCellFacts {
  itemType: string;
  used: number;
  limit: number;
  /** Items waiting in the pod's line for this type (the GitHub App queues pull requests, never refuses them). */
  queued: number;
  /**
   * An acquire was refused since the cell was last below its limit: the refusal being reported now,
   * or one recorded on the alert still open for this cell.
   */
  refused: boolean;
  /** Usage was above the limit since the cell was last below it, as recorded on the open alert. */
  exceeded: boolean;
}

export interface PodAlertFacts {
  podId: string;
  /** The pod's slug, for messages. */
  pod: string;
  wip: WipCellFacts[];
  /** The latest health score, if any was recorded. */
  healthScore: number | null;
  /** Deployments that finished within `deploymentWindowDays`. */
  deployments: { finished: number; failed: number };
}

export interface ProjectAlertFacts {
  projectId: string;
  podId: string;
  name: string;
  stage: string;
  stageEnteredAt: Date;
  blockedAt: Date | null;
  blockedReason: string | null;
  /** The gate into the next stage, block aside: met, unmet, or null (no next gate, or not evaluated because the project entered its stage too recently to be stuck on it). */
  nextGateMet: boolean | null;
  nextStage: string | null;
  /** The current stage's `expectedDays`, or null when the stage declares none. */
  expectedDays: number | null;
}

export interface AlertFacts {
  pods: PodAlertFacts[];
  /** Open projects only. */
  projects: ProjectAlertFacts[];
}

/** A condition that is true now; its key identifies the alert it keeps open. */
export interface AlertCondition {
  key: string;
  kind: AlertKind;
  podId: string | null;
  subjectType: string;
  subjectId: string;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown>;
}

/** The alert keys, one per condition: the partial unique index allows one open alert per key. */
export const alertKey = {
  wip: (podId: string, itemType: string) => `wip.limit_exceeded:${podId}:${itemType}`,
  gateStuck: (projectId: string) => `gate.stuck:${projectId}`,
  healthLow: (podId: string) => `pod.health_low:${podId}`,
  deploymentFailureRate: (podId: string) => `deployment.failure_rate:${podId}`,
} as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Whether a project that entered its stage at `stageEnteredAt` may already be stuck on its gate: the
 * service evaluates gates only for those, so a thousand fresh projects cost no gate evaluation. A
 * stage with `expectedDays` judges an unmet gate against that duration instead of `gateStuckHours`.
 */
export function gateCheckDue(
  policy: AlertsPolicy,
  stageEnteredAt: Date,
  now: Date,
  expectedDays: number | null = null,
): boolean {
  const threshold = expectedDays === null ? policy.gateStuckHours * HOUR : expectedDays * DAY;
  return now.getTime() - stageEnteredAt.getTime() > threshold;
}

/**
 * The severity of a gate-stuck project in a stage that declares `expectedDays`: critical once the
 * project has been in the stage more than twice the expected time, a warning before that.
 */
export function gateStuckSeverity(daysInStage: number, expectedDays: number | null): AlertSeverity {
  return expectedDays !== null && daysInStage > 2 * expectedDays ? 'critical' : 'warning';
}

/**
 * Since when a project has been unable to advance: since it entered its stage when its next gate is
 * unmet, since it was blocked when blocked; the earlier of the two when both. Null when it can advance.
 */
export function stuckSince(p: ProjectAlertFacts): Date | null {
  const starts: number[] = [];
  if (p.blockedAt) starts.push(p.blockedAt.getTime());
  if (p.nextGateMet === false) starts.push(p.stageEnteredAt.getTime());
  return starts.length ? new Date(Math.min(...starts)) : null;
}

/**
 * The `wip.limit_exceeded` condition of one cell, or null. Usage above the limit is critical. At the
 * limit it is a warning once someone was turned away (refused), items wait in line, or usage was above
 * the limit since it was last below: a full pod nobody is waiting on is not a problem. Refused and
 * exceeded go into `details` so that the next check keeps the alert open at the limit (see the
 * service); a line alone does not, so an alert raised only by waiting items resolves once the line
 * is empty.
 */
function wipCondition(pod: PodAlertFacts, cell: WipCellFacts): AlertCondition | null {
  const { itemType, used, limit, queued } = cell;
  if (used < limit) return null;
  const above = used > limit;
  const exceeded = above || cell.exceeded;
  if (!exceeded && !cell.refused && queued === 0) return null;
  const waiting = `${queued} waiting in line`;
  let message: string;
  if (above)
    message = `pod "${pod.pod}" holds ${used} ${itemType} slots, above its limit of ${limit}${queued ? `, with ${waiting}` : ''}`;
  else {
    const at = `pod "${pod.pod}" is at its ${itemType} WIP limit (${used} of ${limit})`;
    const why = cell.refused ? ' and refused an acquire' : exceeded ? ', down from above it' : '';
    message = `${at}${why}${queued ? `${why ? ',' : ''} with ${waiting}` : ''}`;
  }
  return {
    key: alertKey.wip(pod.podId, itemType),
    kind: 'wip.limit_exceeded',
    podId: pod.podId,
    subjectType: 'pod',
    subjectId: pod.podId,
    severity: above ? 'critical' : 'warning',
    message,
    details: { pod: pod.pod, itemType, used, limit, queued, refused: cell.refused, exceeded },
  };
}

const percent = (rate: number) => `${Math.round(rate * 1000) / 10} %`;

/**
 * Every alert condition true at `now`, from plain facts. Thresholds are strict: health exactly at
 * `podHealthBelow`, a failure rate exactly at `deploymentFailureRate`, or a project stuck exactly
 * `gateStuckHours` raise nothing.
 */
export function evaluateAlerts(policy: AlertsPolicy, facts: AlertFacts, now: Date): AlertCondition[] {
  const out: AlertCondition[] = [];
  const slugOf = new Map(facts.pods.map((p) => [p.podId, p.pod]));

  for (const pod of facts.pods) {
    if (policy.wipExceeded)
      for (const cell of pod.wip) {
        const condition = wipCondition(pod, cell);
        if (condition) out.push(condition);
      }

    if (pod.healthScore !== null && pod.healthScore < policy.podHealthBelow)
      out.push({
        key: alertKey.healthLow(pod.podId),
        kind: 'pod.health_low',
        podId: pod.podId,
        subjectType: 'pod',
        subjectId: pod.podId,
        severity: 'warning',
        message: `pod "${pod.pod}" health is ${pod.healthScore}, below ${policy.podHealthBelow}`,
        details: { pod: pod.pod, score: pod.healthScore, threshold: policy.podHealthBelow },
      });

    const { finished, failed } = pod.deployments;
    if (finished >= policy.deploymentMinCount && finished > 0) {
      const rate = failed / finished;
      if (rate > policy.deploymentFailureRate)
        out.push({
          key: alertKey.deploymentFailureRate(pod.podId),
          kind: 'deployment.failure_rate',
          podId: pod.podId,
          subjectType: 'pod',
          subjectId: pod.podId,
          severity: 'critical',
          message: `pod "${pod.pod}": ${failed} of ${finished} deployments failed in the last ${policy.deploymentWindowDays} days (${percent(rate)}, above ${percent(policy.deploymentFailureRate)})`,
          details: {
            pod: pod.pod,
            finished,
            failed,
            failureRate: Math.round(rate * 10_000) / 10_000,
            threshold: policy.deploymentFailureRate,
            windowDays: policy.deploymentWindowDays,
          },
        });
    }
  }

  for (const p of facts.projects) {
    const condition = gateStuckCondition(policy, p, slugOf.get(p.podId) ?? null, now);
    if (condition) out.push(condition);
  }
  return out;
}

/**
 * The `gate.stuck` condition of one project, or null. A block counts once it has lasted more than
 * `gateStuckHours`, whatever the stage. An unmet gate counts once the project has been in its stage
 * more than `gateStuckHours` or, when the stage declares `expectedDays`, more than that: a gate is
 * expected to be unmet while the stage's work is under way, so a long stage is not stuck on day two.
 */
function gateStuckCondition(
  policy: AlertsPolicy,
  p: ProjectAlertFacts,
  pod: string | null,
  now: Date,
): AlertCondition | null {
  const threshold = policy.gateStuckHours * HOUR;
  const blockedFor = p.blockedAt ? now.getTime() - p.blockedAt.getTime() : 0;
  const inStage = now.getTime() - p.stageEnteredAt.getTime();
  const unmetThreshold = p.expectedDays === null ? threshold : p.expectedDays * DAY;
  const blocked = p.blockedAt !== null && blockedFor > threshold;
  const unmet = p.nextGateMet === false && inStage > unmetThreshold;
  if (!blocked && !unmet) return null;
  const since = stuckSince(p) ?? p.stageEnteredAt;
  const hours = (now.getTime() - since.getTime()) / HOUR;
  const daysInStage = inStage / DAY;
  const reasons: string[] = [];
  if (p.blockedAt) reasons.push(`blocked: ${p.blockedReason ?? 'no reason given'}`);
  if (p.nextGateMet === false) reasons.push(`the gate into "${p.nextStage}" is not met`);
  const expected =
    p.expectedDays === null
      ? ''
      : `, ${Math.floor(daysInStage * 10) / 10} of an expected ${p.expectedDays} days in the stage`;
  return {
    key: alertKey.gateStuck(p.projectId),
    kind: 'gate.stuck',
    podId: p.podId,
    subjectType: 'project',
    subjectId: p.projectId,
    severity: gateStuckSeverity(daysInStage, p.expectedDays),
    message: `project "${p.name}" has not been able to leave stage "${p.stage}" for ${Math.floor(hours)} h (${reasons.join('; ')}${expected})`,
    details: {
      pod,
      project: p.name,
      stage: p.stage,
      nextStage: p.nextStage,
      blocked: p.blockedAt !== null,
      blockedReason: p.blockedReason,
      gateMet: p.nextGateMet,
      stuckSince: since.toISOString(),
      thresholdHours: policy.gateStuckHours,
      expectedDays: p.expectedDays,
      daysInStage: Math.round(daysInStage * 100) / 100,
    },
  };
}
