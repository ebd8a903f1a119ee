/**
 * The payload of every domain event type, as the live stream, outbound webhooks and the typed
 * client carry it: one schema per type, checked at compile time against the domain's own
 * `EventPayloads` (a use case cannot publish what is not documented here), and the source of the
 * event tables in docs/events.md (a test regenerates them and compares).
 */
import {
  type ChangeEventType,
  DOMAIN_EVENT_TYPES,
  type DomainEventType,
  type EventPayloads,
  type SignalEventType,
} from '@clos/core';
import { z } from 'zod';
import { healthBody, roleSchema } from './api.ts';
import { ts, uuid } from './routes/common.ts';

const str = z.string();
const num = z.number();
const podRole = z.enum(['lead', 'member']);
const d = (description: string) => ({ description });

/** Who may see an event: pod-scoped tokens see their pods' events and company-wide ones. */
export type EventScope = 'pod' | 'company' | 'pod or company';

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  scope: EventScope;
  /** `subjectType` of the event. */
  subject: string;
  data: S;
  /** Where the event is explained further. */
  see?: string;
}

/**
 * A recorded change: who made it, the audited before/after (absent when the change has none), and
 * its reason when it was given one.
 */
function change<B extends z.ZodType | null, A extends z.ZodType | null>(before: B, after: A) {
  return z.object({
    actor: str.meta(d('the label of who made the change')),
    ...(before ? { before: before.optional() } : {}),
    ...(after ? { after: after.optional() } : {}),
    reason: str.optional(),
  }) as z.ZodObject<{
    actor: z.ZodString;
    before: B extends z.ZodType ? z.ZodOptional<B> : z.ZodOptional<z.ZodNever>;
    after: A extends z.ZodType ? z.ZodOptional<A> : z.ZodOptional<z.ZodNever>;
    reason: z.ZodOptional<z.ZodString>;
  }>;
}

const wipItem = z.object({ pod: str, itemType: str, itemId: str });
const linearStateType = z.enum(['triage', 'backlog', 'unstarted', 'started', 'completed', 'canceled']);
/** What the holder is and its link, when the acquire gave them. */
const holderInfo = {
  label: str.optional().meta(d('what the item is, for people: e.g. a pull request title and author')),
  url: str.optional().meta(d('its link')),
};
const limit = z.object({ itemType: str, limit: num });
const podFields = z.object({ name: str, timezone: str });
const member = z.object({ email: str, podRole });
const gateDecision = z.object({
  stage: str.meta(d("the gate's stage")),
  decision: z.enum(['approve', 'reject']),
});
const pending = z.object({ status: z.literal('pending') });
const alert = {
  key: str,
  kind: z.enum(['wip.limit_exceeded', 'gate.stuck', 'pod.health_low', 'deployment.failure_rate']),
  severity: z.enum(['warning', 'critical']),
  message: str,
  details: z.record(str, z.unknown()),
  subjectType: str.nullable(),
  subjectId: str.nullable(),
  openedAt: ts,
};

