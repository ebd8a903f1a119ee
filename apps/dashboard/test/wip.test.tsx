// @vitest-environment happy-dom

import { ClosApiError } from '@clos/contract/client';
import { type Role, canRelease as serverCanRelease, type WipLock } from '@clos/core';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  canRelease,
  cellLabel,
  cellRatio,
  cellState,
  HEAT_PIECES,
  heatGrid,
  heatmapOption,
  holderName,
  type WipHeatmap,
} from '../src/lib/wip.ts';
import { Wip } from '../src/views/wip.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));

afterEach(cleanup);

const RATIO = '00000000-0000-4000-8000-0000000000a1';
const ATLAS = '00000000-0000-4000-8000-0000000000a2';
const ME = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

const heatmap: WipHeatmap = {
  types: ['project', 'pull-request'],
  pods: [
    {
      id: RATIO,
      slug: 'ratio',
      name: 'Ratio',
      cells: [
        { itemType: 'project', used: 2, limit: 2, utilisation: 1 },
        { itemType: 'pull-request', used: 1, limit: 5, utilisation: 0.2 },
      ],
    },
    {
      id: ATLAS,
      slug: 'atlas',
      name: 'Atlas',
      cells: [
        { itemType: 'project', used: 3, limit: 4, utilisation: 0.75 },
        { itemType: 'pull-request', used: 0, limit: 0, utilisation: null },
      ],
    },
  ],
};

const holders = [
  {
    lockId: '00000000-0000-4000-8000-00000000f001',
    itemId: 'web#1',
    acquiredBy: ME,
    acquiredAt: '2026-03-02T09:00:00.000Z',
    label: null,
    url: null,
  },
  {
    lockId: '00000000-0000-4000-8000-00000000f002',
    itemId: 'web#2',
    acquiredBy: OTHER,
    acquiredAt: '2026-03-02T10:00:00.000Z',
    label: null,
    url: null,
  },
];
const ratioStatus = {
  pod: 'ratio',
  types: [
    { itemType: 'project', limit: 2, used: 2, available: 0, holders, queue: [] },
    { itemType: 'pull-request', limit: 5, used: 1, available: 4, holders: [], queue: [] },
  ],
};

describe('heatmap shaping and colour thresholds', () => {
  it('classifies cells: free under 70 %, busy from 70 %, full at the limit, over above it', () => {
    expect(cellState(0, 5)).toBe('free');
    expect(cellState(3, 5)).toBe('free');
    expect(cellState(7, 10)).toBe('busy');
    expect(cellState(4, 5)).toBe('busy');
    expect(cellState(5, 5)).toBe('full');
    expect(cellState(6, 5)).toBe('over');
    // A limit of 0 admits nothing: closed when empty (as the overview counts it), over when held.
    expect(cellState(0, 0)).toBe('closed');
    expect(cellState(1, 0)).toBe('over');
    expect(cellRatio(0, 0)).toBe(-1);
    expect(cellRatio(1, 0)).toBeGreaterThan(1);
    expect(cellRatio(1, 4)).toBe(0.25);
  });

  it('colours by the same bands: a ratio lands in the piece its state names', () => {
    const piece = (r: number) =>
      HEAT_PIECES.find((p) => (p.gte === undefined || r >= p.gte) && (p.lt === undefined || r < p.lt))!;
    expect(piece(cellRatio(3, 5)).color).toBe('#16a34a');
    expect(piece(cellRatio(7, 10)).label).toBe('nearly full');
    expect(piece(cellRatio(5, 5)).label).toBe('full');
    expect(piece(cellRatio(1, 0)).label).toBe('full');
    expect(piece(cellRatio(0, 0)).label).toBe('closed');
    expect(piece(0).color).toBe('#16a34a');
  });

  it('lays the server’s cells out as pods × types, with labels that say "full"', () => {
    const grid = heatGrid(heatmap);
    expect(grid.types).toEqual(['project', 'pull-request']);
    expect(grid.pods.map((p) => p.slug)).toEqual(['ratio', 'atlas']);
    expect(grid.rows[0]![0]).toMatchObject({ pod: 'ratio', itemType: 'project', state: 'full', ratio: 1 });
    expect(grid.rows[1]![0]).toMatchObject({ pod: 'atlas', state: 'busy', ratio: 0.75 });
    expect(cellLabel(grid.rows[0]![0]!)).toBe('ratio project 2/2, full');
    expect(cellLabel(grid.rows[0]![1]!)).toBe('ratio pull-request 1/5');

    const option = heatmapOption(grid) as {
      series: { data: { value: number[] }[]; label: { formatter(p: unknown): string } }[];
      yAxis: { data: string[] };
    };
    expect(option.yAxis.data).toEqual(['ratio', 'atlas']);
    const data = option.series[0]!.data;
    expect(data.map((d) => d.value)).toEqual([
      [0, 0, 1],
      [1, 0, 0.2],
      [0, 1, 0.75],
      [1, 1, -1],
    ]);
    expect(option.series[0]!.label.formatter({ data: data[0] })).toBe('2/2 full');
    expect(option.series[0]!.label.formatter({ data: data[1] })).toBe('1/5');
  });
});

