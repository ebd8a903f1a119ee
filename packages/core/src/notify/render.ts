import type { DomainEventType } from '../events/catalog.ts';
import type { DomainEvent, DomainEventOf } from '../events/event.ts';
import type { EventPayloads } from '../events/payloads.ts';
import type { Notification } from '../ports/notifier.ts';
import type { RhythmPhase } from '../rhythms/entities.ts';

/**
 * The event types people are told about. The rest (every WIP acquire, every evidence upload) would
 * drown the few that ask for attention; integrations that want them all use outbound webhooks.
 */
export const NOTIFIABLE_EVENT_TYPES = [
  'rhythm.digest_ready',
  'gate.ready',
  'alert.opened',
  'alert.resolved',
  'rotation.completed',
  'demo.opened',
  'demo.agenda_ready',
  'demo.closed',
  'workflow.run_failed',
  'deployment.finished',
  'wip.limit_reached',
] as const satisfies readonly DomainEventType[];

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Parts as sentences: each ends with a full stop unless it already ends a sentence (or a list line),
 * so a summary without its own stop never runs into the next sentence.
 */
function sentences(...parts: (string | null | undefined)[]): string {
  return parts
    .map((p) => p?.trim())
    .filter((p): p is string => Boolean(p))
    .map((p) => (/[.!?:\n]$/.test(p) ? p : `${p}.`))
    .join(' ');
}

/** "payments: " for a pod's event, nothing for a company-wide one. */
const prefix = (pod: string | null) => (pod ? `${pod}: ` : '');

const PHASE_TEXT: Record<RhythmPhase, string> = {
  unblock:
    'What is in the way today: blocked projects, gates waiting for approval, WIP locks held too long and members without a commitment.',
  commit: "Today's commitments are in. Members who have not committed yet can still add theirs.",
  recap: 'What moved today: stage transitions, WIP locks released, and commitments done against those made.',
};

type Notifiable = (typeof NOTIFIABLE_EVENT_TYPES)[number];
type Rendered = { title: string; text: string } | null;
type Renderers = {
  [T in Notifiable]: (data: EventPayloads[T], pod: string | null, event: DomainEventOf<T>) => Rendered;
};

