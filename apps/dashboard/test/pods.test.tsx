// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  demoAgenda,
  healthMovers,
  healthSeries,
  membershipEvents,
  wipGaugeOption,
  wipUsage,
} from '../src/lib/pods.ts';
import { PodDetail } from '../src/views/pod.tsx';
import { Pods } from '../src/views/pods.tsx';
import {
  ADA,
  BOB,
  commitment,
  demo,
  health,
  member,
  pod,
  status,
  submission,
  today,
  unblockDigest,
} from './pod-fixtures.ts';
import { fakeClient, fakeMe, renderView } from './render.tsx';

vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));
afterEach(cleanup);

describe('pod data shaping', () => {
  it('sums WIP over item types and says which is full', () => {
    expect(wipUsage(status().wip)).toEqual({
      used: 7,
      limit: 8,
      share: 7 / 8,
      text: 'project 2/3 · task 5/5',
      full: true,
    });
    expect(wipUsage([])).toMatchObject({ share: null, text: 'no limits set', full: false });
  });

  it('names the components that moved the score most, signed, biggest first', () => {
    const moved = health(61, '2026-03-17T06:00:00.000Z', {
      changes: [
        { input: 'cycleTime', kind: 'component', from: 1, to: 0.5, points: -14.3 },
        { input: 'velocity', kind: 'component', from: 0.6, to: 0.9, points: 8 },
        { input: 'gateRefusals', kind: 'component', from: null, to: 0.5, points: 7.1 },
        { input: 'cycleTimeDays', kind: 'metric', from: 5, to: 7.5, points: null },
      ],
    });
    expect(healthMovers(moved)).toBe('cycle time −14.3 · velocity +8');
    expect(healthMovers(moved, 3)).toBe('cycle time −14.3 · velocity +8 · gate refusals +7.1');
    expect(healthMovers(health(61, '2026-03-17T06:00:00.000Z'))).toBe('');
  });

  it('draws health oldest first', () => {
    const series = healthSeries([
      health(70, '2026-03-09T00:00:00.000Z'),
      health(50, '2026-03-01T00:00:00.000Z'),
    ]);
    expect(series).toEqual([
      ['2026-03-01T00:00:00.000Z', 50],
      ['2026-03-09T00:00:00.000Z', 70],
    ]);
  });

  it('scales a gauge to the usage when a lowered limit left it above', () => {
    const option = wipGaugeOption({ itemType: 'task', used: 4, limit: 2 }) as {
      series: { max: number; detail: { formatter: string } }[];
    };
    expect(option.series[0]?.max).toBe(4);
    expect(option.series[0]?.detail.formatter).toBe('4/2');
  });

  it('lists joins and leaves newest first', () => {
    const events = membershipEvents([
      member({ joinedAt: '2026-01-01T00:00:00.000Z', leftAt: '2026-02-01T00:00:00.000Z' }),
      member({ userId: BOB, name: 'Bob', joinedAt: '2026-02-01T00:00:00.000Z' }),
    ]);
    expect(events.map((e) => `${e.kind} ${e.name}`)).toEqual(['left Ada', 'joined Bob', 'joined Ada']);
  });

  it('orders the agenda by its positions once frozen, by arrival before', () => {
    const a = submission({
      id: '00000000-0000-4000-8000-0000000000e1',
      title: 'A',
      createdAt: '2026-03-10T11:00:00.000Z',
    });
    const b = submission({
      id: '00000000-0000-4000-8000-0000000000e2',
      title: 'B',
      createdAt: '2026-03-10T10:00:00.000Z',
      url: 'javascript:alert(1)',
    });
    expect(demoAgenda(demo({ submissions: [a, b] })).map((x) => x.title)).toEqual(['B', 'A']);
    // A link that is not http(s) is never rendered as one.
    expect(demoAgenda(demo({ submissions: [b] }))[0]?.url).toBeNull();
    const frozen = demo({
      status: 'feedback',
      submissions: [a, b],
      agenda: [
        { position: 2, submissionId: b.id, title: 'B', presenter: 'Ada', projectId: null, url: null },
        {
          position: 1,
          submissionId: a.id,
          title: 'A',
          presenter: 'Ada',
          projectId: null,
          url: 'https://x.test/a',
        },
      ],
    });
    expect(demoAgenda(frozen).map((x) => [x.position, x.title, x.url])).toEqual([
      [1, 'A', 'https://x.test/a'],
      [2, 'B', null],
    ]);
  });
});

