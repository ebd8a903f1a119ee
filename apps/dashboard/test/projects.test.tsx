// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Projects, rowsCsv } from '../src/views/projects.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));

afterEach(cleanup);

/** Shows the page's query string, where the list keeps its search, filters and sort. */
function Location() {
  const { search } = useLocation();
  return <output data-testid="search">{search}</output>;
}

const ALPHA = {
  id: '00000000-0000-4000-8000-0000000000a1',
  slug: 'alpha',
  name: 'Alpha',
  timezone: 'UTC',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const BETA = {
  id: '00000000-0000-4000-8000-0000000000a2',
  slug: 'beta',
  name: 'Beta',
  timezone: 'UTC',
  createdAt: '2026-01-01T00:00:00.000Z',
};

const funnel = {
  stages: [
    { stage: 'discovery', current: 2, entered: 4, conversion: 0.5, medianHoursInStage: 30 },
    { stage: 'build', current: 2, entered: 2, conversion: null, medianHoursInStage: null },
  ],
  closed: { shipped: 0, cancelled: 0 },
};

function project(n: number, extra: Record<string, unknown> = {}) {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    key: `project-${n}`,
    name: `Project ${n}`,
    podId: ALPHA.id,
    currentStage: 'discovery',
    stageEnteredAt: '2026-03-01T00:00:00.000Z',
    blockedReason: null,
    blockedAt: null,
    ideaId: null,
    wipLockId: null,
    closedAt: null,
    outcome: null,
    closeReason: null,
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    ...extra,
  };
}

