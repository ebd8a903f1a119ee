/**
 * The logic behind the stage-gate views (funnel, project timeline, gate actions), kept out of the
 * components so it can be tested without rendering.
 */
import type { RouteResponse, Routes } from '@clos/contract';
import { ClosApiError } from '@clos/contract/client';
import type { ChartOption } from '../components/chart.tsx';
import { stageColour } from './palette.ts';

export type Funnel = RouteResponse<Routes['getDashboardFunnel']>;
export type ProjectDetail = RouteResponse<Routes['getProject']>;
export type Project = RouteResponse<Routes['createProject']>;
export type GateEvaluation = RouteResponse<Routes['getProjectGate']>;
export type GateCriterion = GateEvaluation['criteria'][number];
export type CiStatus = ProjectDetail['ciStatus'][number];
export type AuditEvent = RouteResponse<Routes['listAudit']>['items'][number];

// ---------------------------------------------------------------- funnel

/** A duration in hours as people read it: minutes below an hour, days from two days on. */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined) return '—';
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min`;
  if (hours < 48) return `${round1(hours)} h`;
  return `${round1(hours / 24)} d`;
}

const round1 = (n: number) => String(Math.round(n * 10) / 10);

export interface FunnelRow {
  stage: string;
  current: number;
  entered: number;
  /** The stage after this one, which `conversion` is measured into; null for the last stage. */
  next: string | null;
  conversion: number | null;
  medianHoursInStage: number | null;
}

/** The funnel table's rows, in policy order, each knowing which stage it converts into. */
export function funnelRows(funnel: Funnel): FunnelRow[] {
  return funnel.stages.map((s, i) => ({ ...s, next: funnel.stages[i + 1]?.stage ?? null }));
}

/**
 * The funnel chart: one layer per stage, in policy order (not sorted by size: a later stage may hold
 * more projects than an earlier one), sized by how many projects ever entered it.
 */
export function funnelOption(funnel: Funnel, dark = false): ChartOption {
  const max = Math.max(1, ...funnel.stages.map((s) => s.entered));
  // The funnel lists every stage in policy order: the same colours as the trends (lib/palette.ts).
  const order = funnel.stages.map((s) => s.stage);
  return {
    tooltip: { trigger: 'item', formatter: '{b}: {c} entered' },
    series: [
      {
        type: 'funnel',
        sort: 'none',
        min: 0,
        max,
        minSize: '8%',
        left: '10%',
        width: '80%',
        top: 8,
        bottom: 8,
        gap: 2,
        label: { show: true, position: 'inside', formatter: '{b}: {c}' },
        data: funnel.stages.map((s) => ({
          name: s.stage,
          value: s.entered,
          itemStyle: { color: stageColour(s.stage, order, dark) },
        })),
      },
    ],
  };
}

// ---------------------------------------------------------------- project list filters

export interface ProjectFilters {
  pod?: string;
  stage?: string;
  blocked?: 'true' | 'false';
  closed?: 'true' | 'false';
}

/** The list's filters as kept in the page's query string (so overview links and reloads keep them). */
export function filtersFromSearch(search: URLSearchParams): ProjectFilters {
  const filters: ProjectFilters = {};
  const pod = search.get('pod');
  const stage = search.get('stage');
  const blocked = search.get('blocked');
  const closed = search.get('closed');
  if (pod) filters.pod = pod;
  if (stage) filters.stage = stage;
  if (blocked === 'true' || blocked === 'false') filters.blocked = blocked;
  if (closed === 'true' || closed === 'false') filters.closed = closed;
  return filters;
}

// ---------------------------------------------------------------- timeline

export type TimelineKind =
  | 'created'
  | 'transition'
  | 'evidence'
  | 'approved'
  | 'rejected'
  | 'blocked'
  | 'unblocked'
  | 'closed'
  | 'ci'
  | 'merged';

export interface TimelineEntry {
  /** Unique across sources: `<kind>:<record id>`. */
  key: string;
  at: string;
  kind: TimelineKind;
  title: string;
  detail: string | null;
  /** Who did it, when known (an email or the audit log's label). */
  actor: string | null;
  /** A link to follow (a CI run, a pull request), http(s) only. */
  href: string | null;
  /** What the link opens, in words; "Open the CI run" when absent. */
  hrefLabel?: string;
  /**
   * Evidence only: why it does not satisfy its gate's schema, in words ([] when it does); absent
   * when it could not be judged (the policy not loaded).
   */
  problems?: string[];
}

export type Evidence = ProjectDetail['evidence'][number];

// The audit log is the only record of blocks and closes; everything else has its own table, so only
// these actions are taken from it (the others would appear twice).
const AUDIT_ONLY: Record<string, TimelineKind> = {
  'stage.blocked': 'blocked',
  'stage.unblocked': 'unblocked',
  'project.closed': 'closed',
  'project.pull_request_merged': 'merged',
};

/** Orders by time, newest first; ties keep their source order so a merge is stable. */
function newestFirst(a: TimelineEntry, b: TimelineEntry): number {
  return Date.parse(b.at) - Date.parse(a.at);
}

const safeHref = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);

function summariseEvidence(data: Record<string, unknown>): string {
  const keys = Object.keys(data);
  return keys.length === 0 ? 'empty document' : `fields: ${keys.join(', ')}`;
}

/**
 * The project's history from every source, merged by time (newest first): transitions, evidence
 * and approvals from the project itself, every CI report, and blocks, unblocks and the close from
 * the audit log. `actors` names the ids found in the audit log (transitions carry only an id).
 * With `judgeEvidence`, each evidence entry says whether it satisfies its gate.
 */
export function buildTimeline(input: {
  detail: ProjectDetail;
  ciStatuses?: CiStatus[];
  audit?: AuditEvent[];
  /** Judges each evidence document against its gate: its problems in words, null when unknown. */
  judgeEvidence?: (evidence: Evidence) => string[] | null;
}): TimelineEntry[] {
  const { detail } = input;
  const audit = input.audit ?? [];
  const actors = new Map<string, string>();
  for (const a of audit) if (a.actorId) actors.set(a.actorId, a.actorLabel);
  const who = (id: string | null) => (id ? (actors.get(id) ?? null) : null);

  const entries: TimelineEntry[] = [];
  for (const t of detail.transitions) {
    entries.push(
      t.fromStage === null
        ? {
            key: `transition:${t.id}`,
            at: t.createdAt,
            kind: 'created',
            title: `Created in ${t.toStage}`,
            detail: null,
            actor: who(t.actorId),
            href: null,
          }
        : {
            key: `transition:${t.id}`,
            at: t.createdAt,
            kind: 'transition',
            title: `Advanced ${t.fromStage} → ${t.toStage}`,
            detail: t.approvedBy.length ? `${t.approvedBy.length} approval(s) counted` : null,
            actor: who(t.actorId),
            href: null,
          },
    );
  }
  for (const e of detail.evidence) {
    const problems = input.judgeEvidence?.(e) ?? null;
    entries.push({
      ...(problems ? { problems } : {}),
      key: `evidence:${e.id}`,
      at: e.createdAt,
      kind: 'evidence',
      title: `Evidence submitted for ${e.stage}`,
      detail: summariseEvidence(e.data),
      actor: who(e.submittedBy),
      // Evidence as code: the pull request it merged with.
      href: safeHref(e.source),
      hrefLabel: 'Open the pull request',
    });
  }
  for (const a of detail.approvals) {
    entries.push({
      key: `approval:${a.id}`,
      at: a.createdAt,
      kind: a.decision === 'approve' ? 'approved' : 'rejected',
      title: `${a.decision === 'approve' ? 'Approved' : 'Rejected'} the ${a.stage} gate`,
      detail: a.comment,
      actor: `${a.userEmail} (${a.userRole})`,
      href: null,
    });
  }
  // The full CI history when loaded; otherwise the latest report per context the project carries.
  for (const c of input.ciStatuses ?? detail.ciStatus) {
    entries.push({
      key: `ci:${c.id}`,
      at: c.createdAt,
      kind: 'ci',
      title: `CI ${c.context}: ${c.status}`,
      detail: null,
      actor: who(c.reportedBy),
      href: safeHref(c.url),
      ...(c.context === 'github/merges' ? { hrefLabel: 'Open the pull request' } : {}),
    });
  }
  for (const a of audit) {
    const kind = AUDIT_ONLY[a.action];
    if (!kind) continue;
    const after = (a.after ?? {}) as {
      outcome?: string;
      repository?: string;
      number?: number;
      title?: string;
      url?: string;
    };
    if (kind === 'merged') {
      entries.push({
        key: `audit:${a.id}`,
        at: a.occurredAt,
        kind,
        title: `Merged ${after.repository}#${after.number}`,
        detail: after.title ?? null,
        actor: a.actorLabel,
        href: safeHref(after.url ?? null),
        hrefLabel: 'Open the pull request',
      });
      continue;
    }
    entries.push({
      key: `audit:${a.id}`,
      at: a.occurredAt,
      kind,
      title:
        kind === 'blocked'
          ? 'Blocked'
          : kind === 'unblocked'
            ? 'Unblocked'
            : `Closed${after.outcome ? ` (${after.outcome})` : ''}`,
      detail: a.reason,
      actor: a.actorLabel,
      href: null,
    });
  }
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.key) && seen.add(e.key)).sort(newestFirst);
}

