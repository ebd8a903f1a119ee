import type { FieldProblem } from '../errors.ts';
import type { IdeasPolicy } from '../policy.ts';

/**
 * Half-up to 2 decimals on the decimal value the number prints as: scaling by 100 in binary would
 * round 2.135 down (2.135 * 100 = 213.49999…).
 */
const round2 = (n: number) => Number(`${Math.round(Number(`${n}e2`))}e-2`);

/**
 * Problems with one evaluator's scores: every configured criterion must be scored on 0–5, and no
 * unknown criterion may appear (a typo would otherwise silently not count).
 */
export function checkScores(policy: IdeasPolicy, scores: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const known = new Set(policy.criteria.map((c) => c.key));
  for (const c of policy.criteria) {
    const v = scores[c.key];
    if (v === undefined) problems.push({ path: `scores.${c.key}`, message: 'is required' });
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 5)
      problems.push({ path: `scores.${c.key}`, message: 'must be a number from 0 to 5' });
  }
  for (const key of Object.keys(scores)) {
    if (!known.has(key))
      problems.push({
        path: `scores.${key}`,
        message: `is not a criterion (expected one of: ${[...known].join(', ')})`,
      });
  }
  return problems;
}

/** One evaluation's weighted mean over the criteria, 2 decimals. */
export function weightedScore(policy: IdeasPolicy, scores: Record<string, number>): number {
  let sum = 0;
  let weights = 0;
  for (const c of policy.criteria) {
    sum += c.weight * (scores[c.key] ?? 0);
    weights += c.weight;
  }
  return round2(weights === 0 ? 0 : sum / weights);
}

/**
 * The idea's score: the mean of each evaluation's (unrounded) weighted mean, rounded once to 2
 * decimals so rounding errors do not accumulate. Null without evaluations.
 */
export function ideaScore(policy: IdeasPolicy, evaluations: Record<string, number>[]): number | null {
  if (evaluations.length === 0) return null;
  const weights = policy.criteria.reduce((s, c) => s + c.weight, 0);
  if (weights === 0) return 0;
  const means = evaluations.map(
    (e) => policy.criteria.reduce((s, c) => s + c.weight * (e[c.key] ?? 0), 0) / weights,
  );
  return round2(means.reduce((a, b) => a + b, 0) / means.length);
}

export type PromotionBlocker =
  | { kind: 'evaluations'; required: number; received: number; message: string }
  | { kind: 'score'; threshold: number; score: number | null; message: string };

/** What keeps an idea from promotion, per criterion; empty when it may be promoted. */
export function promotionBlockers(
  policy: IdeasPolicy,
  evaluationCount: number,
  score: number | null,
): PromotionBlocker[] {
  const blockers: PromotionBlocker[] = [];
  if (evaluationCount < policy.minEvaluations)
    blockers.push({
      kind: 'evaluations',
      required: policy.minEvaluations,
      received: evaluationCount,
      message: `needs ${policy.minEvaluations} evaluations, has ${evaluationCount}`,
    });
  if (score === null || score < policy.promotionThreshold)
    blockers.push({
      kind: 'score',
      threshold: policy.promotionThreshold,
      score,
      message: `score ${score ?? 'none'} is below the promotion threshold ${policy.promotionThreshold}`,
    });
  return blockers;
}
