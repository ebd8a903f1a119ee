/** The domain's records, as use cases read and return them. Timestamps are `Date`s. */
import type { Role } from './auth/roles.ts';

export interface Pod {
  id: string;
  slug: string;
  name: string;
  timezone: string;
  createdAt: Date;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  /** False once deactivated: no token, session or sign-in works for them until reactivated. */
  active: boolean;
  deactivatedAt: Date | null;
  /** `<issuer> <sub>` of the identity provider account they sign in with; null before their first SSO sign-in. */
  oidcSubject: string | null;
  lastSignInAt: Date | null;
}

/** A person's signed-in browser session (SSO), stored server-side; the cookie holds only a random value. */
export interface UserSession {
  id: string;
  userId: string;
  /** The role in force: the mapped role, or the next one down when MFA was required and missing. */
  role: Role;
  /** The role the identity provider's claims map to. */
  mappedRole: Role;
  /** Pods the session may act on (pod-scoped permissions); empty means every pod (admins). */
  podIds: string[];
  /** Whether the ID token showed a second factor (`amr`) or a sufficient `acr`. */
  mfa: boolean;
  amr: string[];
  acr: string | null;
  /** Why the role in force is lower than the mapped one; null when it is not. */
  downgradeReason: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end (`auth.session.absoluteHours` after sign-in). */
  expiresAt: Date;
  endedAt: Date | null;
  /** `signed_out`, `ended_by_admin`, `deactivated`, `role_changed`, `pods_changed`, `expired`, `idle`. */
  endReason: string | null;
}

export interface PodMember {
  podId: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  podRole: 'lead' | 'member';
  joinedAt: Date;
  leftAt: Date | null;
}

export interface Project {
  id: string;
  /** Short unique handle accepted wherever the id is (`payments`); set at creation, never changed. */
  key: string;
  name: string;
  podId: string;
  currentStage: string;
  stageEnteredAt: Date;
  blockedReason: string | null;
  blockedAt: Date | null;
  ideaId: string | null;
  wipLockId: string | null;
  closedAt: Date | null;
  outcome: ProjectOutcome | null;
  closeReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ProjectOutcome = 'shipped' | 'cancelled';

export interface EvidenceRecord {
  id: string;
  projectId: string;
  stage: string;
  data: Record<string, unknown>;
  submittedBy: string | null;
  /** Where it came from when not typed in: the pull request that merged it (evidence as code). */
  source: string | null;
  createdAt: Date;
}

export type ApprovalDecision = 'approve' | 'reject';

export const CI_STATES = ['passed', 'failed', 'running'] as const;
export type CiState = (typeof CI_STATES)[number];

/** A pull request merged in a repository mapped to a project (the GitHub App). */
export interface PullRequestMerge {
  /** owner/name */
  repository: string;
  number: number;
  title: string;
  url: string;
  author: string;
  headSha: string;
  /** The merged head's checks (CLOS's own aside): null when it had none. */
  ci: CiState | null;
}

/** One CI report on a project (a workflow run's outcome); the latest per `context` is the current one. */
export interface CiStatus {
  id: string;
  projectId: string;
  status: CiState;
  /** Link to the run, shown on the project's page; http(s) only. */
  url: string | null;
  /** Which check reported: a workflow or job name; `ci` when the reporter names none. */
  context: string;
  reportedBy: string | null;
  createdAt: Date;
}

export interface ApprovalRecord {
  id: string;
  projectId: string;
  stage: string;
  userId: string;
  /** The approver's role now; approvals count only while it is listed for the gate. */
  userRole: Role;
  userEmail: string;
  decision: ApprovalDecision;
  comment: string | null;
  createdAt: Date;
}

export interface StageTransition {
  id: string;
  projectId: string;
  fromStage: string | null;
  toStage: string;
  evidence: Record<string, unknown>;
  approvedBy: string[];
  actorId: string | null;
  createdAt: Date;
}

export interface WipLock {
  id: string;
  podId: string;
  itemType: string;
  itemId: string;
  acquiredBy: string | null;
  acquiredAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  /** What the holder is, for people (a pull request's title and author); null when not given. */
  label: string | null;
  /** Where the holder is (a pull request's page), http(s); null when not given. */
  url: string | null;
}

/** An item waiting for a slot of a full pod: the line is first come, first served, per (pod, type). */
export interface WipQueueEntry {
  id: string;
  /** Arrival order (a database sequence): lower is earlier. Not the place in line; see `rank`. */
  position: number;
  podId: string;
  itemType: string;
  itemId: string;
  label: string | null;
  url: string | null;
  /** Who queued the item; the lock it is admitted to is theirs. */
  enqueuedBy: string | null;
  enqueuedAt: Date;
}

export type IdeaStatus = 'pending' | 'promoted' | 'archived';

export interface Idea {
  id: string;
  title: string;
  description: string | null;
  submittedBy: string | null;
  /**
   * The pod the idea was submitted for, if any: while pending it holds one of that pod's `idea` WIP
   * slots (docs/ideas.md). Promotion may still target another pod.
   */
  podId: string | null;
  /** Weighted score on the criteria's 0–5 scale, 2 decimals; null until evaluated. */
  evaluationScore: number | null;
  evaluationCount: number;
  status: IdeaStatus;
  promotedToProjectId: string | null;
  archivedReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdeaEvaluation {
  id: string;
  ideaId: string;
  evaluatorId: string;
  scores: Record<string, number>;
  /** This evaluation's weighted mean, 2 decimals. */
  score: number;
  comment: string | null;
  createdAt: Date;
}

export interface HealthMetrics {
  /** Work completed ÷ work committed in the period (1 = delivered as planned). */
  velocity?: number;
  /** WIP in use ÷ WIP limit, summed over item types. */
  wipUtilisation?: number;
  /** Items currently blocked. */
  blockedItems?: number;
  /** Mean cycle time in days. */
  cycleTimeDays?: number;
  /** Successful deployments ÷ all deployments in the period, 0–1. */
  deploymentSuccess?: number;
  /** Mean days the currently blocked items have been blocked (0 when none is). */
  blockedDays?: number;
  /** Gate refusals in the period ÷ projects that reached a gate in it. */
  gateRefusals?: number;
  /** Share of the pod's members who took part in its weekly demos of the period, 0–1. */
  demoParticipation?: number;
}

/** `manual`: someone posted the metrics; `computed`: the scheduled job derived them from CLOS's data. */
export type HealthSource = 'manual' | 'computed';

export interface HealthSnapshot {
  id: string;
  podId: string;
  metrics: HealthMetrics;
  score: number;
  components: Record<string, number>;
  source: HealthSource;
  recordedBy: string | null;
  recordedAt: Date;
}

export interface ApiToken {
  id: string;
  name: string;
  userId: string;
  role: Role;
  /** Pod ids the token may act on; empty means every pod. */
  podIds: string[];
  prefix: string;
  /** Addresses the token may be used from (CIDR ranges, IPv4 or IPv6); empty means anywhere. */
  allowedCidrs: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export interface AuditEvent {
  sequence: number;
  id: string;
  occurredAt: Date;
  actorId: string | null;
  actorLabel: string;
  action: string;
  subjectType: string;
  subjectId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

/** An audit event as its change records it: the sealer gives it its place in the chain later. */
export type RecordedAuditEvent = Omit<AuditEvent, 'sequence' | 'prevHash' | 'hash'>;
