import type { HealthMetrics } from '../entities.ts';
import type { FieldProblem } from '../errors.ts';
import type { HealthPolicy } from '../policy.ts';

const clamp01 = (n: number) => Math.min(1, Math.max(0, n));

export const HEALTH_METRICS = [
  'velocity',
  'wipUtilisation',
  'blockedItems',
  'cycleTimeDays',
  'deploymentSuccess',
  'blockedDays',
  'gateRefusals',
  'demoParticipation',
] as const;

/** The weight (and component) each metric feeds. */
export const HEALTH_COMPONENT_OF = {
  velocity: 'velocity',
  wipUtilisation: 'wipUtilisation',
  blockedItems: 'blockedItems',
  cycleTimeDays: 'cycleTime',
  deploymentSuccess: 'deploymentSuccess',
  blockedDays: 'blockedTime',
  gateRefusals: 'gateRefusals',
  demoParticipation: 'demoParticipation',
} as const satisfies Record<(typeof HEALTH_METRICS)[number], keyof HealthPolicy['weights']>;

/**
 * Each metric mapped to a 0–1 component. The mappings are documented in docs/pods.md; keep them in
 * step.
 * - velocity: completed ÷ committed, capped at 1 (over-delivery is not rewarded beyond plan).
 * - wipUtilisation: full marks up to 1 (at the limit); above it, falls linearly to 0 at 1.5.
 * - blockedItems: 1 − blocked ÷ tolerance, floored at 0.
 * - cycleTime: full marks at or under the target; falls linearly to 0 at twice the target.
 * - deploymentSuccess: the rate itself.
 * - blockedTime (metric blockedDays): 1 − mean days blocked ÷ tolerance, floored at 0.
 * - gateRefusals: 1 − refusals per project at a gate, floored at 0 (one refusal per project on average
 *   scores 0: every gate passage needed a second attempt).
 * - demoParticipation: the share itself.
 */
export function healthComponents(policy: HealthPolicy, m: HealthMetrics): Record<string, number> {
  const c: Record<string, number> = {};
  if (m.velocity !== undefined) c.velocity = clamp01(m.velocity);
  if (m.wipUtilisation !== undefined)
    c.wipUtilisation = m.wipUtilisation <= 1 ? 1 : clamp01(1 - (m.wipUtilisation - 1) / 0.5);
  if (m.blockedItems !== undefined)
    c.blockedItems = clamp01(1 - m.blockedItems / policy.blockedItemsTolerance);
  if (m.cycleTimeDays !== undefined) {
    const t = policy.cycleTimeTargetDays;
    c.cycleTime = m.cycleTimeDays <= t ? 1 : clamp01(1 - (m.cycleTimeDays - t) / t);
  }
  if (m.deploymentSuccess !== undefined) c.deploymentSuccess = clamp01(m.deploymentSuccess);
  if (m.blockedDays !== undefined) c.blockedTime = clamp01(1 - m.blockedDays / policy.blockedDaysTolerance);
  if (m.gateRefusals !== undefined) c.gateRefusals = clamp01(1 - m.gateRefusals);
  if (m.demoParticipation !== undefined) c.demoParticipation = clamp01(m.demoParticipation);
  return c;
}

/**
 * Health 0–100: the weighted mean of the components present, so a pod that does not deploy is not
 * punished for missing deployment data. Integer.
 */
export function healthScore(
  policy: HealthPolicy,
  metrics: HealthMetrics,
): { score: number; components: Record<string, number> } {
  const components = healthComponents(policy, metrics);
  let sum = 0;
  let weights = 0;
  for (const [key, value] of Object.entries(components)) {
    const w = policy.weights[key as keyof HealthPolicy['weights']];
    sum += w * value;
    weights += w;
  }
  // Components are stored; 4 decimals keep them readable (0.6, not 0.6000000000000001).
  for (const key of Object.keys(components)) components[key] = Math.round(components[key]! * 10_000) / 10_000;
  return { score: weights === 0 ? 0 : Math.round((100 * sum) / weights), components };
}

export function checkHealthMetrics(policy: HealthPolicy, m: HealthMetrics): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const present = HEALTH_METRICS.filter((k) => m[k] !== undefined);
  if (present.length === 0)
    problems.push({ path: 'metrics', message: `must contain at least one of: ${HEALTH_METRICS.join(', ')}` });
  if (present.length > 0 && present.every((k) => policy.weights[HEALTH_COMPONENT_OF[k]] === 0))
    problems.push({ path: 'metrics', message: 'every submitted metric has weight 0 in the health policy' });
  for (const k of present) {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      problems.push({ path: `metrics.${k}`, message: 'must be a finite number ≥ 0' });
  }
  for (const k of ['deploymentSuccess', 'demoParticipation'] as const)
    if (m[k] !== undefined && m[k] > 1)
      problems.push({ path: `metrics.${k}`, message: 'must be a rate from 0 to 1' });
  if (m.blockedItems !== undefined && !Number.isInteger(m.blockedItems))
    problems.push({ path: 'metrics.blockedItems', message: 'must be a whole number' });
  return problems;
}
