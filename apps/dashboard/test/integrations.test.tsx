// @vitest-environment happy-dom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type GithubStatus,
  githubSummary,
  type SlackUsage,
  slackCommandTotals,
} from '../src/lib/integrations.ts';
import { Integrations } from '../src/views/integrations.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

afterEach(cleanup);

const GITHUB: GithubStatus = {
  configured: true,
  app: { id: 1, slug: 'clos-app', name: 'CLOS', owner: 'acme' },
  installations: [{ id: 7, account: 'acme', repositorySelection: 'all', repositories: null }],
  repositories: [
    {
      repository: 'acme/web',
      pod: 'core',
      project: null,
      requireStage: null,
      installationId: 7,
      problem: null,
      holders: [{ itemId: 'github:acme/web#1', label: 'Fix (@ada)', url: null }],
      queue: [],
    },
    {
      repository: 'acme/api',
      pod: 'core',
      project: null,
      requireStage: null,
      installationId: null,
      problem: 'no installation covers acme/api',
      holders: [],
      queue: [],
    },
  ],
  problems: ['no installation covers acme/api'],
};
const SLACK: SlackUsage = {
  days: [
    { day: '2026-03-01', total: 3, byMetric: { '/clos wip': 2, '/unblock': 1 } },
    { day: '2026-03-02', total: 0, byMetric: {} },
    { day: '2026-03-03', total: 2, byMetric: { '/clos wip': 2 } },
  ],
  total: 5,
};

describe('integration summaries', () => {
  it('says whether the GitHub App works', () => {
    expect(githubSummary(GITHUB)).toEqual({ text: '1 problem', tone: 'amber' });
    expect(githubSummary({ ...GITHUB, problems: [] })).toEqual({ text: 'Working', tone: 'green' });
    expect(githubSummary({ ...GITHUB, configured: false }).text).toBe('Not configured');
  });

  it('totals Slack commands over the days, most used first', () => {
    expect(slackCommandTotals(SLACK)).toEqual([
      { command: '/clos wip', uses: 4 },
      { command: '/unblock', uses: 1 },
    ]);
  });
});

describe('Integrations view', () => {
  it('shows the GitHub App with its problems and Slack use', async () => {
    renderView(<Integrations />, {
      client: fakeClient({ getGithubStatus: async () => GITHUB, getSlackUsage: async () => SLACK }),
      url: '/integrations',
    });
    expect(await screen.findByText('1 problem')).toBeTruthy();
    expect(screen.getAllByText('no installation covers acme/api')).toHaveLength(2);
    expect(screen.getByText('1 holding · 0 waiting')).toBeTruthy();
    expect(await screen.findByText(/on 2 of them/)).toBeTruthy();
    expect(screen.getByText('/clos wip')).toBeTruthy();
  });

  it('shows a reader only Slack use (the GitHub status is for those who manage pods)', async () => {
    renderView(<Integrations />, {
      client: fakeClient({ getSlackUsage: async () => ({ days: [], total: 0 }) }),
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
      url: '/integrations',
    });
    expect(await screen.findByText(/No Slack commands used yet/)).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'GitHub App' })).toBeNull();
  });
});
