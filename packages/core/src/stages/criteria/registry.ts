/**
 * The kinds of gate criterion, in the order a gate evaluation lists them. A new kind is one file in
 * this folder and one line here; see docs/stage-gates.md#adding-a-criterion-kind.
 */
import { approvalsKind } from './approvals.ts';
import type { CriterionGroup, CriterionOf, CriterionView, GateView } from './criterion-kind.ts';
import { evidenceKind } from './evidence.ts';
import { linearIssuesDoneKind } from './linear-issues-done.ts';
import { notBlockedKind } from './not-blocked.ts';
import { notClosedKind } from './not-closed.ts';
import { rejectionKind } from './rejection.ts';

export const CRITERION_REGISTRY = [
  notClosedKind,
  notBlockedKind,
  evidenceKind,
  linearIssuesDoneKind,
  approvalsKind,
  rejectionKind,
] as const;

/** One criterion of a gate evaluation: a union over the registry's kinds. */
export type GateCriterion = CriterionOf<(typeof CRITERION_REGISTRY)[number]>;
export type GateCriterionKind = GateCriterion['kind'];
type RegisteredKind = (typeof CRITERION_REGISTRY)[number];

/** The kinds' names, in registry order: the API's enum and GraphQL's list. */
export const CRITERION_KINDS: readonly GateCriterionKind[] = CRITERION_REGISTRY.map((k) => k.kind);

const BY_KIND: ReadonlyMap<string, RegisteredKind> = new Map(CRITERION_REGISTRY.map((k) => [k.kind, k]));

/** The registered kind named `kind`, or undefined for a name the registry does not know. */
export function criterionKind(kind: string): RegisteredKind | undefined {
  return BY_KIND.get(kind);
}

/** Which group a criterion's kind belongs to (see `CriterionGroup`). */
export function criterionGroup(kind: GateCriterionKind): CriterionGroup {
  return BY_KIND.get(kind)!.group;
}

/** A criterion's name as the dashboard shows it, e.g. "Evidence: spec" for one missing field. */
export function criterionLabel(criterion: CriterionView): string {
  const kind = BY_KIND.get(criterion.kind);
  if (!kind) return criterion.kind;
  return kind.describe.title?.(criterion) ?? kind.describe.label;
}

/**
 * What to do about each kind that has an unmet criterion, in registry order, each step once (too few
 * approvals and a rejection are both cleared by approving).
 */
export function criterionNextSteps(gate: GateView): string[] {
  const unmet = new Set(gate.criteria.filter((c) => !c.met).map((c) => c.kind));
  const steps = new Set<string>();
  for (const kind of CRITERION_REGISTRY) {
    const step = unmet.has(kind.kind) ? kind.describe.nextStep?.(gate) : undefined;
    if (step) steps.add(step);
  }
  return [...steps];
}
