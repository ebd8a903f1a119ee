/**
 * The scorecard's words (seed §9, docs/scorecard.md): how a figure, its target and its state read,
 * kept out of the view so they are tested without rendering.
 */
import type { RouteResponse, Routes } from '@clos/contract';

export type Scorecard = RouteResponse<Routes['getScorecard']>;
export type ScorecardFigure = Scorecard['figures'][number];
export type ScorecardGroup = ScorecardFigure['group'];

export const GROUPS: readonly { group: ScorecardGroup; title: string }[] = [
  { group: 'technical', title: 'Technical' },
  { group: 'business', title: 'Business' },
  { group: 'adoption', title: 'Adoption' },
];

/** The periods the picker offers: whole UTC days ending today at 00:00 (the API's default for 7). */
export const PERIODS = [
  { days: 7, label: 'Last 7 days' },
  { days: 14, label: 'Last 14 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
] as const;

const DAY_MS = 86_400_000;

/** The `from`/`to` of the last `days` full UTC days before `now`. */
export function periodQuery(days: number, now: Date): { from: string; to: string } {
  const to = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  return { from: new Date(to.getTime() - days * DAY_MS).toISOString(), to: to.toISOString() };
}

const UNIT_SUFFIX: Record<string, string> = {
  '%': ' %',
  ms: ' ms',
  minutes: ' min',
  days: ' days',
  'per day': '/day',
  'per week': '/week',
};

/** A figure's number with its unit: `99.95 %`, `250 ms`, `1.57/day`; an em dash for none. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return '—';
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 10 ? 2 : 3;
  const text = Number(value.toFixed(digits)).toLocaleString('en', { maximumFractionDigits: digits });
  return `${text}${UNIT_SUFFIX[unit] ?? (unit.startsWith('score') ? '' : ` ${unit}`)}`;
}

/** The change against the previous period, signed: `+21.4 %`, `−50 %`; empty when there is none. */
export function formatChange(change: number | null): string {
  if (change === null) return '';
  if (change === 0) return '±0 %';
  return `${change > 0 ? '+' : '−'}${Math.abs(change).toLocaleString('en', { maximumFractionDigits: 1 })} %`;
}

/** Whether the target is met, in words (never colour alone) and the badge's tone. */
export function metState(figure: Pick<ScorecardFigure, 'met' | 'target' | 'value'>): {
  text: string;
  tone: 'green' | 'red' | 'slate';
} {
  if (figure.target === null) return { text: 'No target', tone: 'slate' };
  if (figure.met === true) return { text: 'Met', tone: 'green' };
  if (figure.met === false) return { text: 'Not met', tone: 'red' };
  return { text: 'No data', tone: 'slate' };
}

/** The target as the seed words it; a dash where the seed sets none. */
export function targetText(figure: Pick<ScorecardFigure, 'target'>): string {
  return figure.target?.text ?? '—';
}

/** The figures of one group, in the order the API gives them. */
export function figuresOf(card: Scorecard, group: ScorecardGroup): ScorecardFigure[] {
  return card.figures.filter((f) => f.group === group);
}
