/**
 * The trends' chart options and their words (issue 14 §5), kept out of the component so each chart's
 * shape and colours are tested without a canvas. Every chart reads weeks left to right, oldest first,
 * coloured by `palette.ts`, with text in the theme's ink so it stays readable in both themes.
 */
import type { RouteResponse, Routes } from '@clos/contract';
import type { ChartOption } from '../components/chart.tsx';
import {
  CHART_INK,
  FULL,
  OUTCOME_SHADES,
  SERIES_SHADES,
  seriesColour,
  shade,
  stageColour,
} from './palette.ts';

export type Trends = RouteResponse<Routes['getDashboardTrends']>;
export type WipTrendPod = Trends['wip']['pods'][number];

/** A week's start as people read it on an axis: "16 Feb" (weeks start Monday 00:00 UTC). */
export function weekLabel(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** Whether anything at all happened in the window: an empty organisation gets a hint, not five flat lines. */
export function hasHistory(t: Trends): boolean {
  const any = (xs: readonly (number | null)[]) => xs.some((x) => x !== null && x > 0);
  return (
    t.cumulativeFlow.some((s) => any(s.counts)) ||
    any(t.closed.shipped) ||
    any(t.closed.cancelled) ||
    any(t.throughput.advanced) ||
    any(t.ideas.submitted) ||
    t.wip.pods.some((p) => p.cells.some((c) => any(c.used)))
  );
}

/** Axes, grid, legend and tooltip every trend chart shares, in the theme's ink. */
function frame(t: Trends, dark: boolean, yAxis: Record<string, unknown> = {}): ChartOption {
  const ink = CHART_INK[dark ? 'dark' : 'light'];
  return {
    textStyle: { color: ink.text },
    tooltip: { trigger: 'axis', confine: true },
    // Legend below the plot, scrolling rather than wrapping over it on a phone.
    legend: { type: 'scroll', bottom: 0, textStyle: { color: ink.text }, pageTextStyle: { color: ink.text } },
    grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
    xAxis: {
      type: 'category',
      boundaryGap: false,
      data: t.weeks.map(weekLabel),
      axisLabel: { color: ink.muted, hideOverlap: true },
      axisLine: { lineStyle: { color: ink.grid } },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { color: ink.muted },
      splitLine: { lineStyle: { color: ink.grid } },
      ...yAxis,
    },
  };
}

const stageNames = (t: Trends) => t.cumulativeFlow.map((s) => s.stage);

/**
 * Cumulative flow: open projects per stage stacked, with the running totals of shipped and cancelled
 * projects beneath, so the height of the whole is every project started and widening bands are queues.
 */
export function cumulativeFlowOption(t: Trends, dark: boolean): ChartOption {
  const stages = stageNames(t);
  const band = (name: string, data: number[], color: string) => ({
    name,
    type: 'line',
    stack: 'flow',
    data,
    color,
    symbol: 'none',
    lineStyle: { width: 1 },
    areaStyle: { opacity: 0.85 },
    emphasis: { focus: 'series' },
  });
  return {
    ...frame(t, dark),
    series: [
      band('shipped', t.closed.shipped, shade(OUTCOME_SHADES.shipped, dark)),
      band('cancelled', t.closed.cancelled, shade(OUTCOME_SHADES.cancelled, dark)),
      // The last stage sits just above the closed ones: work flows upwards through the stack.
      ...[...t.cumulativeFlow]
        .reverse()
        .map((s) => band(s.stage, s.counts, stageColour(s.stage, stages, dark))),
    ],
  };
}

/** Median days in each stage, per week the stays ended in; gaps where no stay ended. */
export function cycleTimeOption(t: Trends, dark: boolean): ChartOption {
  const stages = stageNames(t);
  return {
    ...frame(t, dark, {
      minInterval: 0,
      name: 'days',
      nameTextStyle: { color: CHART_INK[dark ? 'dark' : 'light'].muted },
    }),
    series: t.cycleTime.map((s) => ({
      name: s.stage,
      type: 'line',
      data: s.medianDays,
      color: stageColour(s.stage, stages, dark),
      connectNulls: true,
      symbolSize: 6,
    })),
  };
}

/** Stage transitions, ships and cancellations per week, side by side. */
export function throughputOption(t: Trends, dark: boolean): ChartOption {
  const base = frame(t, dark);
  return {
    ...base,
    xAxis: { ...(base.xAxis as object), boundaryGap: true },
    series: [
      { name: 'advanced', type: 'bar', data: t.throughput.advanced, color: shade(SERIES_SHADES[0]!, dark) },
      {
        name: 'shipped',
        type: 'bar',
        data: t.throughput.shipped,
        color: shade(OUTCOME_SHADES.shipped, dark),
      },
      {
        name: 'cancelled',
        type: 'bar',
        data: t.throughput.cancelled,
        color: shade(OUTCOME_SHADES.cancelled, dark),
      },
    ],
  };
}

/** Percent, for utilisation (null stays null: a zero limit has no utilisation). */
const percent = (u: number | null) => (u === null ? null : Math.round(u * 1000) / 10);

/**
 * One item type's utilisation per pod, week by week, against a "full" line at 100 % drawn in the
 * one colour "full" has everywhere. Types are shown one at a time: idea slots and PR slots are not
 * the same kind of capacity and are never added together.
 */
export function wipTrendOption(t: Trends, itemType: string, dark: boolean): ChartOption {
  const full = shade(FULL, dark);
  const pods = t.wip.pods
    .map((pod) => ({ pod, cell: pod.cells.find((c) => c.itemType === itemType) }))
    .filter((x) => x.cell && x.cell.limit > 0);
  const top = Math.max(100, ...pods.flatMap((x) => x.cell!.utilisation.map((u) => percent(u) ?? 0)));
  return {
    ...frame(t, dark, {
      minInterval: 0,
      max: Math.ceil(top / 25) * 25,
      axisLabel: { formatter: '{value} %' },
    }),
    series: [
      ...pods.map(({ pod, cell }, i) => ({
        name: pod.name,
        type: 'line',
        data: cell!.utilisation.map(percent),
        color: seriesColour(i, dark),
        symbolSize: 6,
      })),
      // A series rather than a mark line: it shows in the legend and tooltip as "full", in words.
      {
        name: 'full',
        type: 'line',
        data: t.weeks.map(() => 100),
        color: full,
        symbol: 'none',
        lineStyle: { color: full, type: 'dashed', width: 2 },
        silent: true,
      },
    ],
  };
}

/** Ideas submitted, evaluations made, ideas promoted and archived, per week. */
export function ideaFunnelOption(t: Trends, dark: boolean): ChartOption {
  const base = frame(t, dark);
  const steps = [
    ['submitted', t.ideas.submitted, shade(SERIES_SHADES[0]!, dark)],
    ['evaluated', t.ideas.evaluated, shade(SERIES_SHADES[4]!, dark)],
    ['promoted', t.ideas.promoted, shade(OUTCOME_SHADES.shipped, dark)],
    ['archived', t.ideas.archived, shade(OUTCOME_SHADES.cancelled, dark)],
  ] as const;
  return {
    ...base,
    xAxis: { ...(base.xAxis as object), boundaryGap: true },
    series: steps.map(([name, data, color]) => ({ name, type: 'bar', data, color })),
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const last = <T>(xs: readonly T[]) => xs[xs.length - 1];
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What each chart shows, in words: the canvas's accessible name, and the figure a reader without
 * the chart (or without colour) gets. Each reads the latest week against the window.
 */
export function trendSummaries(t: Trends, itemType: string) {
  const weeks = t.weeks.length;
  const now = t.cumulativeFlow.map((s) => `${s.stage} ${last(s.counts) ?? 0}`).join(', ');
  const latestMedian = t.cycleTime
    .map((s) => {
      const known = s.medianDays.filter((d): d is number => d !== null);
      return known.length ? `${s.stage} ${last(known)} d` : null;
    })
    .filter(Boolean)
    .join(', ');
  const pods = t.wip.pods
    .map((p) => {
      const cell = p.cells.find((c) => c.itemType === itemType);
      const u = cell ? last(cell.utilisation) : null;
      return cell && cell.limit > 0 && u !== null && u !== undefined
        ? `${p.name} ${Math.round(u * 100)} %${u >= 1 ? ' (full)' : ''}`
        : null;
    })
    .filter(Boolean)
    .join(', ');
  return {
    cumulativeFlow: `Cumulative flow over ${plural(weeks, 'week')}: open projects now ${now}; ${last(t.closed.shipped) ?? 0} shipped, ${last(t.closed.cancelled) ?? 0} cancelled in all`,
    cycleTime: `Median days in each stage by week: latest ${latestMedian || 'none completed yet'}`,
    throughput: `Throughput over ${plural(weeks, 'week')}: ${sum(t.throughput.advanced)} stage moves, ${sum(t.throughput.shipped)} shipped, ${sum(t.throughput.cancelled)} cancelled`,
    wip: `${itemType} WIP utilisation per pod by week: now ${pods || 'no pod has a limit'}`,
    ideas: `Ideas over ${plural(weeks, 'week')}: ${sum(t.ideas.submitted)} submitted, ${sum(t.ideas.evaluated)} evaluations, ${sum(t.ideas.promoted)} promoted, ${sum(t.ideas.archived)} archived`,
  };
}
