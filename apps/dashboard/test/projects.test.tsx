// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Projects } from '../src/views/projects.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));

afterEach(cleanup);

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
      }),
    });
    expect(await screen.findByRole('link', { name: 'Project 1' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'New project' })).toBeNull();
  });
});