describe('Stage gates', () => {
  it('shows the funnel table, filters the list from the query string and loads more by cursor', async () => {
    const listProjects = vi.fn(async ({ query }: { query: Record<string, unknown> }) =>
      query.cursor
        ? { items: [project(2)], nextCursor: null }
        : { items: [project(1, { blockedReason: 'waiting on legal' })], nextCursor: 'c1' },
    );
    renderView(<Projects />, {
      url: '/projects?stage=discovery&closed=false',
      path: '/projects',
      client: fakeClient({
        getDashboardFunnel: async () => funnel,
        listPods: async () => ({ items: [ALPHA, BETA], nextCursor: null }),
        getDashboardGates: async () => ({ items: [] }),
        listProjects,
      }),
    });
    expect(screen.getByRole('heading', { level: 1, name: 'Stage gates' })).toBeTruthy();
    const table = await screen.findByRole('table', { name: /conversion and median time/ });
    const discovery = within(table).getByRole('row', { name: /discovery/ });
    expect(discovery.textContent).toContain('50 %');
    expect(discovery.textContent).toContain('30 h');
    expect(screen.getByRole('img', { name: /discovery 4, build 2/ })).toBeTruthy();

    const link = await screen.findByRole('link', { name: 'Project 1' });
    expect(link.getAttribute('href')).toBe(`/projects/${project(1).id}`);
    expect(within(link.closest('td')!).getByText('project-1').tagName).toBe('CODE');
    expect(listProjects.mock.calls[0]![0].query).toMatchObject({ stage: 'discovery', closed: 'false' });
    expect((screen.getByLabelText('Stage') as HTMLSelectElement).value).toBe('discovery');
    expect(screen.getByText('waiting on legal')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: 'Project 2' })).toBeTruthy();
    expect(listProjects.mock.calls.at(-1)![0].query).toMatchObject({ cursor: 'c1', stage: 'discovery' });
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull());
  });

  it('offers a new project only in pods the token may manage, and shows the server’s refusal', async () => {
    const createProject = vi.fn(async () => {
      const { ClosApiError } = await import('@clos/contract/client');
      throw new ClosApiError({
        status: 409,
        code: 'wip_limit_exceeded',
        message: 'pod "beta" is at its project WIP limit (2 of 2)',
        requestId: 'r',
        route: 'createProject',
      });
    });
    renderView(<Projects />, {
      url: '/projects',
      me: fakeMe({ role: 'pod-lead', pods: [{ id: BETA.id, slug: 'beta', name: 'Beta' }] }),
      client: fakeClient({
        getDashboardFunnel: async () => funnel,
        listPods: async () => ({ items: [ALPHA, BETA], nextCursor: null }),
        listProjects: async () => ({ items: [], nextCursor: null }),
        getDashboardGates: async () => ({ items: [] }),
        createProject,
      }),
    });
    expect(await screen.findByText('No projects match these filters.')).toBeTruthy();
    const pod = (await screen.findByLabelText("New project's pod")) as HTMLSelectElement;
    expect([...pod.options].map((o) => o.value)).toEqual(['beta']);
    fireEvent.change(screen.getByLabelText('Project name'), { target: { value: 'Search' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create project' }));
    expect((await screen.findByRole('alert')).textContent).toContain('project WIP limit (2 of 2)');
    expect(createProject).toHaveBeenCalledWith({ body: { name: 'Search', pod: 'beta' } });
  });

  it('hides the new-project form from a viewer', async () => {
    renderView(<Projects />, {
      url: '/projects',
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
      client: fakeClient({
        getDashboardFunnel: async () => funnel,
        listPods: async () => ({ items: [ALPHA], nextCursor: null }),
        listProjects: async () => ({ items: [project(1)], nextCursor: null }),
        getDashboardGates: async () => ({ items: [] }),
      }),
    });
    expect(await screen.findByRole('link', { name: 'Project 1' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'New project' })).toBeNull();
  });

  describe('gates at a glance', () => {
    const gate = (n: number, extra: Record<string, unknown>) => ({
      projectId: project(n).id,
      key: `project-${n}`,
      name: `Project ${n}`,
      podId: ALPHA.id,
      currentStage: 'discovery',
      nextStage: 'build',
      stageEnteredAt: '2026-03-01T00:00:00.000Z',
      daysInStage: 4,
      state: 'ready',
      unmet: 0,
      awaitingApprovals: 0,
      blockedReason: null,
      ...extra,
    });
    const client = () =>
      fakeClient({
        getDashboardFunnel: async () => funnel,
        listPods: async () => ({ items: [ALPHA, BETA], nextCursor: null }),
        listProjects: async () => ({
          items: [
            project(1, { name: 'Zebra launch' }),
            project(2, { name: 'Atlas search', key: 'atlas-search', podId: BETA.id }),
            project(3, { name: 'Mango =cmd', closedAt: '2026-03-02T00:00:00.000Z', outcome: 'shipped' }),
          ],
          nextCursor: null,
        }),
        getDashboardGates: async () => ({
          items: [
            gate(1, { state: 'unmet', unmet: 2, awaitingApprovals: 1, daysInStage: 9 }),
            gate(2, { state: 'awaiting', unmet: 1, awaitingApprovals: 2, daysInStage: 2 }),
          ],
        }),
      });
    const names = () =>
      within(screen.getByRole('table', { name: /^Projects, / }))
        .getAllByRole('row')
        .slice(1)
        .map((r) => within(r).getAllByRole('link')[0]!.textContent);

    it('shows each project’s gate and days in stage, sorts by a column and keeps it in the URL', async () => {
      renderView(
        <>
          <Projects />
          <Location />
        </>,
        { url: '/projects', path: '/projects', client: client() },
      );
      const zebra = await screen.findByRole('row', { name: /Zebra launch/ });
      await waitFor(() => expect(zebra.textContent).toContain('2 unmet'));
      expect(zebra.textContent).toContain('9');
      expect(screen.getByRole('row', { name: /Atlas search/ }).textContent).toContain('awaiting 2 approvals');
      expect(screen.getByRole('row', { name: /Mango/ }).textContent).toContain('shipped');

      fireEvent.click(screen.getByRole('button', { name: /Days in stage/ }));
      expect(names()).toEqual(['Mango =cmd', 'Atlas search', 'Zebra launch']);
      expect(screen.getByTestId('search').textContent).toBe('?sort=days');
      expect(screen.getByRole('columnheader', { name: 'Days in stage' }).getAttribute('aria-sort')).toBe(
        'ascending',
      );
      fireEvent.click(screen.getByRole('button', { name: /Days in stage/ }));
      expect(names()).toEqual(['Zebra launch', 'Atlas search', 'Mango =cmd']);
      expect(screen.getByTestId('search').textContent).toBe('?sort=days&dir=desc');

      fireEvent.click(screen.getByRole('button', { name: /^Gate/ }));
      expect(names()).toEqual(['Atlas search', 'Zebra launch', 'Mango =cmd']);
    });

    it('searches by name or key and filters by gate state from the query string', async () => {
      renderView(
        <>
          <Projects />
          <Location />
        </>,
        { url: '/projects?q=atlas', path: '/projects', client: client() },
      );
      await waitFor(() => expect(names()).toEqual(['Atlas search']));
      expect((screen.getByLabelText('Search projects') as HTMLInputElement).value).toBe('atlas');
      fireEvent.change(screen.getByLabelText('Search projects'), { target: { value: '' } });
      fireEvent.change(screen.getByLabelText('Gate'), { target: { value: 'unmet' } });
      await waitFor(() => expect(names()).toEqual(['Zebra launch']));
      expect(screen.getByTestId('search').textContent).toBe('?gate=unmet');
      fireEvent.change(screen.getByLabelText('Stage'), { target: { value: 'build' } });
      // The server-side filters and the list's own view share the query string.
      expect(screen.getByTestId('search').textContent).toBe('?stage=build&gate=unmet');
    });

    it('exports the rows shown as CSV, quoting commas and defusing formulas', async () => {
      const created: Blob[] = [];
      const createObjectURL = vi.fn((blob: Blob) => {
        created.push(blob);
        return 'blob:projects';
      });
      vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
      renderView(<Projects />, { url: '/projects?gate=awaiting', path: '/projects', client: client() });
      await waitFor(() => expect(names()).toEqual(['Atlas search']));
      fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
      expect(await created[0]!.text()).toBe(
        'Project,Key,Pod,Stage,Gate,Days in stage,Status,Blocked reason\r\n' +
          'Atlas search,atlas-search,Beta,discovery,awaiting 2 approvals,2,open,\r\n',
      );
      const csv = rowsCsv([
        {
          project: project(3, { name: '=HYPERLINK("x"), y', blockedReason: 'a "b"' }) as never,
          pod: 'Alpha',
          gate: null,
          days: 1,
        },
      ]);
      expect(csv.split('\r\n')[1]).toBe(
        `"'=HYPERLINK(""x""), y",project-3,Alpha,discovery,,1,blocked,"a ""b"""`,
      );
      vi.unstubAllGlobals();
    });
  });
});
