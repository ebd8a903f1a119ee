/**
 * The audit log view's logic: the filter form ⇄ the page's query string ⇄ the API query, and the
 * chain check's result as a sentence.
 */
import type { RouteResponse, Routes } from '@clos/contract';
import type { RouteInput } from '@clos/contract/client';

export type AuditEvent = RouteResponse<Routes['listAudit']>['items'][number];
export type AuditVerify = RouteResponse<Routes['verifyAudit']>;
export type AuditQuery = NonNullable<RouteInput<Routes['listAudit']>['query']>;

/** The filter form's fields, as typed: every one a string, empty meaning "any". */
export interface AuditFilters {
  action: string;
  subjectType: string;
  subjectId: string;
  actorId: string;
  /** `<input type="datetime-local">` values (the browser's local time), or ISO instants from a link. */
  from: string;
  to: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = {
  action: '',
  subjectType: '',
  subjectId: '',
  actorId: '',
  from: '',
  to: '',
};

const KEYS = Object.keys(EMPTY_AUDIT_FILTERS) as (keyof AuditFilters)[];

/** The filters in the page's query string (links from elsewhere may give dates as ISO instants). */
export function auditFiltersFromSearch(search: URLSearchParams): AuditFilters {
  const filters = { ...EMPTY_AUDIT_FILTERS };
  for (const k of KEYS) filters[k] = search.get(k) ?? '';
  filters.from = toLocalInput(filters.from);
  filters.to = toLocalInput(filters.to);
  return filters;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * An instant as a `datetime-local` value in the browser's time zone, so a date given in a link shows
 * in the field; anything else is kept as it is.
 */
export function toLocalInput(value: string): string {
  const v = value.trim();
  if (!/(Z|[+-]\d{2}:\d{2})$/i.test(v)) return value;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return value;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The query string for a filter set: only the fields given, so links stay short. */
export function auditFiltersToSearch(filters: AuditFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const k of KEYS) {
    const v = filters[k].trim();
    if (v) search.set(k, v);
  }
  return search;
}

/**
 * A date-time field's value as the instant the API takes. A local `datetime-local` value is read in
 * the browser's time zone; something that is not a date is sent as typed, so the server's 400 names
 * the field instead of the filter silently vanishing.
 */
export function toInstant(value: string): string {
  const v = value.trim();
  if (!v) return v;
  // Already an instant with its offset: keep it as it is.
  if (/(Z|[+-]\d{2}:\d{2})$/i.test(v)) return v;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toISOString();
}

/** The list request for one page: the non-empty filters, trimmed, dates as instants. */
export function auditQuery(filters: AuditFilters, cursor?: string, limit = 50): AuditQuery {
  const q: AuditQuery = { limit };
  const action = filters.action.trim();
  const subjectType = filters.subjectType.trim();
  const subjectId = filters.subjectId.trim();
  const actorId = filters.actorId.trim();
  if (action) q.action = action;
  if (subjectType) q.subjectType = subjectType;
  if (subjectId) q.subjectId = subjectId;
  if (actorId) q.actorId = actorId;
  if (filters.from.trim()) q.from = toInstant(filters.from);
  if (filters.to.trim()) q.to = toInstant(filters.to);
  if (cursor) q.cursor = cursor;
  return q;
}

/** How many filters are in force, for the "Clear filters" button's state. */
export function activeFilterCount(filters: AuditFilters): number {
  return KEYS.filter((k) => filters[k].trim() !== '').length;
}

/** The chain check's result as the page states it. */
export function verifyText(result: AuditVerify): { ok: boolean; text: string } {
  if (result.ok) return { ok: true, text: `Chain intact: ${result.count} events` };
  return { ok: false, text: `Chain broken at #${result.brokenAt}: ${result.reason}` };
}

/** Where an audit subject lives in the dashboard, when it has a page there. */
export function subjectHref(subjectType: string, subjectId: string): string | null {
  if (subjectType === 'project') return `/projects/${subjectId}`;
  if (subjectType === 'idea') return `/ideas/${subjectId}`;
  if (subjectType === 'workflow_run') return `/runs/${subjectId}`;
  return null;
}
