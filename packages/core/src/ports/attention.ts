/**
 * What the overview's "Needs attention" list and headline figures read (issue 14 §1). Each method is
 * one SQL statement over all pods, projects or ideas, so the overview costs a fixed number of queries.
 */
import type { ApprovalRecord, EvidenceRecord, Project } from '../entities.ts';

/** Items waiting in a pod's line for one item type; cells without any are absent. */
export interface QueuedCount {
  podId: string;
  itemType: string;
  queued: number;
}

/** A pending idea with enough evaluations scoring at or above the threshold. */
export interface ReadyIdea {
  id: string;
  title: string;
  score: number;
  evaluations: number;
}

export interface CriticalAlert {
  id: string;
  kind: string;
  message: string;
  openedAt: Date;
}

/** Projects that moved on during a window: advanced through a gate, or shipped. */
export interface Throughput {
  advanced: number;
  shipped: number;
}

/** What gate evaluations of every open project need, read in three statements. */
export interface OpenProjectGates {
  projects: Project[];
  /** The latest evidence per (open project, stage). */
  evidence: EvidenceRecord[];
  /** Every decision on open projects, oldest first, with the decider's current role and email. */
  approvals: ApprovalRecord[];
}

export interface AttentionRepository {
  queuedCounts(): Promise<QueuedCount[]>;
  openProjectGates(): Promise<OpenProjectGates>;
  readyIdeas(minEvaluations: number, threshold: number): Promise<ReadyIdea[]>;
  /** Open alerts of severity critical, newest first, at most `limit`. */
  openCriticalAlerts(limit: number): Promise<CriticalAlert[]>;
  /**
   * Per stage, the median hours of stays that ended in [from, to): from the transition into the
   * stage to the project's next transition, or to its shipping. Stages without one are absent.
   */
  medianStayHoursEnded(stageOrder: readonly string[], from: Date, to: Date): Promise<Record<string, number>>;
  throughput(from: Date, to: Date): Promise<Throughput>;
  /** WIP locks held at `instant` per item type (acquired by then, not yet released). */
  wipUsedAt(instant: Date): Promise<Record<string, number>>;
}
