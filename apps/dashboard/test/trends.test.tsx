// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrendsSection } from '../src/components/trends.tsx';
import {
  CHART_INK,
  FULL,
  OUTCOME_SHADES,
  STAGE_SHADES,
  stageColour,
  stageColours,
} from '../src/lib/palette.ts';
import {
  cumulativeFlowOption,
  cycleTimeOption,
  hasHistory,
  type Trends,
  trendSummaries,
  weekLabel,
  wipTrendOption,
} from '../src/lib/trends.ts';
import { HEAT_PIECES } from '../src/lib/wip.ts';
import { fakeClient, renderView } from './render.tsx';

vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));

afterEach(cleanup);

const STAGES = ['discovery', 'build', 'launch'];
const pod = (id: string, slug: string, name: string, project: number[], limit = 2) => ({
  id: `00000000-0000-4000-8000-0000000000${id}`,
  slug,
  name,
  cells: [
    { itemType: 'project', limit, used: project, utilisation: project.map((u) => u / limit) },
    { itemType: 'pull-request', limit: 4, used: [0, 1, 2], utilisation: [0, 0.25, 0.5] },
  ],
});

const TRENDS: Trends = {
  weeks: ['2026-02-16T00:00:00.000Z', '2026-02-23T00:00:00.000Z', '2026-03-02T00:00:00.000Z'],
  cumulativeFlow: [
    { stage: 'discovery', counts: [2, 1, 3] },
    { stage: 'build', counts: [0, 1, 1] },
    { stage: 'launch', counts: [0, 0, 1] },
  ],
  closed: { shipped: [0, 1, 2], cancelled: [0, 0, 1] },
  cycleTime: [
    { stage: 'discovery', medianDays: [1, 7, null], meanDays: [1, 7, null], stays: [1, 1, 0] },
    { stage: 'build', medianDays: [null, 6, 4.5], meanDays: [null, 6, 4.5], stays: [0, 1, 2] },
    { stage: 'launch', medianDays: [null, null, null], meanDays: [null, null, null], stays: [0, 0, 0] },
  ],
  throughput: { advanced: [1, 2, 3], shipped: [0, 1, 1], cancelled: [0, 0, 1] },
  wip: {
    types: ['project', 'pull-request'],
    pods: [pod('a1', 'atlas', 'Atlas', [1, 2, 2]), pod('a2', 'ratio', 'Ratio', [0, 1, 1], 0)],
  },
  ideas: { submitted: [2, 0, 4], evaluated: [1, 3, 2], promoted: [0, 1, 0], archived: [0, 0, 1] },
};

const EMPTY: Trends = {
  ...TRENDS,
  cumulativeFlow: STAGES.map((stage) => ({ stage, counts: [0, 0, 0] })),
  closed: { shipped: [0, 0, 0], cancelled: [0, 0, 0] },
  throughput: { advanced: [0, 0, 0], shipped: [0, 0, 0], cancelled: [0, 0, 0] },
  wip: { types: ['project'], pods: [] },
  ideas: { submitted: [0, 0, 0], evaluated: [0, 0, 0], promoted: [0, 0, 0], archived: [0, 0, 0] },
};

type Series = { name: string; color: string; data: unknown[]; stack?: string };
const optionOf = (name: RegExp) =>
  JSON.parse(screen.getByRole('img', { name }).getAttribute('data-option')!) as { series: Series[] };

describe('palette', () => {
  it('gives each stage the colour of its place in the policy order, in both themes', () => {
    expect(stageColours(STAGES)).toEqual({
      discovery: STAGE_SHADES[0]!.light,
      build: STAGE_SHADES[1]!.light,
      launch: STAGE_SHADES[2]!.light,
    });
    expect(stageColour('build', STAGES, true)).toBe(STAGE_SHADES[1]!.dark);
    expect(new Set(STAGE_SHADES.map((s) => s.light)).size).toBe(STAGE_SHADES.length);
  });

  it('keeps "full" one colour: the heatmap’s full band is the palette’s, and no stage uses it', () => {
    expect(HEAT_PIECES.find((p) => p.label === 'full')!.color).toBe(FULL.light);
    const stageColoursUsed = STAGE_SHADES.flatMap((s) => [s.light, s.dark]);
    expect(stageColoursUsed).not.toContain(FULL.light);
    expect(stageColoursUsed).not.toContain(FULL.dark);
  });
});

