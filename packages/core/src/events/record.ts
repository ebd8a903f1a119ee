import type { Ctx } from '../context.ts';
import type { RecordedAuditEvent } from '../entities.ts';
import type { Repositories } from '../ports/repositories.ts';
import type { NewDomainEvent } from './event.ts';
import type { ChangeEventData, ChangeEventType, ChangePayloads } from './payloads.ts';

/**
 * Audited changes that are not broadcast as domain events: what an admin does to access (users,
 * tokens, webhook receivers) stays in the audit log and out of streams and webhooks.
 */
export const AUDIT_ONLY_ACTIONS = [
  'user.created',
  'user.updated',
  'user.role_changed',
  'user.pods_changed',
  'user.deactivated',
  'user.reactivated',
  'session.started',
  'session.ended',
  'session.refused',
  'session.mfa_downgraded',
  'token.created',
  'token.revoked',
  'token.address_refused',
  'report.generated',
  'webhook.created',
  'webhook.disabled',
  'alert.acknowledged',
  'alert.snoozed',
  // One person's satisfaction is theirs: audited, not broadcast to the pod's streams and webhooks.
  'demo.pulse_recorded',
  // The summary of one import run; each row it created has its own events.
  'import.completed',
] as const;
export type AuditOnlyAction = (typeof AUDIT_ONLY_ACTIONS)[number];

interface ChangeBase {
  /** The pod the change belongs to: it scopes the event to that pod's readers (null: company-wide). */
  podId?: string | null;
  subjectType: string;
  subjectId: string;
  reason?: string | null | undefined;
}

/**
 * One change as a use case records it. For an action that is a domain event, `before` and `after` are
 * typed by that event's payload (events/payloads.ts), so what a use case publishes is checked where
 * it is written.
 */
export type Change =
  | { [A in ChangeEventType]: ChangeBase & { action: A } & ChangePayloads[A] }[ChangeEventType]
  | (ChangeBase & { action: AuditOnlyAction; before?: unknown; after?: unknown });

// Keyed by type, so a change event added to ChangePayloads and not listed here fails to compile.
const IS_CHANGE_EVENT: { [K in ChangeEventType]: true } = {
  'project.created': true,
  'project.imported': true,
  'project.evidence_submitted': true,
  'project.ci_status': true,
  'project.pull_request_merged': true,
  'project.closed': true,
  'gate.approved': true,
  'gate.rejected': true,
  'stage.advanced': true,
  'stage.blocked': true,
  'stage.unblocked': true,
  'linear.issue_updated': true,
  'wip.acquired': true,
  'wip.released': true,
  'wip.queued': true,
  'wip.dequeued': true,
  'wip.limit_set': true,
  'idea.submitted': true,
  'idea.evaluated': true,
  'idea.promoted': true,
  'idea.archived': true,
  'pod.registered': true,
  'pod.updated': true,
  'pod.member_added': true,
  'pod.member_role_changed': true,
  'pod.health_updated': true,
  'pod.member_rotated': true,
  'commitment.recorded': true,
  'commitment.updated': true,
  'demo.submitted': true,
  'demo.feedback_recorded': true,
  'deployment.started': true,
  'deployment.step_reported': true,
  'deployment.finished': true,
};

/** Whether an audited action is also published as a domain event. */
export const isChangeEventType = (action: string): action is ChangeEventType =>
  Object.hasOwn(IS_CHANGE_EVENT, action);

/**
 * Records a change made by `ctx.actor` at `at`: records it in the audit log (sealed into the chain after commit) and, when its action is
 * a domain event, writes that event to the outbox, both through `repos` (the caller's transaction),
 * so a change is never published without being recorded, nor recorded without being published.
 * The event carries the audited `before`/`after` as the log stores them (JSON), `actor` and `reason`.
 */
export async function record(
  repos: Repositories,
  ctx: Ctx,
  at: Date,
  change: Change,
): Promise<RecordedAuditEvent> {
  // The pod is not part of the audit record: it scopes the event to that pod's readers.
  const { podId = null, ...entry } = change;
  const stored = await repos.audit.append({
    at,
    actorId: ctx.actor.userId,
    actorLabel: ctx.actor.label,
    requestId: ctx.requestId,
    ...entry,
  });
  if (isChangeEventType(change.action)) {
    // `before`/`after` as the log stored them (JSON: dates become ISO strings), so a consumer reads
    // the same values from the stream, a webhook and `GET /audit`.
    const data: ChangeEventData<ChangeEventType> = { actor: ctx.actor.label };
    if (stored.before != null) data.before = stored.before as NonNullable<typeof data.before>;
    if (stored.after != null) data.after = stored.after as NonNullable<typeof data.after>;
    if (change.reason) data.reason = change.reason;
    await repos.events.emit({
      type: change.action,
      podId,
      subjectType: change.subjectType,
      subjectId: change.subjectId,
      actorId: ctx.actor.userId,
      data,
      occurredAt: at,
      // `data` was built from `change`, whose action-specific type TypeScript cannot carry through
      // the generic code above; `Change` already checked it against this action's payload.
    } as NewDomainEvent);
  }
  return stored;
}