const changeEvents = {
  'project.created': {
    scope: 'pod',
    subject: 'project',
    data: change(
      null,
      z.object({
        name: str,
        key: str
          .optional()
          .meta(d('the project key, usable wherever its id is; absent on projects created before keys')),
        pod: str,
        stage: str,
        ideaId: uuid.nullable().optional().meta(d('the idea it came from')),
      }),
    ),
  },
  'project.imported': {
    scope: 'pod',
    subject: 'project',
    see: 'import.md',
    data: change(
      z.object({ stage: str.meta(d('the first stage, where the project was created')) }),
      z.object({
        stage: str.meta(d('the stage it was placed at (its gates were not evaluated)')),
        pod: str,
        source: str.meta(d('the import source (a CSV `--source` name, `linear`)')),
        externalId: str.meta(d("the tracker's id of the row, e.g. a Jira key")),
        createdAt: str.optional().meta(d('when the tracker says the work started (ISO 8601)')),
        blockedReason: str.optional().meta(d('why it was blocked in the tracker')),
      }),
    ),
  },
  'project.evidence_submitted': {
    scope: 'pod',
    subject: 'project',
    data: change(
      null,
      z.object({
        stage: str.meta(d("the gate's stage")),
        evidence: z.record(str, z.unknown()).meta(d('the document')),
        source: str.optional().meta(d('the pull request an evidence file merged with (evidence as code)')),
      }),
    ),
  },
  'project.pull_request_merged': {
    scope: 'pod',
    subject: 'project',
    data: change(
      null,
      z.object({
        repository: str.meta(d('owner/name')),
        number: z.number().int(),
        title: str,
        url: str.meta(d('the pull request on GitHub')),
        author: str.meta(d('GitHub login')),
        headSha: str.meta(d('the merged head commit')),
        ci: z
          .enum(['passed', 'failed', 'running'])
          .nullable()
          .meta(d("the other checks on the merged head (CLOS's own aside); null when there were none")),
      }),
    ),
  },
  'project.ci_status': {
    scope: 'pod',
    subject: 'project',
    data: change(
      null,
      z.object({ status: z.enum(['passed', 'failed', 'running']), url: str.nullable(), context: str }),
    ),
  },
  'project.closed': {
    scope: 'pod',
    subject: 'project',
    data: change(
      z.object({ stage: str, blockedReason: str.nullable() }),
      z.object({ outcome: z.enum(['shipped', 'cancelled']) }),
    ),
  },
  'gate.approved': { scope: 'pod', subject: 'project', data: change(null, gateDecision) },
  'gate.rejected': { scope: 'pod', subject: 'project', data: change(null, gateDecision) },
  'stage.advanced': {
    scope: 'pod',
    subject: 'project',
    data: change(
      z.object({ stage: str }),
      z.object({ stage: str, approvedBy: z.array(str).meta(d('emails')) }),
    ),
  },
  'stage.blocked': {
    scope: 'pod',
    subject: 'project',
    data: change(z.object({ blockedReason: str.nullable() }), z.object({ blockedReason: str })),
  },
  'stage.unblocked': {
    scope: 'pod',
    subject: 'project',
    data: change(z.object({ blockedReason: str.nullable() }), z.object({ blockedReason: z.null() })),
  },
  'linear.issue_updated': {
    scope: 'pod',
    subject: 'project',
    see: 'linear.md',
    data: change(
      z
        .object({ stateType: linearStateType, stateName: str, removed: z.boolean() })
        .meta(d('absent the first time CLOS sees the issue')),
      z.object({
        linearId: str.meta(d("Linear's id of the issue")),
        identifier: str.meta(d('RAT-12')),
        title: str,
        url: str.nullable(),
        stage: str.meta(d('the stage it counts for')),
        templateIndex: z
          .number()
          .int()
          .nullable()
          .meta(d('the index of the stage template it was created from; null: added by hand in Linear')),
        stateType: linearStateType,
        stateName: str.meta(d("the state's name in the team's workflow")),
        removed: z.boolean().meta(d('deleted in Linear or moved out of the linked project')),
        source: z.enum(['webhook', 'reconciliation', 'created']).meta(d('what noticed the change')),
      }),
    ),
  },
  'wip.acquired': {
    scope: 'pod',
    subject: 'wip_lock',
    data: change(
      null,
      wipItem.extend({
        fromQueue: z
          .literal(true)
          .optional()
          .meta(d('admitted from the queue when a slot freed; absent for a direct acquire')),
        ...holderInfo,
      }),
    ),
  },
  'wip.released': {
    scope: 'pod',
    subject: 'wip_lock',
    data: change(wipItem, null),
  },
  'wip.queued': {
    scope: 'pod',
    subject: 'wip_queue_entry',
    see: 'wip.md#the-queue',
    data: change(
      null,
      wipItem.extend({ position: num.meta(d('place in line when it joined, 1-based')), ...holderInfo }),
    ),
  },
  'wip.dequeued': {
    scope: 'pod',
    subject: 'wip_queue_entry',
    see: 'wip.md#the-queue',
    data: change(wipItem, null),
  },
  'wip.limit_set': { scope: 'pod', subject: 'pod', data: change(limit, limit) },
  'idea.submitted': {
    scope: 'pod or company',
    subject: 'idea',
    data: change(null, z.object({ title: str, pod: str.optional().meta(d('the pod it was submitted for')) })),
  },
  'idea.evaluated': {
    scope: 'company',
    subject: 'idea',
    data: change(
      z.object({ score: num.nullable(), evaluations: num }),
      z.object({
        score: num.nullable(),
        evaluations: num,
        scores: z.record(str, num).meta(d('by criterion')),
      }),
    ),
  },
  'idea.promoted': {
    scope: 'pod',
    subject: 'idea',
    data: change(pending, z.object({ status: z.literal('promoted'), projectId: uuid, pod: str })),
  },
  'idea.archived': {
    scope: 'company',
    subject: 'idea',
    data: change(pending, z.object({ status: z.literal('archived') })),
  },
  'pod.registered': {
    scope: 'pod',
    subject: 'pod',
    data: change(null, z.object({ slug: str, name: str, timezone: str })),
  },
  'pod.updated': { scope: 'pod', subject: 'pod', data: change(podFields, podFields) },
  'pod.member_added': { scope: 'pod', subject: 'pod', data: change(null, member) },
  'pod.member_role_changed': { scope: 'pod', subject: 'pod', data: change(member, member) },
  'pod.health_updated': {
    scope: 'pod',
    subject: 'pod',
    data: change(z.object({ score: num }), z.object({ score: num, metrics: healthBody.shape.metrics })),
  },
  'pod.member_rotated': {
    scope: 'pod',
    subject: 'user',
    see: '`podId` is the pod joined',
    data: change(z.object({ pod: str, podRole }), z.object({ pod: str, podRole })),
  },
  'commitment.recorded': {
    scope: 'pod',
    subject: 'commitment',
    data: change(null, z.object({ pod: str, day: str, user: str, text: str })),
  },
  'commitment.updated': {
    scope: 'pod',
    subject: 'commitment',
    data: change(
      z.object({ status: z.enum(['open', 'done', 'dropped']) }),
      z.object({ status: z.enum(['done', 'dropped']), pod: str, day: str, user: str }),
    ),
  },
  'demo.submitted': {
    scope: 'pod',
    subject: 'demo_submission',
    data: change(null, z.object({ pod: str, week: str, title: str, projectId: uuid.nullable() })),
  },
  'demo.feedback_recorded': {
    scope: 'pod',
    subject: 'demo_submission',
    data: change(
      z.object({ score: num, comment: str.nullable() }).meta(d('a replaced score')),
      z.object({ pod: str, week: str, score: num, comment: str.nullable() }),
    ),
  },
  'deployment.started': {
    scope: 'pod',
    subject: 'deployment',
    data: change(
      null,
      z.object({ pod: str, version: str, projectId: uuid.nullable(), url: str.nullable(), runId: uuid }),
    ),
  },
  'deployment.step_reported': {
    scope: 'pod',
    subject: 'deployment',
    data: change(
      z.object({ step: str, status: str }),
      z.object({
        step: str,
        status: str,
        startedAt: ts.nullable(),
        finishedAt: ts.nullable(),
        durationSeconds: num.nullable(),
        url: str.nullable(),
        error: str.nullable(),
      }),
    ),
  },
  'deployment.finished': {
    scope: 'pod',
    subject: 'deployment',
    data: change(
      z.object({ status: z.literal('running') }),
      z.object({
        status: z.enum(['succeeded', 'failed']),
        failedStep: str.optional().meta(d('failed only')),
        error: str.nullable().optional().meta(d('failed only')),
        pod: str,
        version: str,
        url: str.nullable(),
        durationSeconds: num.nullable(),
      }),
    ),
  },
} as const satisfies { [T in ChangeEventType]: EventDefinition };

