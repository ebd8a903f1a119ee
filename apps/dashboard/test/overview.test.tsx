// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeChange } from '../src/lib/overview.ts';
import { Overview } from '../src/views/overview.tsx';
import { fakeClient, renderView } from './render.tsx';

// The trends have their own tests; here they would ask for data this test does not fake.
vi.mock('../src/components/trends.tsx', () => ({ TrendsSection: () => <section aria-label="Trends" /> }));

afterEach(cleanup);

const PROJECT = '00000000-0000-4000-8000-0000000000c1';
const POD = '00000000-0000-4000-8000-0000000000a1';
const same = (n: number) => ({ thisWeek: n, lastWeek: n, delta: 0 });

const attention = {
  items: [
    {
      kind: 'wip_full',
      rank: 1,
      title: 'Atlas is at its pull-request WIP limit',
      why: '5 of 5 pull-request slots used, 2 waiting in line',
      link: '/wip?pod=atlas&type=pull-request',
      subject: { type: 'pod', id: POD },
    },
    {
      kind: 'gate_stuck',
      rank: 2,
      title: 'Invoices (Ratio) is stuck in build',
      why: '3 days in build, 2 criteria unmet',
      link: `/projects/${PROJECT}`,
      subject: { type: 'project', id: PROJECT },
    },
  ],
  figures: {
    windowDays: 7,
    cycleTimeDays: [
      { stage: 'inception', thisWeek: 1.5, lastWeek: 2, delta: -0.5 },
      { stage: 'build', thisWeek: null, lastWeek: null, delta: null },
    ],
    throughput: { advanced: { thisWeek: 4, lastWeek: 1, delta: 3 }, shipped: same(1) },
    wip: [
      {
        itemType: 'pull-request',
        used: 7,
        limit: 10,
        utilisation: { thisWeek: 0.7, lastWeek: 0.5, delta: 0.2 },
      },
      { itemType: 'idea', used: 2, limit: 20, utilisation: { thisWeek: 0.1, lastWeek: null, delta: null } },
    ],
  },
  empty: { pods: false, projects: false },
};

describe('Overview', () => {
  it('lists what needs attention in rank order, each linking to where it is resolved', async () => {
    renderView(<Overview />, { client: fakeClient({ getDashboardAttention: async () => attention }) });
    expect(screen.getByRole('heading', { level: 1, name: 'Overview' })).toBeTruthy();
    const list = await screen.findByRole('list', { name: /Needs attention/ });
    const links = within(list).getAllByRole('link');
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/wip?pod=atlas&type=pull-request',
      `/projects/${PROJECT}`,
    ]);
    expect(links[1]!.textContent).toContain('2.');
    expect(links[1]!.textContent).toContain('Stuck at a gate');
    expect(links[1]!.textContent).toContain('3 days in build, 2 criteria unmet');
    expect(screen.getByRole('region', { name: 'Trends' })).toBeTruthy();
  });

  it('shows each headline figure with its change against last week, WIP per item type', async () => {
    renderView(<Overview />, { client: fakeClient({ getDashboardAttention: async () => attention }) });
    const throughput = (await screen.findByRole('heading', { name: 'Throughput' })).parentElement!;
    expect(throughput.textContent).toContain('Moved through a gate4↑+3 vs last week');
    expect(throughput.textContent).toContain('Shipped1→no change vs last week');
    const cycle = screen.getByRole('heading', { name: 'Cycle time per stage' }).parentElement!;
    expect(cycle.textContent).toContain('inception1.5 d↓−0.5 d vs last week');
    expect(cycle.textContent).not.toContain('build'); // nothing measured in either week
    const wip = screen.getByRole('heading', { name: 'WIP utilisation' }).parentElement!;
    expect(wip.textContent).toContain('pull-request70 % 7/10↑+20 pp vs last week');
    expect(wip.textContent).toContain('idea10 % 2/20nothing to compare with last week');
  });

  it('shows the most urgent first and the rest on request', async () => {
    const items = Array.from({ length: 11 }, (_, i) => ({
      ...attention.items[1]!,
      rank: i + 1,
      title: `Project ${i + 1}`,
      subject: { type: 'project', id: `00000000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}` },
    }));
    renderView(<Overview />, {
      client: fakeClient({ getDashboardAttention: async () => ({ ...attention, items }) }),
    });
    const list = await screen.findByRole('list', { name: /Needs attention/ });
    expect(within(list).getAllByRole('link')).toHaveLength(8);
    fireEvent.click(screen.getByRole('button', { name: 'Show all 11' }));
    expect(within(list).getAllByRole('link')).toHaveLength(11);
    expect(screen.queryByRole('button', { name: /Show all/ })).toBeNull();
  });

  it('says so when nothing needs attention', async () => {
    renderView(<Overview />, {
      client: fakeClient({ getDashboardAttention: async () => ({ ...attention, items: [] }) }),
    });
    expect(
      (await screen.findByRole('heading', { name: 'Needs attention' })).parentElement!.textContent,
    ).toContain('Nothing needs you right now');
  });

  it('teaches the first steps on an empty installation', async () => {
    renderView(<Overview />, {
      client: fakeClient({
        getDashboardAttention: async () => ({
          ...attention,
          items: [],
          empty: { pods: true, projects: true },
        }),
      }),
    });
    const start = (await screen.findByRole('heading', { name: 'Get started' })).parentElement!;
    expect(within(start).getByRole('link', { name: 'Register a pod' }).getAttribute('href')).toBe('/pods');
    expect(within(start).getByRole('link', { name: 'Create a project' }).getAttribute('href')).toBe(
      '/projects',
    );
    expect(start.textContent).toContain('clos.config.yaml');
    expect(screen.queryByRole('heading', { name: 'Needs attention' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Throughput' })).toBeNull();
  });

  it('shows the server’s message when the overview cannot load, and tries again', async () => {
    let calls = 0;
    renderView(<Overview />, {
      client: fakeClient({
        getDashboardAttention: async () => {
          calls += 1;
          if (calls === 1) throw new Error('database unavailable');
          return attention;
        },
      }),
    });
    expect((await screen.findByRole('alert')).textContent).toContain('database unavailable');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('list', { name: /Needs attention/ })).toBeTruthy();
  });
});

describe('describeChange', () => {
  it('colours by whether the move is good news for that figure', () => {
    expect(describeChange({ thisWeek: 2, lastWeek: 3, delta: -1 }, 'down', String)).toEqual({
      arrow: '↓',
      text: '−1 vs last week',
      tone: 'good',
    });
    expect(describeChange({ thisWeek: 2, lastWeek: 3, delta: -1 }, 'up', String).tone).toBe('bad');
    expect(describeChange({ thisWeek: 0.9, lastWeek: 0.5, delta: 0.4 }, 'neither', String).tone).toBe(
      'neutral',
    );
  });
});
