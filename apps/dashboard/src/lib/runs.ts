/**
 * Workflow runs and their steps as the views show them: durations, status colours, list filters.
 */

import type { RouteResponse, Routes } from '@clos/contract';
import type { RouteInput } from '@clos/contract/client';

export type WorkflowRun = RouteResponse<Routes['listWorkflowRuns']>['items'][number];
export type WorkflowRunDetail = RouteResponse<Routes['getWorkflowRun']>;
export type WorkflowStep = WorkflowRunDetail['steps'][number];
export type RunStatus = WorkflowRun['status'];
export type StepStatus = WorkflowStep['status'];

/** The workflows CLOS ships (packages/workflows/src/modules): suggestions for the filter, not a limit. */
export const KNOWN_WORKFLOWS = [
  'project-lifecycle',
  'daily-rhythm',
  'weekly-demo',
  'monthly-rotation',
  'alerts',
  'notifications',
  'webhooks',
  'event-retention',
] as const;

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed'];

export function statusTone(status: RunStatus | StepStatus): 'green' | 'amber' | 'red' | 'slate' | 'teal' {
  switch (status) {
    case 'succeeded':
      return 'green';
    case 'failed':
      return 'red';
    case 'running':
      return 'teal';
    case 'queued':
    case 'pending':
      return 'amber';
    default:
      return 'slate';
  }
}

/**
 * How long something took, in ms: from start to finish, or — still running — to `now`. Null when it
 * never started (queued, pending, skipped). Clock skew never makes it negative.
 */
export function durationMs(
  startedAt: string | null,
  finishedAt: string | null,
  now: number = Date.now(),
): number | null {
  if (!startedAt) return null;
  const start = Date.parse(startedAt);
  const end = finishedAt ? Date.parse(finishedAt) : now;
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  return Math.max(0, end - start);
}

/** A duration as people read it: "850 ms", "12.3 s", "4 min 5 s", "2 h 3 min", "3 d 4 h". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const totalS = Math.floor(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${totalS % 60} s`;
  const totalMin = Math.floor(totalS / 60);
  if (totalMin < 24 * 60) return `${Math.floor(totalMin / 60)} h ${totalMin % 60} min`;
  const totalH = Math.floor(totalMin / 60);
  return `${Math.floor(totalH / 24)} d ${totalH % 24} h`;
}

/** The duration column: a running run says so, so a growing number is not mistaken for a final one. */
export function runDurationText(
  item: { startedAt: string | null; finishedAt: string | null },
  now: number = Date.now(),
): string {
  const ms = durationMs(item.startedAt, item.finishedAt, now);
  if (ms === null) return '—';
  return item.finishedAt ? formatDuration(ms) : `${formatDuration(ms)} so far`;
}

export interface RunFilters {
  workflow?: string;
  pod?: string;
  status?: RunStatus;
}

/** The list's filters from the page's query string (links and reloads keep them). */
export function runFiltersFromSearch(search: URLSearchParams): RunFilters {
  const filters: RunFilters = {};
  const workflow = search.get('workflow')?.trim();
  const pod = search.get('pod')?.trim();
  const status = search.get('status');
  if (workflow) filters.workflow = workflow;
  if (pod) filters.pod = pod;
  if (status && (RUN_STATUSES as string[]).includes(status)) filters.status = status as RunStatus;
  return filters;
}

/** The list request for one page: filters plus the cursor of the page before. */
export function runQuery(
  filters: RunFilters,
  cursor?: string,
  limit = 50,
): NonNullable<RouteInput<Routes['listWorkflowRuns']>['query']> {
  return { ...filters, limit, ...(cursor ? { cursor } : {}) };
}

/** JSON as shown in a `<details>`: indented; undefined (never produced) reads as such. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return '(none)';
  return JSON.stringify(value, null, 2) ?? String(value);
}
