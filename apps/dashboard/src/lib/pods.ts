/**
 * The logic behind the pod views (list, health chart, WIP gauges, rotation history, demo agenda),
 * kept out of the components so it can be tested without rendering.
 */
import type { RouteResponse, Routes } from '@clos/contract';
import type { ChartOption } from '../components/chart.tsx';

export type Pod = RouteResponse<Routes['getPod']>;
export type PodStatus = RouteResponse<Routes['getPodStatus']>;
export type PodMember = PodStatus['members'][number];
export type HealthSnapshot = RouteResponse<Routes['listPodHealth']>['items'][number];
export type WipCell = PodStatus['wip'][number];
export type WeeklyDemoDetail = RouteResponse<Routes['getCurrentDemo']>;

// ---------------------------------------------------------------- list

export interface WipUsage {
  used: number;
  limit: number;
  /** used ÷ limit over every item type; null when no limit is set anywhere. */
  share: number | null;
  /** Per type, as read aloud: "project 2/3 · task 4/5". */
  text: string;
  /** Any type at or over its limit (a limit of 0 admits nothing, so it counts as full). */
  full: boolean;
}

/** A pod's WIP over every item type, for the list's one column. */
export function wipUsage(cells: WipCell[]): WipUsage {
  const used = cells.reduce((n, c) => n + c.used, 0);
  const limit = cells.reduce((n, c) => n + c.limit, 0);
  return {
    used,
    limit,
    share: limit > 0 ? used / limit : null,
    text: cells.length ? cells.map((c) => `${c.itemType} ${c.used}/${c.limit}`).join(' · ') : 'no limits set',
    full: cells.some((c) => c.used >= c.limit),
  };
}

/** The badge colour of a health score: the alerts' default threshold (60) marks trouble. */
export function healthTone(score: number | null | undefined): 'green' | 'amber' | 'red' | 'slate' {
  if (score === null || score === undefined) return 'slate';
  if (score >= 75) return 'green';
  if (score >= 60) return 'amber';
  return 'red';
}

/** The browser's own time zone, the register form's default (pods run their rhythms in theirs). */
export function defaultTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// ---------------------------------------------------------------- health history

/** Each health component as people name it. */
export const HEALTH_COMPONENT_LABELS: Record<string, string> = {
  velocity: 'velocity',
  wipUtilisation: 'WIP',
  blockedItems: 'blocked items',
  cycleTime: 'cycle time',
  deploymentSuccess: 'deployments',
  blockedTime: 'time blocked',
  gateRefusals: 'gate refusals',
  demoParticipation: 'demo participation',
};

const signed = (points: number) => `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points)}`;

/**
 * The components that moved a snapshot's score most against the one before, as read aloud:
 * "cycle time −14.3 · velocity −13.1" (score points). Empty for the first snapshot or when nothing moved.
 */
export function healthMovers(snapshot: HealthSnapshot, count = 2): string {
  return snapshot.changes
    .filter((c) => c.kind === 'component' && c.points !== null && c.points !== 0)
    .slice(0, count)
    .map((c) => `${HEALTH_COMPONENT_LABELS[c.input] ?? c.input} ${signed(c.points!)}`)
    .join(' · ');
}

// ---------------------------------------------------------------- charts

/** Health history arrives newest first; the chart reads left to right, oldest first. */
export function healthSeries(history: HealthSnapshot[]): [string, number][] {
  return [...history]
    .sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt))
    .map((h) => [h.recordedAt, h.score]);
}

export function healthChartOption(history: HealthSnapshot[]): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 16, top: 16, bottom: 40 },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', min: 0, max: 100 },
    series: [
      {
        type: 'line',
        name: 'Health score',
        data: healthSeries(history),
        showSymbol: true,
        itemStyle: { color: '#0f766e' },
      },
    ],
  };
}

/** One WIP type as a gauge from 0 to its limit; a lowered limit can leave usage above it. */
export function wipGaugeOption(cell: WipCell): ChartOption {
  const max = Math.max(cell.limit, cell.used, 1);
  const color = cell.used > cell.limit ? '#b91c1c' : cell.used === cell.limit ? '#b45309' : '#0f766e';
  return {
    series: [
      {
        type: 'gauge',
        min: 0,
        max,
        splitNumber: Math.min(max, 5),
        progress: { show: true, width: 12, itemStyle: { color } },
        axisLine: { lineStyle: { width: 12 } },
        axisLabel: { show: false },
        splitLine: { show: false },
        axisTick: { show: false },
        pointer: { show: false },
        title: { show: false },
        detail: {
          valueAnimation: false,
          fontSize: 20,
          offsetCenter: [0, '10%'],
          formatter: `${cell.used}/${cell.limit}`,
        },
        data: [{ value: cell.used, name: cell.itemType }],
      },
    ],
  };
}

// ---------------------------------------------------------------- rotation history

export interface MembershipEvent {
  key: string;
  at: string;
  kind: 'joined' | 'left';
  name: string;
  email: string;
  podRole: PodMember['podRole'];
}