const signalEvents = {
  'wip.limit_reached': {
    scope: 'pod',
    subject: 'pod',
    see: 'an acquire was refused',
    data: z.object({
      pod: str,
      itemType: str,
      itemId: str.meta(d('what asked')),
      limit: num,
      used: num,
      actor: str,
    }),
  },
  'gate.ready': {
    scope: 'pod',
    subject: 'project',
    see: 'workflows.md#project-lifecycle',
    data: z.object({
      projectId: uuid,
      projectName: str.nullable(),
      stage: str,
      approvalsNeeded: num,
      approverRoles: z.array(roleSchema),
      evidenceId: uuid.nullable(),
      canAdvance: z.boolean(),
    }),
  },
  'rhythm.digest_ready': {
    scope: 'pod',
    subject: 'rhythm_digest',
    see: 'rhythms.md',
    data: z.object({
      pod: str,
      phase: z.enum(['unblock', 'commit', 'recap']),
      day: str.meta(d('local date')),
      counts: z.record(str, num),
      summary: str,
    }),
  },
  'demo.opened': {
    scope: 'pod',
    subject: 'weekly_demo',
    data: z.object({ pod: str, week: str, cutoffAt: ts }),
  },
  'demo.agenda_ready': {
    scope: 'pod',
    subject: 'weekly_demo',
    data: z.object({
      pod: str,
      week: str,
      agenda: z
        .array(
          z.object({
            position: num,
            submissionId: uuid,
            title: str,
            presenter: str,
            projectId: uuid.nullable(),
            url: str.nullable(),
          }),
        )
        .meta(d('ordered submissions')),
    }),
  },
  'demo.closed': {
    scope: 'pod',
    subject: 'weekly_demo',
    data: z.object({
      pod: str,
      week: str,
      demos: num,
      feedbackCount: num,
      averageScore: num.nullable(),
      submissions: z
        .array(
          z.object({
            submissionId: uuid,
            title: str,
            presenter: str,
            count: num,
            meanScore: num.nullable(),
            comments: z.array(str),
          }),
        )
        .meta(d('per demo: count, mean score, comments')),
    }),
  },
  'rotation.completed': {
    scope: 'company',
    subject: 'workflow_run',
    see: 'rotation.md',
    data: z.object({
      month: str,
      moves: z.array(z.object({ email: str, from: str, to: str })),
      skipped: num,
    }),
  },
  'alert.opened': { scope: 'pod or company', subject: 'alert', see: 'alerts.md', data: z.object(alert) },
  'alert.resolved': {
    scope: 'pod or company',
    subject: 'alert',
    see: 'alerts.md',
    data: z.object({ ...alert, resolvedAt: ts }),
  },
  'workflow.run_failed': {
    scope: 'pod or company',
    subject: 'workflow_run',
    see: 'workflows.md',
    data: z.object({ workflow: str, key: str, step: str, error: str }),
  },
} as const satisfies { [T in SignalEventType]: EventDefinition };