describe('trend chart options', () => {
  it('colours a stage the same in the cumulative flow and the cycle time, and follows the theme', () => {
    for (const dark of [false, true]) {
      const flow = cumulativeFlowOption(TRENDS, dark).series as Series[];
      const cycle = cycleTimeOption(TRENDS, dark).series as Series[];
      for (const stage of STAGES) {
        const colour = stageColour(stage, STAGES, dark);
        expect(flow.find((s) => s.name === stage)!.color).toBe(colour);
        expect(cycle.find((s) => s.name === stage)!.color).toBe(colour);
      }
      const ink = CHART_INK[dark ? 'dark' : 'light'];
      expect(cumulativeFlowOption(TRENDS, dark).textStyle).toEqual({ color: ink.text });
    }
  });

  it('stacks closed projects under the stages, last stage lowest', () => {
    const flow = cumulativeFlowOption(TRENDS, false).series as Series[];
    expect(flow.map((s) => s.name)).toEqual(['shipped', 'cancelled', 'launch', 'build', 'discovery']);
    expect(flow.every((s) => s.stack === 'flow')).toBe(true);
    expect(flow[0]!.color).toBe(OUTCOME_SHADES.shipped.light);
  });

  it('plots one item type in percent per pod with a limit, against a "full" line in the full colour', () => {
    const series = wipTrendOption(TRENDS, 'project', true).series as Series[];
    // Ratio has no project limit: no utilisation to plot.
    expect(series.map((s) => s.name)).toEqual(['Atlas', 'full']);
    expect(series[0]!.data).toEqual([50, 100, 100]);
    expect(series[1]).toMatchObject({ color: FULL.dark, data: [100, 100, 100] });
    expect((wipTrendOption(TRENDS, 'pull-request', false).series as Series[]).map((s) => s.name)).toEqual([
      'Atlas',
      'Ratio',
      'full',
    ]);
  });

  it('says in words what each chart shows', () => {
    const words = trendSummaries(TRENDS, 'project');
    expect(words.cumulativeFlow).toBe(
      'Cumulative flow over 3 weeks: open projects now discovery 3, build 1, launch 1; 2 shipped, 1 cancelled in all',
    );
    expect(words.cycleTime).toBe('Median days in each stage by week: latest discovery 7 d, build 4.5 d');
    expect(words.throughput).toBe('Throughput over 3 weeks: 6 stage moves, 2 shipped, 1 cancelled');
    expect(words.wip).toBe('project WIP utilisation per pod by week: now Atlas 100 % (full)');
    expect(words.ideas).toBe('Ideas over 3 weeks: 6 submitted, 6 evaluations, 1 promoted, 1 archived');
    expect(weekLabel('2026-03-02T00:00:00.000Z')).toBe('2 Mar');
    expect(hasHistory(TRENDS)).toBe(true);
    expect(hasHistory(EMPTY)).toBe(false);
  });
});

describe('TrendsSection', () => {
  it('asks for twelve weeks and draws the five charts, each named by what it shows', async () => {
    const getDashboardTrends = vi.fn(async () => TRENDS);
    renderView(<TrendsSection />, { client: fakeClient({ getDashboardTrends }) });
    expect(await screen.findByRole('img', { name: /^Cumulative flow over 3 weeks/ })).toBeTruthy();
    expect(getDashboardTrends).toHaveBeenCalledWith({ query: { weeks: 12 } });
    expect(screen.getByRole('heading', { level: 2, name: /Trends/ })).toBeTruthy();
    for (const title of [
      'Cumulative flow',
      'Cycle time per stage',
      'Throughput per week',
      'WIP utilisation per pod',
      'Idea funnel',
    ])
      expect(screen.getByRole('heading', { name: title })).toBeTruthy();
    expect(screen.getAllByRole('img')).toHaveLength(5);
    // The words under each chart are there for readers who cannot see it.
    expect(screen.getByText('Throughput over 3 weeks: 6 stage moves, 2 shipped, 1 cancelled')).toBeTruthy();
  });

  it('switches the WIP chart between item types, never blending them', async () => {
    renderView(<TrendsSection />, { client: fakeClient({ getDashboardTrends: async () => TRENDS }) });
    await screen.findByRole('img', { name: /^project WIP utilisation/ });
    expect(optionOf(/WIP utilisation/).series.map((s) => s.name)).toEqual(['Atlas', 'full']);
    fireEvent.change(screen.getByLabelText('Item type'), { target: { value: 'pull-request' } });
    const chart = await screen.findByRole('img', {
      name: /^pull-request WIP utilisation per pod by week: now Atlas 50 %, Ratio 50 %$/,
    });
    expect(JSON.parse(chart.getAttribute('data-option')!).series[1].data).toEqual([0, 25, 50]);
  });

  it('shows one chart at a time on a phone, chosen from a list', async () => {
    const matchMedia = vi.fn((query: string) => ({
      matches: query === '(max-width: 639px)',
      addEventListener() {},
      removeEventListener() {},
    }));
    vi.stubGlobal('matchMedia', matchMedia);
    try {
      renderView(<TrendsSection />, { client: fakeClient({ getDashboardTrends: async () => TRENDS }) });
      expect(await screen.findByRole('img', { name: /^Cumulative flow over 3 weeks/ })).toBeTruthy();
      expect(screen.getAllByRole('img')).toHaveLength(1);
      fireEvent.change(screen.getByLabelText('Chart'), { target: { value: 'ideas' } });
      expect(await screen.findByRole('heading', { name: 'Idea funnel' })).toBeTruthy();
      expect(screen.getAllByRole('img')).toHaveLength(1);
      expect(screen.queryByRole('heading', { name: 'Cumulative flow' })).toBeNull();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('teaches what makes trends appear when there is no history yet', async () => {
    renderView(<TrendsSection />, { client: fakeClient({ getDashboardTrends: async () => EMPTY }) });
    expect(await screen.findByText(/No history yet/)).toBeTruthy();
    expect(screen.queryAllByRole('img')).toHaveLength(0);
  });

  it('shows the server’s message when the trends cannot load', async () => {
    renderView(<TrendsSection />, {
      client: fakeClient({
        getDashboardTrends: async () => {
          throw new Error('database unavailable');
        },
      }),
    });
    expect((await screen.findByRole('alert')).textContent).toContain('database unavailable');
  });
});
