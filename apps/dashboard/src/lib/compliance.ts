/** The compliance page's logic: the period, report URLs and file names, and what to flag. */
import type { RouteResponse, Routes } from '@clos/contract';

export type AccessReport = RouteResponse<Routes['getAccessReport']>;
export type Soc2Report = RouteResponse<Routes['getSoc2Report']>;
export type Finding = AccessReport['findings'][number];
export type ReportKind = 'access' | 'soc2';
export type ReportFormat = 'json' | 'csv' | 'pdf';

/** The period picked on the page, as `<input type="date">` values (`2026-03-01`), both days included. */
export interface Period {
  from: string;
  to: string;
}

export const DEFAULT_DAYS = 90;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `date` as a date input's value, in the viewer's time zone. */
export function toDateInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last 90 days up to and including today. */
export function defaultPeriod(now: Date): Period {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - DEFAULT_DAYS);
  return { from: toDateInput(from), to: toDateInput(now) };
}

/** The period in the URL (`?from=&to=`), each missing or malformed day taken from the default. */
export function periodFromSearch(search: URLSearchParams, now: Date): Period {
  const fallback = defaultPeriod(now);
  const pick = (name: keyof Period) => {
    const value = search.get(name) ?? '';
    return DATE.test(value) ? value : fallback[name];
  };
  return { from: pick('from'), to: pick('to') };
}

function localDay(value: string, endOfDay: boolean): Date {
  const [y = 0, m = 1, d = 1] = value.split('-').map(Number);
  return endOfDay ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d);
}

/** The instants the API takes: from the start of the first day to the end of the last, where the viewer is. */
export function periodQuery(period: Period): { from: string; to: string } {
  return { from: localDay(period.from, false).toISOString(), to: localDay(period.to, true).toISOString() };
}

/** Why the period cannot be asked for, in words; null when it can. The server checks again. */
export function periodProblem(period: Period): string | null {
  const from = localDay(period.from, false).getTime();
  const to = localDay(period.to, true).getTime();
  if (from >= to) return 'The first day must not be after the last day.';
  if (to - from > 366 * 86_400_000) return 'A report covers at most one year; split a longer period.';
  return null;
}

/** The report's URL in `format` (JSON is the default answer; asked for explicitly for the download). */
export function reportPath(kind: ReportKind, period: Period, format: ReportFormat): string {
  const query = new URLSearchParams({ ...periodQuery(period), format });
  return `/api/v1/reports/${kind}?${query}`;
}

/** The server's file name (`Content-Disposition`), else one naming the report, its period and format. */
export function reportFileName(
  kind: ReportKind,
  period: Period,
  format: ReportFormat,
  contentDisposition: string | null,
): string {
  const star = contentDisposition?.match(/filename\*\s*=\s*UTF-8''([^;]+)/i)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star.trim());
    } catch {
      // fall through to the plain name
    }
  }
  const plain = contentDisposition?.match(/filename\s*=\s*"?([^";]+)"?/i)?.[1];
  if (plain) return plain.trim();
  return `clos-${kind}-report-${period.from}-to-${period.to}.${format}`;
}

export const SEVERITY_TONE: Record<Finding['severity'], 'red' | 'amber' | 'slate'> = {
  high: 'red',
  medium: 'amber',
  low: 'slate',
};

export const FLAG_TEXT: Record<'self_approval' | 'approved_by_submitter', string> = {
  self_approval: 'approver also advanced the project',
  approved_by_submitter: 'approver submitted the evidence',
};

/** Every approval flagged for segregation of duties, with the move it was for, oldest first. */
export function flaggedApprovals(report: Soc2Report) {
  return report.transitions.flatMap((t) =>
    t.approvals
      .filter((a) => a.flags.length > 0)
      .map((a) => ({ transition: t, approval: a, key: `${t.id}:${a.approver}:${a.at}` })),
  );
}

/** The audit chain's state in one line, for the summary. */
export function chainText(chain: Soc2Report['auditChain']): { ok: boolean; text: string } {
  if (!chain.valid)
    return {
      ok: false,
      text: `Broken at event ${chain.brokenAt ?? '?'}${chain.reason ? `: ${chain.reason}` : ''}`,
    };
  const checkpoint = chain.checkpoint;
  if (checkpoint.status === 'failed') return { ok: false, text: `Chain intact; ${checkpoint.message}` };
  return {
    ok: true,
    text: `Verified (${chain.totalEvents} ${chain.totalEvents === 1 ? 'event' : 'events'}); ${checkpoint.message}`,
  };
}