describe('Pods view', () => {
  it('lists each pod with its health, members and WIP, linking to its page', async () => {
    renderView(<Pods />, {
      client: fakeClient({
        listPods: async () => ({ items: [pod], nextCursor: null }),
        // The list reads every pod's figures in one answer (no status request per pod).
        getDashboardPods: async () => ({
          types: ['project', 'task'],
          pods: [
            {
              id: pod.id,
              slug: pod.slug,
              name: pod.name,
              members: 2,
              health: 72,
              cells: status().wip.map((c) => ({ ...c, utilisation: c.limit ? c.used / c.limit : null })),
            },
          ],
        }),
      }),
    });
    const link = await screen.findByRole('link', { name: 'Core platform' });
    expect(link.getAttribute('href')).toBe('/pods/core');
    const row = link.closest('tr') as HTMLElement;
    expect(await within(row).findByText('72 / 100')).toBeTruthy();
    expect(within(row).getByText('2')).toBeTruthy();
    expect(within(row).getByText('7 of 8 used')).toBeTruthy();
    expect(within(row).getByText('project 2/3 · task 5/5')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Register a pod' })).toBeTruthy();
  });

  it('registers a pod and shows the server’s refusal', async () => {
    const registerPod = vi.fn(async () => {
      throw new ClosApiError({
        status: 409,
        code: 'conflict',
        message: 'pod "core" already exists',
        requestId: null,
        route: 'registerPod',
      });
    });
    renderView(<Pods />, {
      client: fakeClient({ listPods: async () => ({ items: [], nextCursor: null }), registerPod }),
    });
    expect(await screen.findByText('No pods yet. Register the first one below.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Slug'), { target: { value: 'core' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Core' } });
    fireEvent.change(screen.getByLabelText('Timezone'), { target: { value: 'Europe/Berlin' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register a pod' }));
    expect((await screen.findByRole('alert')).textContent).toContain('pod "core" already exists');
    expect(registerPod).toHaveBeenCalledWith({
      body: { slug: 'core', name: 'Core', timezone: 'Europe/Berlin' },
    });
  });

  it('hides the form from those who may not create pods', async () => {
    renderView(<Pods />, {
      client: fakeClient({ listPods: async () => ({ items: [], nextCursor: null }) }),
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
    });
    expect(await screen.findByText('No pods yet.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Register a pod' })).toBeNull();
  });
});

function podClient(over: Parameters<typeof fakeClient>[0] = {}) {
  return fakeClient({
    getPodStatus: async () => status(),
    getWipStatus: async () => ({ pod: 'core', types: [] }),
    getDashboardGates: async () => ({ items: [] }),
    listPodHealth: async () => ({
      items: [
        health(72, '2026-03-09T12:00:00.000Z', {
          source: 'manual',
          changes: [{ input: 'deploymentSuccess', kind: 'component', from: 0.5, to: 0.9, points: 8.2 }],
        }),
        health(64, '2026-03-02T12:00:00.000Z'),
      ],
    }),
    listPodMembers: async () => ({
      items: [
        member(),
        member({ userId: BOB, name: 'Bob', podRole: 'lead' }),
        member({
          userId: '00000000-0000-4000-8000-000000000003',
          name: 'Cy',
          leftAt: '2026-03-01T09:00:00.000Z',
        }),
      ],
    }),
    listWorkflowRuns: async () => ({ items: [], nextCursor: null }),
    getRhythmToday: async () =>
      today({ unblock: unblockDigest }, [
        commitment(),
        commitment({
          id: '00000000-0000-4000-8000-0000000000c2',
          userId: BOB,
          userName: 'Bob',
          text: 'review PRs',
        }),
      ]),
    listDemos: async () => ({ items: [demo()], nextCursor: null }),
    getDemo: async () => demo({ submissions: [submission()] }),
    ...over,
  });
}

const asMember = fakeMe({
  user: { id: ADA, email: 'ada@example.com', name: 'Ada', role: 'developer' },
  role: 'developer',
  permissions: ['read', 'projects:work', 'wip:use', 'ideas:contribute'],
});

describe('Pod page', () => {
  it('lists the pod’s projects with their gates, and its pull requests holding and waiting', async () => {
    const gateQueries: unknown[] = [];
    const gate = (n: number, extra: Record<string, unknown>) => ({
      projectId: `00000000-0000-4000-8000-0000000000b${n}`,
      key: `p-${n}`,
      name: `Project ${n}`,
      podId: '00000000-0000-4000-8000-0000000000a1',
      currentStage: 'build',
      nextStage: 'ship',
      stageEnteredAt: '2026-03-01T00:00:00.000Z',
      daysInStage: 12,
      state: 'ready',
      unmet: 0,
      awaitingApprovals: 0,
      blockedReason: null,
      ...extra,
    });
    const pr = (n: number) => ({
      label: `PR ${n} title`,
      url: `https://github.com/acme/web/pull/${n}`,
    });
    const client = podClient({
      getDashboardGates: async (input: unknown) => {
        gateQueries.push(input);
        return {
          items: [
            gate(1, { state: 'awaiting', unmet: 1, awaitingApprovals: 2 }),
            gate(2, { state: 'blocked', unmet: 1, blockedReason: 'waiting on legal', daysInStage: 3 }),
          ],
        };
      },
      getWipStatus: async () => ({
        pod: 'core',
        types: [
          {
            itemType: 'project',
            limit: 3,
            used: 1,
            available: 2,
            holders: [
              {
                lockId: '00000000-0000-4000-8000-00000000f0b1',
                itemId: '00000000-0000-4000-8000-0000000000b1',
                acquiredBy: null,
                acquiredAt: '2026-03-01T00:00:00.000Z',
                label: null,
                url: null,
              },
            ],
            queue: [],
          },
          {
            itemType: 'pull-request',
            limit: 1,
            used: 1,
            available: 0,
            holders: [
              {
                lockId: '00000000-0000-4000-8000-00000000f001',
                itemId: 'acme/web#1',
                acquiredBy: null,
                acquiredAt: '2026-03-02T09:00:00.000Z',
                ...pr(1),
              },
            ],
            queue: [
              {
                itemId: 'acme/web#2',
                position: 1,
                enqueuedAt: '2026-03-02T09:05:00.000Z',
                enqueuedBy: null,
                ...pr(2),
              },
              {
                itemId: 'acme/web#3',
                position: 2,
                enqueuedAt: '2026-03-02T09:06:00.000Z',
                enqueuedBy: null,
                label: null,
                url: null,
              },
            ],
          },
        ],
      }),
    });
    renderView(<PodDetail />, { client, url: '/pods/core', path: '/pods/:slug' });
    const projects = (await screen.findByRole('heading', { name: 'Projects' })).closest('section')!;
    const first = await within(projects).findByRole('row', { name: /Project 1/ });
    expect(within(first).getByRole('link', { name: 'Project 1' }).getAttribute('href')).toBe(
      '/projects/00000000-0000-4000-8000-0000000000b1',
    );
    expect(first.textContent).toContain('awaiting 2 approvals');
    expect(first.textContent).toContain('build → ship');
    expect(first.textContent).toContain('12');
    const second = within(projects).getByRole('row', { name: /Project 2/ });
    expect(second.textContent).toContain('blocked');
    expect(second.textContent).toContain('waiting on legal');
    expect(gateQueries).toEqual([{ query: { pod: 'core' } }]);
    expect(
      within(projects)
        .getByRole('link', { name: /All of this pod's projects/ })
        .getAttribute('href'),
    ).toBe('/projects?pod=core');

    const prs = screen.getByRole('heading', { name: 'Pull requests' }).closest('section')!;
    const open = await within(prs).findByRole('region', { name: 'In progress (1 of 1)' });
    expect(within(open).getByRole('link', { name: 'PR 1 title' }).getAttribute('href')).toBe(pr(1).url);
    const queue = within(prs).getByRole('region', { name: 'Queue (2)' });
    const waiting = within(queue).getAllByRole('listitem');
    expect(within(waiting[0]!).getByRole('link', { name: 'PR 2 title' }).getAttribute('href')).toBe(
      pr(2).url,
    );
    expect(waiting[1]!.textContent).toContain('acme/web#3');
    // The WIP panel names the project holding a slot, never its id.
    const occupants = await screen.findByRole('region', { name: 'project holders and queue' });
    expect((await within(occupants).findByRole('link', { name: 'Project 1' })).getAttribute('href')).toBe(
      '/projects/00000000-0000-4000-8000-0000000000b1',
    );
  });

  it('shows health, WIP gauges with their numbers, members, rotation, rhythm and demo', async () => {
    renderView(<PodDetail />, { client: podClient(), url: '/pods/core', path: '/pods/:slug' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Core platform' })).toBeTruthy();
    expect(await screen.findByRole('img', { name: 'Health score of the last 2 records' })).toBeTruthy();
    // The history table says where each score came from and what moved it.
    const rows = screen
      .getAllByRole('row')
      .filter((r) => within(r).queryByText(/^(manual|computed)$/))
      .map((r) =>
        within(r)
          .getAllByRole('cell')
          .slice(1)
          .map((c) => c.textContent),
      );
    expect(rows).toEqual([
      ['72', 'manual', 'deployments +8.2'],
      ['64', 'computed', '—'],
    ]);
    expect(screen.getByRole('img', { name: 'task: 5 of 5 used' })).toBeTruthy();
    expect(screen.getByText('full')).toBeTruthy();
    // Rotation history: Cy joined, then left.
    expect(await screen.findAllByText('Cy')).toHaveLength(2);
    expect(screen.getAllByText('Left')).toHaveLength(1);
    // Digest: unblock produced, the others not yet.
    const unblock = screen.getByRole('region', { name: 'Unblock' });
    expect(within(unblock).getByRole('link', { name: 'Importer (build): waiting on legal' })).toBeTruthy();
    expect(
      within(screen.getByRole('region', { name: 'Commit' })).getByText('Not produced yet.'),
    ).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Recap' })).getByText('Not produced yet.')).toBeTruthy();
    // Demo agenda while collecting.
    expect(await screen.findByText('Collecting submissions')).toBeTruthy();
    expect(screen.getByText('New importer')).toBeTruthy();
  });

  it('lets a member commit, and mark only their own commitment done or dropped', async () => {
    const updateCommitment = vi.fn(async () => commitment({ status: 'done' }));
    const recordCommitment = vi.fn(async () => commitment());
    renderView(<PodDetail />, {
      client: podClient({ updateCommitment, recordCommitment }),
      me: asMember,
      url: '/pods/core',
      path: '/pods/:slug',
    });
    await screen.findByText('review PRs');
    // One open commitment of Ada's: one Done and one Drop; none on Bob's.
    expect(screen.getAllByRole('button', { name: 'Done' })).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: 'Drop' })).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() =>
      expect(updateCommitment).toHaveBeenCalledWith({
        params: { id: '00000000-0000-4000-8000-0000000000c1' },
        body: { status: 'done' },
      }),
    );
    fireEvent.change(screen.getByLabelText('Today I will'), { target: { value: 'write the docs' } });
    fireEvent.click(screen.getByRole('button', { name: 'Commit' }));
    await waitFor(() =>
      expect(recordCommitment).toHaveBeenCalledWith({
        params: { slug: 'core' },
        body: { text: 'write the docs' },
      }),
    );
    // A member may submit a demo while it collects; not manage members.
    expect(screen.getByRole('button', { name: 'Submit a demo' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Add member' })).toBeNull();
  });

  it('shows a demo not opened yet as such, and the server’s message when adding a member fails', async () => {
    const addPodMember = vi.fn(async () => {
      throw new ClosApiError({
        status: 404,
        code: 'not_found',
        message: 'user zed@example.com not found',
        requestId: null,
        route: 'addPodMember',
      });
    });
    renderView(<PodDetail />, {
      client: podClient({
        // No demo yet, or only last week's closed one: nothing is asked for that would answer 404.
        listDemos: async () => ({
          items: [demo({ week: '2020-W01', status: 'closed', closedAt: '2020-01-03T12:00:00.000Z' })],
          nextCursor: null,
        }),
        getDemo: async () => {
          throw new Error('a closed demo of another week is not this week’s');
        },
        addPodMember,
      }),
      me: fakeMe({
        user: {
          id: '00000000-0000-4000-8000-0000000000ff',
          email: 'root@example.com',
          name: 'Root',
          role: 'admin',
        },
      }),
      url: '/pods/core',
      path: '/pods/:slug',
    });
    expect(await screen.findByText("This week's demo has not opened yet.")).toBeTruthy();
    // The admin is no member: no commit form, but may add members.
    expect(screen.queryByLabelText('Today I will')).toBeNull();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'zed@example.com' } });
    fireEvent.change(screen.getByLabelText('Pod role'), { target: { value: 'lead' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add member' }));
    expect((await screen.findByRole('alert')).textContent).toContain('user zed@example.com not found');
    expect(addPodMember).toHaveBeenCalledWith({
      params: { slug: 'core' },
      body: { email: 'zed@example.com', podRole: 'lead' },
    });
  });

  it('shows why a pod cannot be loaded', async () => {
    renderView(<PodDetail />, {
      client: podClient({
        getPodStatus: async () => {
          throw new ClosApiError({
            status: 404,
            code: 'not_found',
            message: 'pod "nope" not found',
            requestId: null,
            route: 'getPodStatus',
          });
        },
      }),
      url: '/pods/nope',
      path: '/pods/:slug',
    });
    expect((await screen.findByRole('alert')).textContent).toContain('pod "nope" not found');
    expect(screen.getByRole('heading', { level: 1, name: 'nope' })).toBeTruthy();
  });
});
