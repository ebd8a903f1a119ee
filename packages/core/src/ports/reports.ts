/**
 * Reads the compliance reports need across every user, project and period at once, where the other
 * repositories read one record at a time (which would be a query per user or per project).
 */
import type {
  ApprovalRecord,
  AuditEvent,
  EvidenceRecord,
  Project,
  StageTransition,
  UserSession,
} from '../entities.ts';

/** Which audit events to read: in `[from, to]`, whose action is listed or starts with a prefix. */
export interface ReportEventFilter {
  from: Date;
  to: Date;
  actions: readonly string[];
  /** e.g. `user.`: every action of that family. */
  prefixes: readonly string[];
}

export interface ReportMembership {
  userId: string;
  podId: string;
  slug: string;
  podRole: 'lead' | 'member';
}

export interface ReportRepository {
  /** Every current pod membership (not left), with the pod's slug. */
  memberships(): Promise<ReportMembership[]>;
  /** The newest SSO session of each user who ever had one. */
  latestSessions(): Promise<UserSession[]>;
  /** Who each of these sessions belongs to (audit events name sessions by id). */
  sessionOwners(ids: readonly string[]): Promise<{ id: string; userId: string }[]>;
  /** Sessions not ended and not past their absolute end at `now`, oldest first. */
  openSessions(now: Date): Promise<UserSession[]>;
  /** How many audit events occurred in `[from, to]`. */
  countAuditEvents(from: Date, to: Date): Promise<number>;
  /** Matching audit events, oldest first; at most `limit`. */
  auditEvents(filter: ReportEventFilter, limit: number): Promise<AuditEvent[]>;
  /**
   * Moves from one stage to the next in `[from, to]`, oldest first; at most `limit`. A project's
   * creation (a transition with no `fromStage`) is not a move through a gate and is left out.
   */
  transitions(from: Date, to: Date, limit: number): Promise<StageTransition[]>;
  projects(ids: readonly string[]): Promise<Project[]>;
  /** Every evidence submission of these projects, oldest first. */
  evidence(projectIds: readonly string[]): Promise<EvidenceRecord[]>;
  /** Every gate decision on these projects, oldest first, with the approver's current role and email. */
  approvals(projectIds: readonly string[]): Promise<ApprovalRecord[]>;
}
