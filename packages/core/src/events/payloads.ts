/**
 * What each domain event carries in `data`, by type: the domain's side of the event contract. The
 * wire schemas in `@clos/contract` (events/*.ts) are checked against these at compile time, so a use
 * case cannot publish a field the documented schema lacks, nor drop one it promises.
 *
 * Events of recorded changes carry who made them (`actor`, their label), the audited `before` and
 * `after` and the `reason`, exactly as the audit log holds them; the others carry their own fields.
 * Payloads are JSON as stored in the outbox: timestamps are ISO 8601 strings.
 */
import type { Role } from '../auth/roles.ts';
import type { DemoAgendaItem, DemoSubmissionFeedback } from '../demos/entities.ts';
import type { CiState, HealthMetrics, PullRequestMerge } from '../entities.ts';
import type { AlertKind, AlertSeverity } from '../ports/alerts.ts';
import type { LinearStateType } from '../ports/linear.ts';
import type { RhythmPhase } from '../rhythms/entities.ts';
import type { DomainEventType } from './catalog.ts';

/** What a recorded change publishes beside its own before/after. */
interface Recorded {
  /** The label of who made the change (an email, or `system`). */
  actor: string;
  /** Why, when the change was given a reason (a block, a rejection, an archive …). */
  reason?: string;
}

type PodRole = 'lead' | 'member';

/** A Linear issue as CLOS holds it after a change (docs/linear.md). */
export interface LinearIssueEventState {
  linearId: string;
  identifier: string;
  title: string;
  url: string | null;
  /** The stage it counts for. */
  stage: string;
  /** Created from the stage's template (its index), or null: added by hand in Linear. */
  templateIndex: number | null;
  stateType: LinearStateType;
  stateName: string;
  /** Deleted in Linear or moved out of the linked project. */
  removed: boolean;
  /** What noticed the change. */
  source: 'webhook' | 'reconciliation' | 'created';
}

/** The `before`/`after` of each recorded change that is a domain event (see `record`). */
export interface ChangePayloads {
  'project.created': {
    before?: never;
    /** `key` is absent on projects created before keys existed. */
    after: { name: string; key?: string; pod: string; stage: string; ideaId?: string | null };
  };
  'project.imported': {
    /** The first stage, where every project is created. */
    before: { stage: string };
    /**
     * The stage the tracker had it in (gates not evaluated), where it came from, and what the tracker
     * said of it: `createdAt` (ISO 8601) when the work started there, `blockedReason` when blocked.
     */
    after: {
      stage: string;
      pod: string;
      source: string;
      externalId: string;
      createdAt?: string;
      blockedReason?: string;
    };
  };
  'project.evidence_submitted': {
    before?: never;
    /** `source`: the pull request an evidence file merged with (absent when typed in). */
    after: { stage: string; evidence: Record<string, unknown>; source?: string };
  };
  'project.pull_request_merged': { before?: never; after: PullRequestMerge };
  'project.ci_status': { before?: never; after: { status: CiState; url: string | null; context: string } };
  'project.closed': {
    before: { stage: string; blockedReason: string | null };
    after: { outcome: 'shipped' | 'cancelled' };
  };
  'gate.approved': { before?: never; after: { stage: string; decision: 'approve' | 'reject' } };
  'gate.rejected': { before?: never; after: { stage: string; decision: 'approve' | 'reject' } };
  'stage.advanced': { before: { stage: string }; after: { stage: string; approvedBy: string[] } };
  'stage.blocked': { before: { blockedReason: string | null }; after: { blockedReason: string } };
  'stage.unblocked': { before: { blockedReason: string | null }; after: { blockedReason: null } };
  'linear.issue_updated': {
    /** Absent the first time CLOS sees the issue. */
    before?: { stateType: LinearStateType; stateName: string; removed: boolean } | null;
    after: LinearIssueEventState;
  };
  'wip.acquired': {
    before?: never;
    after: {
      pod: string;
      itemType: string;
      itemId: string;
      /** Admitted from the pod's queue when a slot freed (absent for a direct acquire). */
      fromQueue?: true;
      label?: string;
      url?: string;
    };
  };
  'wip.released': { before: { pod: string; itemType: string; itemId: string }; after?: never };
  'wip.queued': {
    before?: never;
    after: {
      pod: string;
      itemType: string;
      itemId: string;
      /** Place in line when it joined, 1-based. */
      position: number;
      label?: string;
      url?: string;
    };
  };
  'wip.dequeued': { before: { pod: string; itemType: string; itemId: string }; after?: never };
  'wip.limit_set': {
    before: { itemType: string; limit: number };
    after: { itemType: string; limit: number };
  };
  'idea.submitted': { before?: never; after: { title: string; pod?: string } };
  'idea.evaluated': {
    before: { score: number | null; evaluations: number };
    after: { score: number | null; evaluations: number; scores: Record<string, number> };
  };
  'idea.promoted': {
    before: { status: 'pending' };
    after: { status: 'promoted'; projectId: string; pod: string };
  };
  'idea.archived': { before: { status: 'pending' }; after: { status: 'archived' } };
  'pod.registered': { before?: never; after: { slug: string; name: string; timezone: string } };
  'pod.updated': { before: { name: string; timezone: string }; after: { name: string; timezone: string } };
  'pod.member_added': { before?: null; after: { email: string; podRole: PodRole } };
  'pod.member_role_changed': {
    before: { email: string; podRole: PodRole };
    after: { email: string; podRole: PodRole };
  };
  'pod.health_updated': {
    before?: { score: number } | null;
    after: { score: number; metrics: HealthMetrics };
  };
  'pod.member_rotated': {
    before: { pod: string; podRole: PodRole };
    after: { pod: string; podRole: PodRole };
  };
  'commitment.recorded': { before?: never; after: { pod: string; day: string; user: string; text: string } };
  'commitment.updated': {
    before: { status: 'open' | 'done' | 'dropped' };
    after: { status: 'done' | 'dropped'; pod: string; day: string; user: string };
  };
  'demo.submitted': {
    before?: never;
    after: { pod: string; week: string; title: string; projectId: string | null };
  };
  'demo.feedback_recorded': {
    before?: { score: number; comment: string | null } | null;
    after: { pod: string; week: string; score: number; comment: string | null };
  };
  'deployment.started': {
    before?: never;
    after: { pod: string; version: string; projectId: string | null; url: string | null; runId: string };
  };
  'deployment.step_reported': {
    before: { step: string; status: string };
    after: {
      step: string;
      status: string;
      /** ISO 8601. */
      startedAt: string | null;
      finishedAt: string | null;
      durationSeconds: number | null;
      url: string | null;
      error: string | null;
    };
  };
  'deployment.finished': {
    before: { status: 'running' };
    after: {
      status: 'succeeded' | 'failed';
      failedStep?: string;
      error?: string | null;
      pod: string;
      version: string;
      url: string | null;
      durationSeconds: number | null;
    };
  };
}