/**
 * Who joined and who left, newest first, from the membership rows (with history): each row is one
 * stay, so it gives a "joined" and, once ended (left or rotated out), a "left".
 */
export function membershipEvents(members: PodMember[]): MembershipEvent[] {
  const out: MembershipEvent[] = [];
  for (const m of members) {
    const base = { name: m.name, email: m.email, podRole: m.podRole };
    out.push({ key: `joined:${m.userId}:${m.joinedAt}`, at: m.joinedAt, kind: 'joined', ...base });
    if (m.leftAt) out.push({ key: `left:${m.userId}:${m.leftAt}`, at: m.leftAt, kind: 'left', ...base });
  }
  // Same instant: "left" after "joined" reads as the later event (a re-join with a new role).
  return out.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.kind === 'left' ? -1 : 1));
}

// ---------------------------------------------------------------- weekly demo

export interface AgendaEntry {
  key: string;
  position: number | null;
  title: string;
  presenter: string;
  description: string | null;
  url: string | null;
  projectId: string | null;
}

const safeHref = (url: string | null) => (url && /^https?:\/\//i.test(url) ? url : null);

/**
 * The demo's running order: the frozen agenda once the cutoff has passed (its positions), before
 * that the submissions in the order they came in.
 */
export function demoAgenda(demo: WeeklyDemoDetail): AgendaEntry[] {
  const bySubmission = new Map(demo.submissions.map((s) => [s.id, s]));
  if (demo.agenda)
    return [...demo.agenda]
      .sort((a, b) => a.position - b.position)
      .map((a) => ({
        key: a.submissionId,
        position: a.position,
        title: a.title,
        presenter: a.presenter,
        description: bySubmission.get(a.submissionId)?.description ?? null,
        url: safeHref(a.url),
        projectId: a.projectId,
      }));
  return [...demo.submissions]
    .sort(
      (a, b) =>
        (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER) ||
        Date.parse(a.createdAt) - Date.parse(b.createdAt),
    )
    .map((s) => ({
      key: s.id,
      position: s.position,
      title: s.title,
      presenter: s.userName || s.userEmail,
      description: s.description,
      url: safeHref(s.url),
      projectId: s.projectId,
    }));
}

export const DEMO_STATUS_TEXT: Record<WeeklyDemoDetail['status'], string> = {
  collecting: 'Collecting submissions',
  presenting: 'Presenting',
  feedback: 'Collecting feedback',
  closed: 'Closed',
};

// ---------------------------------------------------------------- gates at a glance

/** One open project's next gate reduced to a status (GET /api/v1/dashboard/gates). */
export type GateStatus = RouteResponse<Routes['getDashboardGates']>['items'][number];
export type GateState = GateStatus['state'];

/** The gate states in the order a lead sorts by: what can move now first, then what waits on people. */
export const GATE_STATE_ORDER: readonly GateState[] = ['ready', 'awaiting', 'unmet', 'blocked', 'last'];

/** What the filter calls each state. */
export const GATE_STATE_NAMES: Record<GateState, string> = {
  ready: 'Ready',
  awaiting: 'Awaiting approval',
  unmet: 'Unmet criteria',
  blocked: 'Blocked',
  last: 'Last stage',
};

/** A gate status in words: "ready", "2 unmet", "awaiting 1 approval", "blocked". */
export function gateLabel(status: Pick<GateStatus, 'state' | 'unmet' | 'awaitingApprovals'>): string {
  switch (status.state) {
    case 'ready':
      return 'ready';
    case 'awaiting':
      return `awaiting ${status.awaitingApprovals} approval${status.awaitingApprovals === 1 ? '' : 's'}`;
    case 'unmet':
      return `${status.unmet} unmet`;
    case 'blocked':
      return 'blocked';
    case 'last':
      return 'last stage';
  }
}

/** The badge colour of a gate state: green can move, amber waits on people, red is stuck. */
export function gateTone(state: GateState): 'green' | 'amber' | 'red' | 'slate' {
  if (state === 'ready') return 'green';
  if (state === 'awaiting') return 'amber';
  if (state === 'unmet' || state === 'blocked') return 'red';
  return 'slate';
}

/** Whole days from `since` to `now`, never negative. */
export function daysSince(since: string | Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 86_400_000));
}

/**
 * Rows as CSV (RFC 4180): every field quoted when it holds a comma, quote or line break. A field
 * starting with `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet does not run it as a formula.
 */
export function toCsv(rows: readonly (readonly (string | number | null)[])[]): string {
  const field = (value: string | number | null) => {
    let text = value === null ? '' : String(value);
    if (/^[=+\-@]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${rows.map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}

/** Offers `text` as a file download (the CSV export of a list). */
export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

/**
 * The item type pull requests take slots of: `github.pullRequests.itemType`'s default. A deployment
 * that renamed it sees its PRs under that type on the WIP page instead of in the pod's PR panel.
 */
export const PR_ITEM_TYPE = 'pull-request';
