/** The overview's logic: what each attention kind is called, and how a change against last week reads. */
import type { RouteResponse, Routes } from '@clos/contract';

export type Attention = RouteResponse<Routes['getDashboardAttention']>;
export type AttentionItem = Attention['items'][number];
export type WeekChange = Attention['figures']['throughput']['advanced'];

export const KIND_TEXT: Record<AttentionItem['kind'], string> = {
  alert_critical: 'Critical alert',
  wip_full: 'WIP full',
  approval_waiting: 'Your approval',
  gate_stuck: 'Stuck at a gate',
  health_low: 'Low health',
  idea_ready: 'Idea ready',
};

export const KIND_TONE: Record<AttentionItem['kind'], 'red' | 'amber' | 'teal' | 'green'> = {
  alert_critical: 'red',
  wip_full: 'red',
  approval_waiting: 'teal',
  gate_stuck: 'amber',
  health_low: 'amber',
  idea_ready: 'green',
};

/** Which way is good for a figure: fewer days in a stage, more projects shipped; WIP is neither. */
export type Better = 'up' | 'down' | 'neither';

export interface TrendText {
  /** ↑, ↓ or → (no change); empty when there is nothing to compare. */
  arrow: string;
  /** "+2 vs last week", "no change vs last week", "nothing to compare with last week". */
  text: string;
  tone: 'good' | 'bad' | 'neutral';
}

/**
 * How a figure moved against last week, in words for screen readers and people alike. `format`
 * writes the size of the change (days, a count, percentage points) without its sign.
 */
export function describeChange(change: WeekChange, better: Better, format: (n: number) => string): TrendText {
  if (change.delta === null) return { arrow: '', text: 'nothing to compare with last week', tone: 'neutral' };
  if (change.delta === 0) return { arrow: '→', text: 'no change vs last week', tone: 'neutral' };
  const up = change.delta > 0;
  const tone = better === 'neither' ? 'neutral' : up === (better === 'up') ? 'good' : 'bad';
  return {
    arrow: up ? '↑' : '↓',
    text: `${up ? '+' : '−'}${format(Math.abs(change.delta))} vs last week`,
    tone,
  };
}

/** `1.5 d`; a dash when unknown. */
export function formatDays(days: number | null): string {
  return days === null ? '—' : `${Math.round(days * 10) / 10} d`;
}

/** A share (0.25) as percentage points (`25 pp`), the unit a change of utilisation reads in. */
export function formatPoints(share: number): string {
  return `${Math.round(share * 100)} pp`;
}

/** The stages worth a figure: those with a stay that ended in either week. */
export function measuredStages(figures: Attention['figures']): Attention['figures']['cycleTimeDays'] {
  return figures.cycleTimeDays.filter((s) => s.thisWeek !== null || s.lastWeek !== null);
}