/** Domain events that are recorded changes: published by `record` with their audit entry. */
export type ChangeEventType = keyof ChangePayloads;

/** The `data` of a recorded change's event: `before` and `after` as audited (absent when null). */
export type ChangeEventData<T extends ChangeEventType> = Recorded & {
  before?: NonNullable<ChangePayloads[T]['before']>;
  after?: NonNullable<ChangePayloads[T]['after']>;
};

/** The `data` of events that are not recorded changes: refusals, workflow outputs, alerts. */
export interface SignalPayloads {
  'wip.limit_reached': {
    pod: string;
    itemType: string;
    /** What asked for the slot. */
    itemId: string;
    limit: number;
    used: number;
    actor: string;
  };
  'gate.ready': {
    projectId: string;
    projectName: string | null;
    stage: string;
    approvalsNeeded: number;
    approverRoles: Role[];
    evidenceId: string | null;
    canAdvance: boolean;
  };
  'rhythm.digest_ready': {
    pod: string;
    phase: RhythmPhase;
    /** The pod's local date. */
    day: string;
    counts: Record<string, number>;
    summary: string;
  };
  'demo.opened': { pod: string; week: string; cutoffAt: string };
  'demo.agenda_ready': { pod: string; week: string; agenda: DemoAgendaItem[] };
  'demo.closed': {
    pod: string;
    week: string;
    demos: number;
    feedbackCount: number;
    averageScore: number | null;
    submissions: DemoSubmissionFeedback[];
  };
  'rotation.completed': {
    month: string;
    moves: { email: string; from: string; to: string }[];
    skipped: number;
  };
  'alert.opened': AlertEventData;
  'alert.resolved': AlertEventData & { resolvedAt: string };
  'workflow.run_failed': { workflow: string; key: string; step: string; error: string };
}

interface AlertEventData {
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown>;
  subjectType: string | null;
  subjectId: string | null;
  openedAt: string;
}

export type SignalEventType = keyof SignalPayloads;

/** Every event type's `data`. */
export type EventPayloads = { [T in ChangeEventType]: ChangeEventData<T> } & SignalPayloads;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Every catalogued type has a payload here, and nothing else does. */
export type _PayloadsCoverCatalogue =
  Same<ChangeEventType | SignalEventType, DomainEventType> extends true ? true : never;
const payloadsCoverCatalogue: _PayloadsCoverCatalogue = true;
void payloadsCoverCatalogue;