// Each renderer reads its event's documented payload (events/payloads.ts): no field is guessed.
const RENDERERS: Renderers = {
  'rhythm.digest_ready': (data, pod) => ({
    title: `${prefix(pod)}${data.phase} digest for ${data.day} is ready`,
    text: sentences(
      data.summary || PHASE_TEXT[data.phase],
      pod ? `Read it in the dashboard or at GET /api/v1/pods/${pod}/rhythm/today` : null,
    ),
  }),

  'gate.ready': (data, pod) => {
    const project = data.projectName ?? 'A project';
    const next = data.stage;
    // Sent twice per evidence: when approvers are needed, and again once the gate is fully met.
    if (!data.canAdvance) {
      const needed = data.approvalsNeeded;
      const who = data.approverRoles.length ? ` from ${data.approverRoles.join(' or ')}` : '';
      return {
        title: `${prefix(pod)}${project} needs approval to advance to ${next}`,
        text: sentences(
          `Its gate into ${next} has the evidence it needs`,
          needed ? `It waits for ${plural(needed, 'more approval')}${who}` : `It waits for approvals${who}`,
        ),
      };
    }
    return {
      title: `${prefix(pod)}${project} is ready to advance to ${next}`,
      text: sentences(
        `Its gate into ${next} has all the evidence and approvals it needs`,
        'A member of the pod can advance it now',
      ),
    };
  },

  'alert.opened': (data, pod) => ({
    title: `${prefix(pod)}${data.severity === 'critical' ? 'Critical alert' : 'Alert'}: ${data.message}`,
    text: `${data.message}. It stays open until the condition clears; open and recent alerts are listed at GET /api/v1/alerts.`,
  }),

  'alert.resolved': (data, pod) => ({
    title: `${prefix(pod)}Resolved: ${data.message}`,
    text: 'The condition that opened this alert has cleared; no action is needed.',
  }),

  'rotation.completed': (data, pod) => ({
    title: `${prefix(pod)}Monthly rotation applied: ${plural(data.moves.length, 'move')}`,
    text: data.moves.length
      ? [
          'These members changed pods (their history is kept):',
          ...data.moves.map((m) => `• ${m.email}: ${m.from} → ${m.to}`),
        ].join('\n')
      : 'Nobody changed pods this month: no move met the rotation policy.',
  }),

  'demo.opened': (data, pod) => ({
    title: `${prefix(pod)}Weekly demo ${data.week} is open for submissions`,
    text: `Show what you built this week: submit a demo before ${data.cutoffAt}.`,
  }),

  'demo.agenda_ready': (data, pod) => ({
    title: `${prefix(pod)}Demo agenda for ${data.week}: ${plural(data.agenda.length, 'demo')}`,
    text: data.agenda.length
      ? [
          'Submissions are closed. In order:',
          ...data.agenda.map((item, i) => `${i + 1}. ${item.title} (${item.presenter})`),
        ].join('\n')
      : 'Submissions are closed and nothing was submitted this week.',
  }),

  'demo.closed': (data, pod) => {
    const parts = [
      `${plural(data.demos, 'demo')} presented`,
      data.averageScore !== null ? `average feedback score ${data.averageScore.toFixed(1)} of 5` : null,
    ].filter(Boolean);
    return {
      title: `${prefix(pod)}Weekly demo ${data.week} closed`,
      text: `${parts.join(', ')}. Scores and comments are stored with the demo.`,
    };
  },

  'workflow.run_failed': (data, pod, event) => ({
    title: `${prefix(pod)}${data.workflow} failed at step ${data.step}`,
    text: [
      `The run gave up after its last retry: ${data.error.replace(/\.$/, '')}.`,
      `See GET /api/v1/workflows/runs/${event.subjectId}.`,
    ].join(' '),
  }),

  'deployment.finished': (data, pod) => {
    // Successful deployments are routine; only failures ask for someone's attention.
    const d = data.after;
    if (d?.status !== 'failed') return null;
    return {
      title: `${prefix(pod)}Deployment ${d.version} failed${d.failedStep ? ` at ${d.failedStep}` : ''}`,
      text: [
        "The deployment did not reach production; it counts against the pod's deployment success rate.",
        d.url ? `Details: ${d.url}` : null,
      ]
        .filter(Boolean)
        .join(' '),
    };
  },

  'wip.limit_reached': (data, pod) => ({
    title: `${prefix(pod)}${data.itemType} WIP limit reached (${data.used} of ${data.limit} in use)`,
    text: `${data.actor} could not take a ${data.itemType} slot for ${data.itemId}: every slot is in use. Finish or release one of the current holders first, or raise the limit.`,
  }),
};

const isNotifiable = (type: string): type is Notifiable => Object.hasOwn(RENDERERS, type);

/** The pod a payload names, for events whose pod slug the caller does not know. */
function podOf(event: DomainEvent): string | null {
  const data = event.data as { pod?: unknown; after?: { pod?: unknown } };
  const pod = data.pod ?? data.after?.pod;
  return typeof pod === 'string' ? pod : null;
}

/**
 * The notification people get for `event`, or null when the event is not one they are told about
 * (or, for a deployment, when it succeeded). `podSlug` names the event's pod in the text; when it is
 * not known the payload's `pod` field is used. Pure: the same event renders the same message.
 */
export function notificationFor(event: DomainEvent, podSlug: string | null): Notification | null {
  if (!isNotifiable(event.type)) return null;
  const pod = podSlug ?? podOf(event);
  // One renderer per type: the map's type ties each to its own event, which TypeScript cannot follow
  // through a lookup by a union key.
  const render = RENDERERS[event.type] as (data: unknown, pod: string | null, event: DomainEvent) => Rendered;
  const rendered = render(event.data, pod, event);
  if (!rendered) return null;
  return {
    id: event.id,
    kind: event.type,
    podId: event.podId,
    pod,
    title: rendered.title,
    text: rendered.text,
    occurredAt: event.occurredAt,
    data: event.data as unknown as Record<string, unknown>,
  };
}
