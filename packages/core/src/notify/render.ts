import type { DomainEvent, DomainEventType } from '../events/catalog.ts';
import type { Notification } from '../ports/notifier.ts';

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

type Data = Record<string, unknown>;

const isRecord = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A field of the payload. Audited events carry their record under `after`; the others carry it at the
 * top level: look in both, so a renderer reads the same name either way.
 */
function field(data: Data, key: string): unknown {
  if (data[key] !== undefined && data[key] !== null) return data[key];
  return isRecord(data.after) ? data.after[key] : undefined;
}

function str(data: Data, ...keys: string[]): string | null {
  for (const key of keys) {
    const v = field(data, key);
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

function num(data: Data, key: string): number | null {
  const v = field(data, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function list(data: Data, ...keys: string[]): unknown[] {
  for (const key of keys) {
    const v = field(data, key);
    if (Array.isArray(v)) return v;
  }
  return [];
}

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

const PHASE_TEXT: Record<string, string> = {
  unblock:
    'What is in the way today: blocked projects, gates waiting for approval, WIP locks held too long and members without a commitment.',
  commit: "Today's commitments are in. Members who have not committed yet can still add theirs.",
  recap: 'What moved today: stage transitions, WIP locks released, and commitments done against those made.',
};

type Rendered = { title: string; text: string } | null;
type Renderer = (data: Data, pod: string | null, event: DomainEvent) => Rendered;

const RENDERERS: Record<(typeof NOTIFIABLE_EVENT_TYPES)[number], Renderer> = {
  'rhythm.digest_ready': (data, pod) => {
    const phase = str(data, 'phase') ?? 'daily';
    const day = str(data, 'day', 'date');
    const summary = str(data, 'summary');
    return {
      title: `${prefix(pod)}${phase} digest${day ? ` for ${day}` : ''} is ready`,
      text: sentences(
        summary ?? PHASE_TEXT[phase] ?? 'The daily rhythm produced its digest',
        pod ? `Read it in the dashboard or at GET /api/v1/pods/${pod}/rhythm/today` : null,
      ),
    };
  },

  'gate.ready': (data, pod) => {
    const project = str(data, 'projectName', 'name', 'project') ?? 'A project';
    const next = str(data, 'nextStage', 'toStage', 'stage');
    const into = next ? ` into ${next}` : '';
    // Sent twice per evidence: when approvers are needed, and again once the gate is fully met.
    if (field(data, 'canAdvance') === false) {
      const needed = num(data, 'approvalsNeeded');
      const roles = list(data, 'approverRoles').filter((r): r is string => typeof r === 'string');
      const who = roles.length ? ` from ${roles.join(' or ')}` : '';
      return {
        title: `${prefix(pod)}${project} needs approval to advance${next ? ` to ${next}` : ''}`,
        text: sentences(
          `Its gate${into} has the evidence it needs`,
          needed ? `It waits for ${plural(needed, 'more approval')}${who}` : `It waits for approvals${who}`,
        ),
      };
    }
    return {
      title: `${prefix(pod)}${project} is ready to advance${next ? ` to ${next}` : ''}`,
      text: sentences(
        `Its gate${into} has all the evidence and approvals it needs`,
        'A member of the pod can advance it now',
      ),
    };
  },

  'alert.opened': (data, pod) => {
    const severity = str(data, 'severity') ?? 'warning';
    const message = str(data, 'message') ?? str(data, 'kind', 'key') ?? 'an alert condition started';
    return {
      title: `${prefix(pod)}${severity === 'critical' ? 'Critical alert' : 'Alert'}: ${message}`,
      text: `${message}. It stays open until the condition clears; open and recent alerts are listed at GET /api/v1/alerts.`,
    };
  },

  'alert.resolved': (data, pod) => {
    const message = str(data, 'message') ?? str(data, 'kind', 'key') ?? 'an alert';
    return {
      title: `${prefix(pod)}Resolved: ${message}`,
      text: 'The condition that opened this alert has cleared; no action is needed.',
    };
  },

  'rotation.completed': (data, pod) => {
    const moves = list(data, 'moves').filter(isRecord);
    const lines = moves.map(
      (m) =>
        `• ${str(m, 'email', 'member', 'user') ?? 'a member'}: ${str(m, 'from') ?? '?'} → ${str(m, 'to') ?? '?'}`,
    );
    return {
      title: `${prefix(pod)}Monthly rotation applied: ${plural(moves.length, 'move')}`,
      text: moves.length
        ? ['These members changed pods (their history is kept):', ...lines].join('\n')
        : 'Nobody changed pods this month: no move met the rotation policy.',
    };
  },

  'demo.opened': (data, pod) => {
    const week = str(data, 'week');
    const cutoff = str(data, 'cutoffAt', 'cutoff');
    return {
      title: `${prefix(pod)}Weekly demo${week ? ` ${week}` : ''} is open for submissions`,
      text: `Show what you built this week: submit a demo${cutoff ? ` before ${cutoff}` : ' before the cutoff'}.`,
    };
  },

  'demo.agenda_ready': (data, pod) => {
    const week = str(data, 'week');
    const agenda = list(data, 'agenda', 'items').filter(isRecord);
    const lines = agenda.map((item, i) => {
      const by = str(item, 'presenter', 'email', 'by');
      return `${i + 1}. ${str(item, 'title') ?? 'untitled'}${by ? ` (${by})` : ''}`;
    });
    return {
      title: `${prefix(pod)}Demo agenda${week ? ` for ${week}` : ''}: ${plural(agenda.length, 'demo')}`,
      text: agenda.length
        ? ['Submissions are closed. In order:', ...lines].join('\n')
        : 'Submissions are closed and nothing was submitted this week.',
    };
  },

  'demo.closed': (data, pod) => {
    const week = str(data, 'week');
    const summary = isRecord(field(data, 'summary')) ? (field(data, 'summary') as Data) : data;
    const demos = num(summary, 'demos') ?? num(summary, 'submissions');
    const average = num(summary, 'averageScore') ?? num(summary, 'average');
    const parts = [
      demos !== null ? `${plural(demos, 'demo')} presented` : null,
      average !== null ? `average feedback score ${average.toFixed(1)} of 5` : null,
    ].filter(Boolean);
    return {
      title: `${prefix(pod)}Weekly demo${week ? ` ${week}` : ''} closed`,
      text: parts.length
        ? `${parts.join(', ')}. Scores and comments are stored with the demo.`
        : 'Feedback is in; scores and comments are stored with the demo.',
    };
  },

  'workflow.run_failed': (data, pod, event) => {
    const workflow = str(data, 'workflow') ?? 'A workflow';
    const step = str(data, 'step');
    const error = str(data, 'error');
    return {
      title: `${prefix(pod)}${workflow} failed${step ? ` at step ${step}` : ''}`,
      text: [
        `The run gave up after its last retry${error ? `: ${error.replace(/\.$/, '')}.` : '.'}`,
        `See GET /api/v1/workflows/runs/${event.subjectId}.`,
      ].join(' '),
    };
  },

  'deployment.finished': (data, pod) => {
    // Successful deployments are routine; only failures ask for someone's attention.
    if (str(data, 'status') !== 'failed') return null;
    const version = str(data, 'version');
    const step = str(data, 'failedStep', 'step');
    const url = str(data, 'url');
    return {
      title: `${prefix(pod)}Deployment${version ? ` ${version}` : ''} failed${step ? ` at ${step}` : ''}`,
      text: [
        "The deployment did not reach production; it counts against the pod's deployment success rate.",
        url ? `Details: ${url}` : null,
      ]
        .filter(Boolean)
        .join(' '),
    };
  },

  'wip.limit_reached': (data, pod) => {
    const itemType = str(data, 'itemType') ?? 'item';
    const limit = num(data, 'limit');
    const used = num(data, 'used');
    const who = str(data, 'actor') ?? 'Someone';
    const item = str(data, 'itemId');
    const count = used !== null && limit !== null ? ` (${used} of ${limit} in use)` : '';
    return {
      title: `${prefix(pod)}${itemType} WIP limit reached${count}`,
      text: `${who} could not take a ${itemType} slot${item ? ` for ${item}` : ''}: every slot is in use. Finish or release one of the current holders first, or raise the limit.`,
    };
  },
};

/**
 * The notification people get for `event`, or null when the event is not one they are told about
 * (or, for a deployment, when it succeeded). `podSlug` names the event's pod in the text; when it is
 * not known the payload's `pod` field is used. Pure: the same event renders the same message.
 */
export function notificationFor(event: DomainEvent, podSlug: string | null): Notification | null {
  const render = (RENDERERS as Partial<Record<string, Renderer>>)[event.type];
  if (!render) return null;
  const data = isRecord(event.data) ? event.data : {};
  const pod = podSlug ?? (typeof data.pod === 'string' ? data.pod : null);
  const rendered = render(data, pod, event);
  if (!rendered) return null;
  return {
    id: event.id,
    kind: event.type,
    podId: event.podId,
    pod,
    title: rendered.title,
    text: rendered.text,
    occurredAt: event.occurredAt,
    data,
  };
}
