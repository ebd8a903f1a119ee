/**
 * Gate evaluation: which criteria stand between a project and its next stage. Pure: the caller loads
 * the project, its latest evidence and approvals; this decides.
 */

import type { StagePolicy } from '../policy.ts';
import type { GateInput } from './criteria/criterion-kind.ts';
import { CRITERION_REGISTRY, type GateCriterion } from './criteria/registry.ts';

export { countableDecisions } from './criteria/approvals.ts';
export type * from './criteria/criterion-kind.ts';
export * from './criteria/registry.ts';
export { type EvidenceProblem, GateValidators } from './gate-validators.ts';

export interface GateEvaluation {
  projectId: string;
  currentStage: string;
  /** Null when the project is in the last stage. */
  nextStage: string | null;
  ready: boolean;
  criteria: GateCriterion[];
}

export function nextStageOf(stages: StagePolicy[], current: string): StagePolicy | null {
  const index = stages.findIndex((s) => s.name === current);
  return index >= 0 ? (stages[index + 1] ?? null) : null;
}

/**
 * Evaluates the gate into the project's next stage, kind by kind in registry order. A closed project
 * (an unmet precondition) and the last stage have no next gate: `nextStage` is null and it is not ready.
 */
export function evaluateGate(input: GateInput): GateEvaluation {
  const { project, stages } = input;
  const base = { projectId: project.id, currentStage: project.currentStage };
  const failed: GateCriterion[] = [];
  for (const kind of CRITERION_REGISTRY)
    if (kind.phase === 'precondition') failed.push(...kind.evaluate(input));
  if (failed.length > 0) return { ...base, nextStage: null, ready: false, criteria: failed };

  const next = nextStageOf(stages, project.currentStage);
  if (!next?.gate) return { ...base, nextStage: null, ready: false, criteria: [] };
  const context = { ...input, next, gate: next.gate };
  const criteria: GateCriterion[] = [];
  for (const kind of CRITERION_REGISTRY) if (kind.phase === 'gate') criteria.push(...kind.evaluate(context));
  return { ...base, nextStage: next.name, ready: criteria.every((c) => c.met), criteria };
}
