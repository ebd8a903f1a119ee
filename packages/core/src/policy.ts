/**
 * The operating model a company declares in `clos.config.yaml`, as the domain sees it once the file
 * has been parsed and validated (the Zod schema in `@clos/contract` produces this shape).
 */
import type { Role } from './auth/roles.ts';

/** A JSON Schema document (draft 2020-12 or draft-07) describing required gate evidence. */
export type JsonSchema = Record<string, unknown>;

export interface GatePolicy {
  /** What must be supplied (as one JSON document) to enter the stage. */
  evidence: JsonSchema;
  approvals: { count: number; roles: Role[] };
}

export interface StagePolicy {
  name: string;
  description?: string;
  /** Absent on the first stage only. */
  gate?: GatePolicy;
}

export interface WipTypePolicy {
  name: string;
  defaultLimit: number;
}

export interface IdeaCriterion {
  key: string;
  label: string;
  weight: number;
}

export interface IdeasPolicy {
  criteria: IdeaCriterion[];
  minEvaluations: number;
  /** On the 0–5 scale of the criteria. */
  promotionThreshold: number;
}

export interface PodMemberPolicy {
  email: string;
  name?: string;
  role: Role;
  podRole: 'lead' | 'member';
}

export interface PodPolicy {
  slug: string;
  name: string;
  timezone: string;
  members: PodMemberPolicy[];
  /** Per-pod overrides of `wip.types[].defaultLimit`, by item type. */
  wipLimits: Record<string, number>;
}

export interface HealthPolicy {
  weights: {
    velocity: number;
    wipUtilisation: number;
    blockedItems: number;
    cycleTime: number;
    deploymentSuccess: number;
  };
  /** Cycle time (days) at or under which the cycle-time component scores full marks. */
  cycleTimeTargetDays: number;
  /** Number of blocked items at which the blocked-items component reaches zero. */
  blockedItemsTolerance: number;
}

export interface Policy {
  stages: StagePolicy[];
  wip: { types: WipTypePolicy[] };
  ideas: IdeasPolicy;
  pods: PodPolicy[];
  health: HealthPolicy;
}
