import type { ClosClient } from '@clos/contract/client';
import type { ChartOption } from '../components/chart.tsx';

export type WipHeatmap = Awaited<ReturnType<ClosClient['getDashboardWip']>>;
export type WipStatus = Awaited<ReturnType<ClosClient['getWipStatus']>>;
export type WipHolder = WipStatus['types'][number]['holders'][number];
export type WipQueueItem = WipStatus['types'][number]['queue'][number];

/**
 * How full a cell is. `full` admits nothing more (used ≥ limit); `over` is full and above its limit
 * (the limit was lowered below usage); `busy` has a slot left but is at 70 % or more; `closed` has a
 * limit of 0 and nothing in use (it admits nothing, but nobody fills it: the overview's `fullCells`
 * does not count it either).
 */
export type CellState = 'free' | 'busy' | 'full' | 'over' | 'closed';

/** At or above this share of its limit a cell is shown as busy (amber). */
export const BUSY_FROM = 0.7;

export function cellState(used: number, limit: number): CellState {
  if (limit === 0 && used === 0) return 'closed';
  if (used > limit) return 'over';
  if (used >= limit) return 'full';
  return used / limit >= BUSY_FROM ? 'busy' : 'free';
}

/** A closed cell's value: below every ratio, so it gets a colour band of its own. */
export const CLOSED_RATIO = -1;

/**
 * The value a cell is coloured by: used ÷ limit; a limit of 0 is {@link CLOSED_RATIO} when empty and
 * counts as twice full when something still holds a slot (the ratio is undefined there).
 */
export function cellRatio(used: number, limit: number): number {
  if (limit === 0) return used === 0 ? CLOSED_RATIO : 2;
  return used / limit;
}

/** Words, so a full cell reads as full without its colour. */
export const STATE_TEXT: Record<CellState, string> = {
  free: '',
  busy: 'nearly full',
  full: 'full',
  over: 'full, over limit',
  closed: 'closed (limit 0)',
};

export const STATE_TONE = {
  free: 'green',
  busy: 'amber',
  full: 'red',
  over: 'red',
  closed: 'slate',
} as const;

export interface HeatCell {
  podId: string;
  pod: string;
  podName: string;
  itemType: string;
  used: number;
  limit: number;
  ratio: number;
  state: CellState;
}

export interface HeatGrid {
  /** Columns: item types in policy order. */
  types: string[];
  /** Rows: pods by slug, as the server lists them. */
  pods: { id: string; slug: string; name: string }[];
  /** Row-major: `rows[i][j]` is pod i × type j (null when the server sent no such cell). */
  rows: (HeatCell | null)[][];
}

/** The server's heatmap as a pods × types grid with each cell's ratio and state. */
export function heatGrid(heatmap: WipHeatmap): HeatGrid {
  return {
    types: heatmap.types,
    pods: heatmap.pods.map((p) => ({ id: p.id, slug: p.slug, name: p.name })),
    rows: heatmap.pods.map((p) =>
      heatmap.types.map((type) => {
        const c = p.cells.find((x) => x.itemType === type);
        if (!c) return null;
        return {
          podId: p.id,
          pod: p.slug,
          podName: p.name,
          itemType: type,
          used: c.used,
          limit: c.limit,
          ratio: cellRatio(c.used, c.limit),
          state: cellState(c.used, c.limit),
        };
      }),
    ),
  };
}

/** The name each cell's button has: "ratio project 2/3", then its state in words when notable. */
export function cellLabel(cell: HeatCell): string {
  const text = STATE_TEXT[cell.state];
  return `${cell.pod} ${cell.itemType} ${cell.used}/${cell.limit}${text ? `, ${text}` : ''}`;
}

/** The colour bands of the chart (the table's cells use the same by state). */
export const HEAT_PIECES = [
  { lt: 0, label: 'closed', color: '#64748b' },
  { gte: 0, lt: BUSY_FROM, label: `under ${BUSY_FROM * 100} %`, color: '#16a34a' },
  { gte: BUSY_FROM, lt: 1, label: 'nearly full', color: '#f59e0b' },
  { gte: 1, label: 'full', color: '#dc2626' },
];

/**
 * The ECharts heatmap: types across, pods down (first pod on top), each cell labelled with
 * "used/limit" and "full" when it is, so the chart reads without colour too.
 */
export function heatmapOption(grid: HeatGrid): ChartOption {
  const data: { value: [number, number, number]; cell: HeatCell }[] = [];
  grid.rows.forEach((row, y) => {
    row.forEach((cell, x) => {
      if (cell) data.push({ value: [x, y, cell.ratio], cell });
    });
  });
  return {
    tooltip: {
      formatter: (p: { data?: { cell?: HeatCell } }) => {
        const c = p.data?.cell;
        return c ? `${c.podName} · ${c.itemType}: ${c.used}/${c.limit} ${STATE_TEXT[c.state]}` : '';
      },
    },
    grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
    xAxis: { type: 'category', data: grid.types, splitArea: { show: true } },
    yAxis: { type: 'category', data: grid.pods.map((p) => p.slug), inverse: true, splitArea: { show: true } },
    visualMap: {
      type: 'piecewise',
      dimension: 2,
      pieces: HEAT_PIECES,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
    },
    series: [
      {
        type: 'heatmap',
        data,
        label: {
          show: true,
          color: '#fff',
          fontWeight: 'bold',
          formatter: (p: { data?: { cell?: HeatCell } }) => {
            const c = p.data?.cell;
            if (!c) return '';
            // One line: heatmap rows are short, and two lines overlap on phones.
            return c.state === 'full' || c.state === 'over'
              ? `${c.used}/${c.limit} full`
              : `${c.used}/${c.limit}`;
          },
        },
        emphasis: { itemStyle: { borderColor: '#0f172a', borderWidth: 2 } },
      },
    ],
  };
}

/** The parts of the signed-in identity the release rule reads. */
export interface ReleaseActor {
  role: string;
  userId: string | null;
}

/**
 * Whether the server would let `actor` release `lock`, beyond holding `wip:use` on its pod: the same
 * rule as `canRelease` in packages/core/src/wip/service.ts (developers release only their own locks).
 */
export function canRelease(actor: ReleaseActor, lock: { acquiredBy: string | null }): boolean {
  return actor.role !== 'developer' || lock.acquiredBy === actor.userId;
}

/** The same rule for the queue (`canLeaveQueue` in core): developers take out only what they queued. */
export function canLeaveQueue(actor: ReleaseActor, entry: { enqueuedBy: string | null }): boolean {
  return actor.role !== 'developer' || entry.enqueuedBy === actor.userId;
}

/** Who holds a lock, for people: "you", their email when known, else the user id. */
export function holderName(
  acquiredBy: string | null,
  meId: string | null | undefined,
  emails: ReadonlyMap<string, string>,
): string {
  if (!acquiredBy) return 'system';
  if (meId && acquiredBy === meId) return 'you';
  return emails.get(acquiredBy) ?? acquiredBy;
}