// ---------------------------------------------------------------- gate and actions

/** A criterion's name, e.g. "Evidence: spec" for one missing field, in the words of core's criterion registry. */
export { criterionLabel } from '@clos/core';

/** The latest evidence submitted for `stage` (the one the gate judges), or null. */
export function latestEvidence(detail: ProjectDetail, stage: string): Record<string, unknown> | null {
  const forStage = detail.evidence.filter((e) => e.stage === stage);
  forStage.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return forStage[0]?.data ?? null;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1) {
      if (!(part in node)) node[part] = value;
      return;
    }
    const child = node[part];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
}

/**
 * What the evidence textarea starts with: the latest submission for the next stage (so a fix is an
 * edit) with every field the gate still reports as required added empty. The required fields come
 * from the gate's own verdict, so the skeleton follows whatever schema the policy configures.
 */
export function evidenceSkeleton(gate: GateEvaluation, previous: Record<string, unknown> | null): string {
  const doc: Record<string, unknown> = structuredClone(previous ?? {});
  for (const c of gate.criteria) {
    if (c.kind !== 'evidence' || c.met || !c.path || c.path === '(root)') continue;
    if (/is required$/.test(c.message)) setPath(doc, c.path, '');
  }
  return JSON.stringify(doc, null, 2);
}

export type ParsedEvidence = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** Reads the textarea: it must be one JSON object (what the server's `evidence` field accepts). */
export function parseEvidence(text: string): ParsedEvidence {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Evidence is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, message: 'Evidence must be a JSON object, e.g. {"spec": "https://…"}' };
  return { ok: true, value: value as Record<string, unknown> };
}

/** The criteria a refused advance named (`gate_criteria_unmet` carries the evaluation); [] otherwise. */
export function unmetFromError(error: unknown): GateCriterion[] {
  if (!(error instanceof ClosApiError) || error.code !== 'gate_criteria_unmet') return [];
  const details = error.details as { evaluation?: GateEvaluation } | undefined;
  return details?.evaluation?.criteria.filter((c) => !c.met) ?? [];
}

/** The newest CI report of each context, worst first (failed, running, passed), for the header. */
export function ciSummary(statuses: CiStatus[]): CiStatus[] {
  const rank = { failed: 0, running: 1, passed: 2 } as const;
  const latest = new Map<string, CiStatus>();
  for (const s of [...statuses].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)))
    if (!latest.has(s.context)) latest.set(s.context, s);
  return [...latest.values()].sort(
    (a, b) => rank[a.status] - rank[b.status] || a.context.localeCompare(b.context),
  );
}
