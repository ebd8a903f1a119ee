/** The alerts view's logic: filters, severity and where each alert's subject lives. */
import type { RouteResponse, Routes } from '@clos/contract';
import type { RouteInput } from '@clos/contract/client';

export type Alert = RouteResponse<Routes['listAlerts']>['items'][number];
export type AlertQuery = NonNullable<RouteInput<Routes['listAlerts']>['query']>;

export const ALERT_KINDS: readonly Alert['kind'][] = [
  'wip.limit_exceeded',
  'gate.stuck',
  'pod.health_low',
  'deployment.failure_rate',
];

export const KIND_TEXT: Record<Alert['kind'], string> = {
  'wip.limit_exceeded': 'WIP limit exceeded',
  'gate.stuck': 'Gate stuck',
  'pod.health_low': 'Pod health low',
  'deployment.failure_rate': 'Deployment failure rate',
};

/** Severity in words, its badge tone and the stripe down an open alert's edge: red critical, amber warning. */
export const SEVERITY: Record<Alert['severity'], { text: string; tone: 'red' | 'amber'; stripe: string }> = {
  critical: { text: 'Critical', tone: 'red', stripe: 'border-l-red-600 dark:border-l-red-500' },
  warning: { text: 'Warning', tone: 'amber', stripe: 'border-l-amber-500 dark:border-l-amber-400' },
};

/** The snooze choices the page offers; `date` asks for a day (the snooze ends at its start, local time). */
export const SNOOZE_CHOICES = [
  { value: '1h', text: '1 hour' },
  { value: '1d', text: '1 day' },
  { value: '1w', text: '1 week' },
  { value: 'date', text: 'Until a date…' },
] as const;
export type SnoozeChoice = (typeof SNOOZE_CHOICES)[number]['value'];

const HOUR = 3_600_000;
const SNOOZE_MS: Record<Exclude<SnoozeChoice, 'date'>, number> = {
  '1h': HOUR,
  '1d': 24 * HOUR,
  '1w': 7 * 24 * HOUR,
};

/**
 * When a snooze chosen at `now` ends, as the ISO time the API takes; null when a date is asked for
 * and `day` (YYYY-MM-DD) is missing, malformed or not after `now`.
 */
export function snoozeUntil(choice: SnoozeChoice, now: Date, day?: string): string | null {
  if (choice !== 'date') return new Date(now.getTime() + SNOOZE_MS[choice]).toISOString();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day ?? '');
  if (!m) return null;
  const until = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return until.getTime() > now.getTime() ? until.toISOString() : null;
}

/** Whether the alert is snoozed at `now` (a snooze that ended, but was not yet cleared, does not count). */
export function isSnoozed(alert: Pick<Alert, 'snooze' | 'status'>, now: Date): boolean {
  return alert.status === 'open' && alert.snooze !== null && new Date(alert.snooze.until) > now;
}

export interface AlertFilters {
  status?: Alert['status'];
  pod?: string;
  kind?: Alert['kind'];
}

export function alertFiltersFromSearch(search: URLSearchParams): AlertFilters {
  const filters: AlertFilters = {};
  const status = search.get('status');
  const pod = search.get('pod')?.trim();
  const kind = search.get('kind');
  if (status === 'open' || status === 'resolved') filters.status = status;
  if (pod) filters.pod = pod;
  if (kind && (ALERT_KINDS as string[]).includes(kind)) filters.kind = kind as Alert['kind'];
  return filters;
}

export function alertQuery(filters: AlertFilters, cursor?: string, limit = 50): AlertQuery {
  return { ...filters, limit, ...(cursor ? { cursor } : {}) };
}

/**
 * The page of an alert's subject: a project's, or a pod's (alerts name pods by id; `slugs` maps ids
 * to slugs, and pod alerts also carry the slug in their details). Null when it has none.
 */
export function alertSubjectLink(
  alert: Pick<Alert, 'subjectType' | 'subjectId' | 'podId' | 'details'>,
  slugs: ReadonlyMap<string, string>,
): { href: string; text: string } | null {
  if (alert.subjectType === 'project' && alert.subjectId) {
    const name = typeof alert.details.project === 'string' ? alert.details.project : 'project';
    return { href: `/projects/${alert.subjectId}`, text: `Open ${name}` };
  }
  if (alert.subjectType === 'pod') {
    const id = alert.subjectId ?? alert.podId;
    const slug = (id && slugs.get(id)) ?? (typeof alert.details.pod === 'string' ? alert.details.pod : null);
    if (slug) return { href: `/pods/${slug}`, text: `Open pod ${slug}` };
  }
  return null;
}

/**
 * Open alerts first (the server's order), split so the page can head each group: those needing
 * attention, those snoozed at `now`, and the resolved.
 */
export function splitAlerts(
  alerts: Alert[],
  now: Date = new Date(),
): { open: Alert[]; snoozed: Alert[]; resolved: Alert[] } {
  return {
    open: alerts.filter((a) => a.status === 'open' && !isSnoozed(a, now)),
    snoozed: alerts.filter((a) => isSnoozed(a, now)),
    resolved: alerts.filter((a) => a.status === 'resolved'),
  };
}