describe('canRelease mirrors the server', () => {
  it('agrees with core’s canRelease for every role and holder', () => {
    for (const role of ['viewer', 'developer', 'pod-lead', 'admin'] as Role[]) {
      for (const acquiredBy of [ME, OTHER, null]) {
        for (const userId of [ME, null]) {
          const lock = { acquiredBy } as WipLock;
          const actor = { role, userId, tokenId: null, podIds: [], label: 'x' };
          expect(canRelease({ role, userId }, lock), `${role} ${userId} ${acquiredBy}`).toBe(
            serverCanRelease(actor, lock),
          );
        }
      }
    }
  });

  it('names holders: you, an email when known, else the id', () => {
    const emails = new Map([[OTHER, 'bo@example.com']]);
    expect(holderName(ME, ME, emails)).toBe('you');
    expect(holderName(OTHER, ME, emails)).toBe('bo@example.com');
    expect(holderName(OTHER, ME, new Map())).toBe(OTHER);
    expect(holderName(null, ME, emails)).toBe('system');
  });
});

describe('WIP view', () => {
  it('shows every cell as a button, a full one in words, and the chart', async () => {
    renderView(<Wip />, { client: fakeClient({ getDashboardWip: async () => heatmap }), url: '/wip' });
    expect(screen.getByRole('heading', { level: 1, name: 'WIP limits' })).toBeTruthy();
    const full = await screen.findByRole('button', { name: 'ratio project 2/2, full' });
    expect(full.textContent).toContain('full');
    expect(screen.getByRole('button', { name: 'atlas project 3/4, nearly full' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'ratio pull-request 1/5' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'atlas pull-request 0/0, closed (limit 0)' })).toBeTruthy();
    expect(screen.getByRole('img', { name: /WIP heatmap/ })).toBeTruthy();
  });

  it('lets a developer release only their own lock; a full cell offers the queue, not a slot', async () => {
    const released: string[] = [];
    const acquired: unknown[] = [];
    const client = fakeClient({
      getDashboardWip: async () => heatmap,
      getWipStatus: async () => ratioStatus,
      releaseWipLock: async ({ params }: { params: { id: string } }) => {
        released.push(params.id);
        return {} as never;
      },
      getDashboardGates: async () => ({ items: [] }),
      acquireWipLock: async (input: unknown) => {
        acquired.push(input);
        return {
          queued: true,
          itemId: 'web#3',
          position: 1,
          ahead: 0,
          enqueuedAt: '2026-03-02T11:00:00.000Z',
        } as never;
      },
    });
    const me = fakeMe({
      role: 'developer',
      user: { id: ME, email: 'ada@example.com', name: 'Ada', role: 'developer' },
      permissions: ['read', 'projects:work', 'wip:use', 'ideas:contribute'],
    });
    renderView(<Wip />, { client, me, url: '/wip' });
    fireEvent.click(await screen.findByRole('button', { name: 'ratio project 2/2, full' }));
    expect(await screen.findByText(/This cell is full/)).toBeTruthy();
    const holdersTable = screen.getByRole('heading', { name: 'Holders' }).parentElement!;
    expect(within(holdersTable).getByText('you')).toBeTruthy();
    expect(within(holdersTable).getByText(OTHER)).toBeTruthy();
    // Only the developer's own lock has a Release button.
    const releases = within(holdersTable).getAllByRole('button', { name: /^Release/ });
    expect(releases).toHaveLength(1);
    expect(releases[0]!.getAttribute('aria-label')).toBe('Release web#1');
    fireEvent.click(releases[0]!);
    await vi.waitFor(() => expect(released).toEqual([holders[0]!.lockId]));
    // Developers do not manage pods: no limit form.
    expect(screen.queryByLabelText('Limit for project')).toBeNull();

    expect(screen.queryByRole('button', { name: 'Take a slot' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Item id'), { target: { value: 'web#3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join the queue' }));
    expect((await screen.findByRole('status')).textContent).toBe('web#3 waits in the queue: place 1.');
    expect(acquired).toEqual([
      { params: { slug: 'ratio', itemType: 'project' }, body: { itemId: 'web#3', queue: true } },
    ]);
  });

  it('offers a slot in a cell with room, and shows a refusal that raced it with the holders', async () => {
    const client = fakeClient({
      getDashboardWip: async () => heatmap,
      getWipStatus: async () => ratioStatus,
      listUsers: async () => ({ items: [], nextCursor: null }),
      acquireWipLock: async () => {
        throw new ClosApiError({
          status: 409,
          code: 'wip_limit_exceeded',
          message: 'ratio has 5/5 pull-request in progress',
          details: { pod: 'ratio', itemType: 'pull-request', limit: 5, used: 5, holders },
          requestId: 'r1',
          route: 'acquireWipLock',
        });
      },
    });
    renderView(<Wip />, { client, url: '/wip?pod=ratio&type=pull-request' });
    fireEvent.change(await screen.findByLabelText('Item id'), { target: { value: 'web#3' } });
    expect(screen.queryByRole('button', { name: 'Join the queue' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Take a slot' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('ratio has 5/5 pull-request in progress');
    expect(screen.getByText('5 of 5 slots are held by:')).toBeTruthy();
  });

  it('names project holders and links them; asks before releasing someone else’s slot', async () => {
    const PROJECT = '00000000-0000-4000-8000-00000000b001';
    const released: string[] = [];
    const status = {
      pod: 'ratio',
      types: [
        {
          itemType: 'project',
          limit: 2,
          used: 1,
          available: 1,
          holders: [{ ...holders[1]!, itemId: PROJECT }],
          queue: [],
        },
      ],
    };
    const client = fakeClient({
      getDashboardWip: async () => heatmap,
      getWipStatus: async () => status,
      listUsers: async () => ({ items: [], nextCursor: null }),
      getDashboardGates: async () => ({
        items: [{ projectId: PROJECT, name: 'Checkout revamp' }],
      }),
      releaseWipLock: async ({ params }: { params: { id: string } }) => {
        released.push(params.id);
        return {} as never;
      },
    });
    renderView(<Wip />, { client, url: '/wip?pod=ratio&type=project' });
    const link = await screen.findByRole('link', { name: 'Checkout revamp' });
    expect(link.getAttribute('href')).toBe(`/projects/${PROJECT}`);
    expect(screen.queryByText(PROJECT)).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Release Checkout revamp' }));
    const dialog = await screen.findByRole('dialog', { name: "Release someone else's slot?" });
    expect(dialog.textContent).toContain(`Checkout revamp is held by ${OTHER}`);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(released).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Release Checkout revamp' }));
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', { name: 'Release their slot' }),
    );
    await vi.waitFor(() => expect(released).toEqual([holders[1]!.lockId]));
    await vi.waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('lets a pod manager set the limit; viewers see holders but no actions', async () => {
    const set: unknown[] = [];
    const client = fakeClient({
      getDashboardWip: async () => heatmap,
      getWipStatus: async () => ratioStatus,
      listUsers: async () => ({ items: [], nextCursor: null }),
      setWipLimit: async (input: unknown) => {
        set.push(input);
        return { pod: 'ratio', itemType: 'project', limit: 3, used: 2, available: 1 };
      },
    });
    renderView(<Wip />, { client, url: '/wip?pod=ratio&type=project' });
    fireEvent.change(await screen.findByLabelText('Limit for project'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save limit' }));
    await vi.waitFor(() =>
      expect(set).toEqual([{ params: { slug: 'ratio', itemType: 'project' }, body: { limit: 3 } }]),
    );
    // An admin may release anyone's lock.
    expect(screen.getAllByRole('button', { name: /^Release/ })).toHaveLength(2);
    cleanup();

    renderView(<Wip />, {
      client,
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
      url: '/wip?pod=ratio&type=project',
    });
    expect(await screen.findByText('web#2')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Release/ })).toBeNull();
    expect(screen.queryByLabelText('Item id')).toBeNull();
    expect(screen.queryByLabelText('Limit for project')).toBeNull();
  });

  it('shows the empty state without pods', async () => {
    renderView(<Wip />, {
      client: fakeClient({ getDashboardWip: async () => ({ types: ['project'], pods: [] }) }),
      url: '/wip',
    });
    expect(await screen.findByText(/No pods or item types yet/)).toBeTruthy();
  });
});
