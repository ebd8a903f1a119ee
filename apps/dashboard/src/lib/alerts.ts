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

export const SEVERITY: Record<Alert['severity'], { text: string; tone: 'red' | 'amber' }> = {
  critical: { text: 'Critical', tone: 'red' },
  warning: { text: 'Warning', tone: 'amber' },
};

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

/** Open alerts first (the server's order), split so the page can head each group. */
export function splitAlerts(alerts: Alert[]): { open: Alert[]; resolved: Alert[] } {
  return {
    open: alerts.filter((a) => a.status === 'open'),
    resolved: alerts.filter((a) => a.status === 'resolved'),
  };
}
