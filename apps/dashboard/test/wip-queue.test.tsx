// @vitest-environment happy-dom

import { type Role, canLeaveQueue as serverCanLeaveQueue, type WipQueueEntry } from '@clos/core';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canLeaveQueue, type WipHeatmap, type WipStatus } from '../src/lib/wip.ts';
import { Wip as PodWip } from '../src/views/pod/wip.tsx';
import { Wip } from '../src/views/wip.tsx';
import { status } from './pod-fixtures.ts';
import { fakeClient, fakeMe, renderView } from './render.tsx';

vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));
afterEach(cleanup);

const ME = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';
const RATIO = '00000000-0000-4000-8000-0000000000a1';
const PR = (n: number) => `github:acme/web#${n}`;
const link = (n: number) => `https://github.com/acme/web/pull/${n}`;

const heatmap: WipHeatmap = {
  types: ['pull-request'],
  pods: [
    {
      id: RATIO,
      slug: 'ratio',
      name: 'Ratio',
      cells: [{ itemType: 'pull-request', used: 1, limit: 1, utilisation: 1 }],
    },
  ],
};

const wipStatus = (pod: string): WipStatus => ({
  pod,
  types: [
    {
      itemType: 'pull-request',
      limit: 1,
      used: 1,
      available: 0,
      holders: [
        {
          lockId: '00000000-0000-4000-8000-00000000f001',
          itemId: PR(1),
          acquiredBy: OTHER,
          acquiredAt: '2026-03-02T09:00:00.000Z',
          label: 'Fix checkout (bo)',
          url: link(1),
        },
      ],
      queue: [
        {
          itemId: PR(2),
          label: 'Add receipts (ada)',
          url: link(2),
          position: 1,
          enqueuedAt: '2026-03-02T09:05:00.000Z',
          enqueuedBy: ME,
        },
        {
          itemId: PR(3),
          label: 'Refactor (bo)',
          // Never a link, whatever reached the page.
          url: 'javascript:alert(1)',
          position: 2,
          enqueuedAt: '2026-03-02T09:06:00.000Z',
          enqueuedBy: OTHER,
        },
      ],
    },
    { itemType: 'idea', limit: 5, used: 0, available: 5, holders: [], queue: [] },
  ],
});

const developer = fakeMe({
  role: 'developer',
  user: { id: ME, email: 'ada@example.com', name: 'Ada', role: 'developer' },
  permissions: ['read', 'projects:work', 'wip:use', 'ideas:contribute'],
});

describe('canLeaveQueue mirrors the server', () => {
  it('agrees with core’s canLeaveQueue for every role and queuer', () => {
    for (const role of ['viewer', 'developer', 'pod-lead', 'admin'] as Role[])
      for (const enqueuedBy of [ME, OTHER, null])
        for (const userId of [ME, null]) {
          const entry = { enqueuedBy } as WipQueueEntry;
          const actor = { role, userId, tokenId: null, podIds: [], label: 'x' };
          expect(canLeaveQueue({ role, userId }, entry)).toBe(serverCanLeaveQueue(actor, entry));
        }
  });
});

describe('the queue on the WIP page', () => {
  it('shows holders and the line with labels and links; a developer takes out only their own', async () => {
    const left: unknown[] = [];
    const taken: unknown[] = [];
    const client = fakeClient({
      getDashboardWip: async () => heatmap,
      getWipStatus: async () => wipStatus('ratio'),
      listUsers: async () => ({ items: [], nextCursor: null }),
      releaseWipItem: async (input: { params: { itemId: string } }) => {
        left.push(input);
        return {
          pod: 'ratio',
          itemType: 'pull-request',
          itemId: input.params.itemId,
          outcome: 'left_queue',
          lock: null,
        };
      },
      acquireWipLock: async (input: unknown) => {
        taken.push(input);
        return {
          queued: true,
          pod: 'ratio',
          itemType: 'pull-request',
          itemId: PR(4),
          position: 3,
          ahead: 2,
          label: null,
          url: null,
          enqueuedAt: '2026-03-02T09:07:00.000Z',
        };
      },
    });
    renderView(<Wip />, { client, me: developer, url: '/wip?pod=ratio&type=pull-request' });

    const holders = (await screen.findByRole('heading', { name: 'Holders' })).parentElement!;
    const holder = within(holders).getByRole('link', { name: 'Fix checkout (bo)' });
    expect(holder.getAttribute('href')).toBe(link(1));
    expect(holder.getAttribute('rel')).toContain('noopener');
    expect(within(holders).getByText(PR(1))).toBeTruthy();

    const queue = screen.getByRole('heading', { name: 'Queue (2)' }).parentElement!;
    const rows = within(queue).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['1', '2']);
    expect(within(rows[0]!).getByRole('link', { name: 'Add receipts (ada)' }).getAttribute('href')).toBe(
      link(2),
    );
    expect(within(rows[0]!).getByText('you')).toBeTruthy();
    expect(within(rows[1]!).queryByRole('link')).toBeNull();
    expect(within(rows[1]!).getByText('Refactor (bo)')).toBeTruthy();

    // Only the developer's own entry can leave the line.
    const buttons = within(queue).getAllByRole('button', { name: /out of the queue/ });
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([`Take ${PR(2)} out of the queue`]);
    fireEvent.click(buttons[0]!);
    await vi.waitFor(() =>
      expect(left).toEqual([{ params: { slug: 'ratio', itemType: 'pull-request', itemId: PR(2) } }]),
    );

    // The cell is full: it offers the queue, not a slot, and says where the item waits.
    expect(screen.queryByRole('button', { name: 'Take a slot' })).toBeNull();
    expect(screen.queryByLabelText('Wait in the queue when the cell is full')).toBeNull();
    fireEvent.change(screen.getByLabelText('Item id'), { target: { value: PR(4) } });
    fireEvent.click(screen.getByRole('button', { name: 'Join the queue' }));
    expect((await screen.findByRole('status')).textContent).toBe(`${PR(4)} waits in the queue: place 3.`);
    expect(taken).toEqual([
      { params: { slug: 'ratio', itemType: 'pull-request' }, body: { itemId: PR(4), queue: true } },
    ]);
  });

  it('shows viewers the line without actions', async () => {
    const client = fakeClient({
      getDashboardWip: async () => heatmap,
      getWipStatus: async () => wipStatus('ratio'),
    });
    renderView(<Wip />, {
      client,
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
      url: '/wip?pod=ratio&type=pull-request',
    });
    expect(await screen.findByRole('heading', { name: 'Queue (2)' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /out of the queue/ })).toBeNull();
  });
});

describe('the WIP panel of the pod page', () => {
  it('lists each busy type’s holders and its line, linked to GitHub', async () => {
    const client = fakeClient({ getWipStatus: async () => wipStatus('core') });
    renderView(<PodWip status={status()} />, { client });
    const prs = await screen.findByRole('region', { name: 'pull-request holders and queue' });
    expect(within(prs).getByRole('link', { name: 'Fix checkout (bo)' }).getAttribute('href')).toBe(link(1));
    expect(within(prs).getByText('Waiting (2)')).toBeTruthy();
    const [held, line] = within(prs).getAllByRole('list');
    expect(within(held!).getAllByRole('listitem')).toHaveLength(1);
    expect(
      within(line!)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([`Add receipts (ada)${PR(2)}`, `Refactor (bo)${PR(3)}`]);
    // A type nobody holds or waits for is not listed.
    expect(screen.queryByRole('region', { name: 'idea holders and queue' })).toBeNull();
  });
});
