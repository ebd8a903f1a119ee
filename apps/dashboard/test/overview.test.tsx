// @vitest-environment happy-dom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Overview } from '../src/views/overview.tsx';
import { fakeClient, renderView } from './render.tsx';

vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));

afterEach(cleanup);

const overview = {
  projectsPerStage: [
    { stage: 'discovery', count: 3 },
    { stage: 'build', count: 1 },
    { stage: 'launch', count: 0 },
  ],
  blockedProjects: 1,
  wip: { used: 6, limit: 8, utilisation: 0.75, fullCells: 1 },
  ideas: { weekStart: '2026-03-02T00:00:00.000Z', submittedThisWeek: 4, evaluatedThisWeek: 7, pending: 2 },
  health: {
    mean: 71.6,
    pods: [
      { id: '00000000-0000-4000-8000-0000000000a1', slug: 'alpha', name: 'Alpha', score: 80 },
      { id: '00000000-0000-4000-8000-0000000000a2', slug: 'beta', name: 'Beta', score: 63.2 },
    ],
  },
  deployments: { successRate: 0.9, finished: 10, windowDays: 30 },
  alerts: { open: 2, critical: 1 },
};

describe('Overview', () => {
  it('shows each figure, linking to its detail', async () => {
    renderView(<Overview />, { client: fakeClient({ getDashboardOverview: async () => overview }) });
    expect(screen.getByRole('heading', { level: 1, name: 'Overview' })).toBeTruthy();
    const wip = await screen.findByRole('link', { name: /WIP utilisation/ });
    expect(wip.getAttribute('href')).toBe('/wip');
    expect(wip.textContent).toContain('75 %');
    expect(screen.getByRole('link', { name: /Ideas submitted this week/ }).textContent).toContain('4');
    expect(screen.getByRole('link', { name: /Ideas evaluated this week/ }).getAttribute('href')).toBe(
      '/ideas',
    );
    const health = screen.getByRole('link', { name: /Mean pod health/ });
    expect(health.getAttribute('href')).toBe('/pods');
    expect(health.textContent).toContain('72');
    expect(screen.getByRole('link', { name: /Deployment success rate/ }).textContent).toContain('90 %');
    const alerts = screen.getByRole('link', { name: /Open alerts/ });
    expect(alerts.getAttribute('href')).toBe('/alerts');
    expect(alerts.textContent).toContain('1 critical');
    const discovery = screen.getByRole('link', { name: /^discovery/ });
    expect(discovery.getAttribute('href')).toBe('/projects?stage=discovery&closed=false');
    expect(within(discovery).getByText('3')).toBeTruthy();
    expect(screen.getByRole('img', { name: /discovery 3, build 1, launch 0/ })).toBeTruthy();
  });

  it('shows the server’s message when the overview cannot load', async () => {
    renderView(<Overview />, {
      client: fakeClient({
        getDashboardOverview: async () => {
          throw new Error('database unavailable');
        },
      }),
    });
    expect((await screen.findByRole('alert')).textContent).toContain('database unavailable');
  });
});
