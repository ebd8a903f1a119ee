/**
 * Gates at a glance (issue 14): each open project's next gate reduced to one status a list can show
 * and sort by — ready, N unmet, awaiting N approvals, blocked — with its days in stage. Pure: the
 * caller loads every open project's latest evidence and decisions for its next stage in a fixed number
 * of queries, and the evaluation is the stage service's own (`evaluateGate`).
 */
import type { ApprovalRecord, Project } from '../entities.ts';
import type { StagePolicy } from '../policy.ts';
import { criterionGroup, evaluateGate, type GateCriterion, type GateValidators } from '../stages/gate.ts';

const DAY_MS = 86_400_000;

/**
 * - `ready`: every criterion of the next gate is met;
 * - `awaiting`: only decisions are missing (approvals to give);
 * - `unmet`: something the team supplies (evidence) is missing, or a rejection stands;
 * - `blocked`: the project is blocked, so its gate is not what holds it up;
 * - `last`: the project is in the last stage, with no gate ahead (it can only be shipped).
 */
export type GateState = 'ready' | 'awaiting' | 'unmet' | 'blocked' | 'last';

/** The states in the order a lead sorts by: what can move now, then what waits on people. */
export const GATE_STATES: readonly GateState[] = ['ready', 'awaiting', 'unmet', 'blocked', 'last'];

export interface ProjectGateStatus {
  projectId: string;
  key: string;
  name: string;
  podId: string;
  currentStage: string;
  /** The stage the gate leads into; null in the last stage. */
  nextStage: string | null;
  stageEnteredAt: Date;
  /** Whole days since the project entered its stage. */
  daysInStage: number;
  state: GateState;
  /** Unmet criteria of the next gate (the blocking criterion, when blocked). */
  unmet: number;
  /** Approvals still needed (0 unless the gate has an approvals criterion short of its count). */
  awaitingApprovals: number;
  blockedReason: string | null;
}

/** What one open project's gate is judged on: its latest evidence and decisions for the next stage. */
export interface GateStatusInput {
  project: Project;
  evidence: Record<string, unknown> | null;
  approvals: ApprovalRecord[];
}

/** Approvals still missing across the gate's approvals criteria. */
function approvalsMissing(criteria: GateCriterion[]): number {
  let missing = 0;
  for (const c of criteria)
    if (c.kind === 'approvals' && !c.met) missing += Math.max(0, c.required - c.received);
  return missing;
}

/**
 * Reduces a project's gate to one status. A gate whose only unmet criteria are decisions awaits
 * approval (the unblock digest's rule); a rejection is a decision too, but nobody "awaits" it, so a
 * gate held only by a rejection counts as unmet.
 */
export function gateStatusOf(
  input: GateStatusInput,
  stages: StagePolicy[],
  validators: GateValidators,
  now: Date,
): ProjectGateStatus {
  const { project } = input;
  const evaluation = evaluateGate({
    project,
    stages,
    validators,
    evidence: input.evidence,
    approvals: input.approvals,
  });
  const unmet = evaluation.criteria.filter((c) => !c.met);
  const awaitingApprovals = approvalsMissing(evaluation.criteria);
  let state: GateState;
  if (unmet.some((c) => criterionGroup(c.kind) === 'project')) state = 'blocked';
  else if (evaluation.nextStage === null) state = 'last';
  else if (unmet.length === 0) state = 'ready';
  else if (awaitingApprovals > 0 && unmet.every((c) => criterionGroup(c.kind) === 'decision'))
    state = 'awaiting';
  else state = 'unmet';
  return {
    projectId: project.id,
    key: project.key,
    name: project.name,
    podId: project.podId,
    currentStage: project.currentStage,
    nextStage: evaluation.nextStage,
    stageEnteredAt: project.stageEnteredAt,
    daysInStage: Math.max(0, Math.floor((now.getTime() - project.stageEnteredAt.getTime()) / DAY_MS)),
    state,
    unmet: unmet.length,
    awaitingApprovals,
    blockedReason: project.blockedReason,
  };
}

/** The stage each stage's gate leads into, for loading only the evidence and decisions that count. */
export function nextStages(stages: StagePolicy[]): Record<string, string> {
  const next: Record<string, string> = {};
  for (let i = 0; i + 1 < stages.length; i++) next[stages[i]!.name] = stages[i + 1]!.name;
  return next;
}

/** Every input's status, longest in stage first: the projects most likely stuck lead the list. */
export function buildGateStatuses(
  inputs: GateStatusInput[],
  stages: StagePolicy[],
  validators: GateValidators,
  now: Date,
): ProjectGateStatus[] {
  return inputs
    .map((input) => gateStatusOf(input, stages, validators, now))
    .sort(
      (a, b) =>
        a.stageEnteredAt.getTime() - b.stageEnteredAt.getTime() || a.projectId.localeCompare(b.projectId),
    );
}