/** Every event type: who sees it, its subject, its payload schema. */
export const eventDefinitions = { ...changeEvents, ...signalEvents } as const;
export const CHANGE_EVENT_TYPES = Object.keys(changeEvents) as ChangeEventType[];
export const SIGNAL_EVENT_TYPES = Object.keys(signalEvents) as SignalEventType[];

/** The payload of event type `T` on the wire. */
export type EventData<T extends DomainEventType> = z.output<(typeof eventDefinitions)[T]['data']>;

/** One event as the stream's `data:` line and webhooks' body carry it, by type. */
function envelope<T extends DomainEventType>(type: T) {
  return z.object({
    id: uuid,
    seq: z.number().int(),
    type: z.literal(type),
    occurredAt: ts,
    podId: uuid.nullable(),
    subjectType: str,
    subjectId: str,
    actorId: uuid.nullable(),
    data: eventDefinitions[type].data as (typeof eventDefinitions)[T]['data'],
  });
}
type Envelopes = { [T in DomainEventType]: ReturnType<typeof envelope<T>> };

/** A domain event of any type: a union discriminated by `type`, each with its typed `data`. */
export const domainEventSchema = z
  .discriminatedUnion(
    'type',
    (Object.keys(DOMAIN_EVENT_TYPES) as DomainEventType[]).map((type) => envelope(type)) as unknown as [
      Envelopes[DomainEventType],
      ...Envelopes[DomainEventType][],
    ],
  )
  .meta({ id: 'DomainEvent' });

// ------------------------------------------------------------------ compile-time checks

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
type Mismatched = {
  [T in DomainEventType]: Same<EventData<T>, EventPayloads[T]> extends true ? never : T;
}[DomainEventType];
/** Fails to compile when a schema and the domain's payload of any type differ (`Mismatched` names them). */
export type _EventPayloadChecks = Check<Same<Mismatched, never>>;
type CatalogueCovered = Same<keyof typeof eventDefinitions, DomainEventType>;
export type _EventCatalogueCheck = Check<CatalogueCovered>;
