import type { ApprovalRecord, EvidenceRecord, IdeaStatus, Project } from '../entities.ts';

/**
 * Company-wide aggregates for the dashboard. Each method is one SQL statement over all pods, so a
 * dashboard read costs a constant number of queries however many pods, projects or locks exist.
 */

export interface DashboardPod {
  id: string;
  slug: string;
  name: string;
}

/** Open projects currently in one stage, and how many of those are blocked. */
export interface StageOccupancy {
  stage: string;
  open: number;
  blocked: number;
}

export interface ProjectTotals {
  /** Every project ever created: they all entered the first stage. */
  created: number;
  shipped: number;
  cancelled: number;
}

export interface WipUsage {
  podId: string;
  itemType: string;
  /** Open (unreleased) locks. */
  used: number;
}

export interface StoredWipLimit {
  podId: string;
  itemType: string;
  limit: number;
}

export interface IdeaTallies {
  byStatus: Record<IdeaStatus, number>;
  /** Ideas created at or after the `since` asked for. */
  submittedSince: number;
  /** Evaluations made (or last replaced) at or after `since`. */
  evaluationsSince: number;
}

export interface DashboardRepository {
  /** Every pod, by slug. */
  pods(): Promise<DashboardPod[]>;
  /** Open projects per current stage (stages with none are absent). */
  openProjectsByStage(): Promise<StageOccupancy[]>;
  projectTotals(): Promise<ProjectTotals>;
  /**
   * Per stage, how many projects moved into it by a transition from another stage (the creation
   * row, whose `from_stage` is null, is not counted: see {@link ProjectTotals.created}).
   */
  enteredByTransition(): Promise<Record<string, number>>;
  /**
   * Per stage, the median hours of completed stays: from the transition into the stage to the next
   * transition of the same project, or to its shipping for a stay in the stage it shipped from.
   * `stageOrder` orders transitions recorded at the same instant. Stages without one are absent.
   */
  medianStayHours(stageOrder: readonly string[]): Promise<Record<string, number>>;
  /** Open WIP locks per (pod, item type); combinations with none are absent. */
  openWipUsage(): Promise<WipUsage[]>;
  /** Every limit stored for a pod (API or config file). */
  storedWipLimits(): Promise<StoredWipLimit[]>;
  /** The latest health score of each pod that has one. */
  latestHealthScores(): Promise<Record<string, number>>;
  /** Active (not departed) members per pod; pods without any are absent. */
  activeMemberCounts(): Promise<Record<string, number>>;
  ideaTallies(since: Date): Promise<IdeaTallies>;
  openAlertCounts(): Promise<{ open: number; critical: number }>;
  /**
   * What open projects' next gates are judged on, in three statements however many projects: the
   * open projects (of one pod when `podId` is given), the latest evidence of each for the stage after
   * its current one, and the decisions given for that stage. `nextStages` maps a stage to the next.
   */
  openGateInputs(
    nextStages: Record<string, string>,
    podId?: string,
  ): Promise<{ projects: Project[]; evidence: EvidenceRecord[]; approvals: ApprovalRecord[] }>;
}
