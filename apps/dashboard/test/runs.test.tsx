// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  durationMs,
  formatDuration,
  runDurationText,
  runFiltersFromSearch,
  runQuery,
  type WorkflowRun,
  type WorkflowRunDetail,
} from '../src/lib/runs.ts';
import { RunDetail } from '../src/views/run.tsx';
import { Runs } from '../src/views/runs.tsx';
import { fakeClient, renderView } from './render.tsx';

afterEach(cleanup);

const RUN = '00000000-0000-4000-8000-00000000aa01';
const POD = '00000000-0000-4000-8000-0000000000aa';

function run(over: Partial<WorkflowRun> = {}): WorkflowRun {
  return {
    id: RUN,
    workflow: 'daily-rhythm',
    key: 'daily-rhythm:core:unblock:2026-03-10',
    podId: POD,
    status: 'succeeded',
    input: { phase: 'unblock', localDate: '2026-03-10' },
    output: { digestId: 'd1' },
    error: null,
    attempts: 1,
    scheduledFor: '2026-03-10T08:00:00.000Z',
    createdAt: '2026-03-10T08:00:00.000Z',
    startedAt: '2026-03-10T08:00:01.000Z',
    finishedAt: '2026-03-10T08:00:03.500Z',
    ...over,
  };
}

describe('run durations', () => {
  it('measures start to finish, or to now while running; nothing before it starts', () => {
    expect(durationMs('2026-03-10T08:00:00.000Z', '2026-03-10T08:00:02.000Z')).toBe(2000);
    expect(durationMs('2026-03-10T08:00:00.000Z', null, Date.parse('2026-03-10T08:01:00.000Z'))).toBe(60_000);
    expect(durationMs(null, null)).toBeNull();
    // A finish recorded before the start (clock skew between processes) is never negative.
    expect(durationMs('2026-03-10T08:00:02.000Z', '2026-03-10T08:00:00.000Z')).toBe(0);
  });

  it('reads like people write durations', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 5 s');
    expect(formatDuration((2 * 60 + 3) * 60_000)).toBe('2 h 3 min');
    expect(formatDuration((3 * 24 + 4) * 3_600_000)).toBe('3 d 4 h');
  });

  it('marks a running duration as so far', () => {
    const now = Date.parse('2026-03-10T08:00:11.000Z');
    expect(runDurationText(run(), now)).toBe('2.5 s');
    expect(runDurationText(run({ status: 'running', finishedAt: null }), now)).toBe('10 s so far');
    expect(runDurationText(run({ status: 'queued', startedAt: null, finishedAt: null }), now)).toBe('—');
  });
});

describe('run filters', () => {
  it('reads known filters from the query string and ignores unknown statuses', () => {
    const filters = runFiltersFromSearch(new URLSearchParams('workflow=+alerts+&pod=core&status=weird'));
    expect(filters).toEqual({ workflow: 'alerts', pod: 'core' });
    expect(runQuery(filters, 'c1')).toEqual({ workflow: 'alerts', pod: 'core', limit: 50, cursor: 'c1' });
    expect(runQuery({ status: 'failed' })).toEqual({ status: 'failed', limit: 50 });
  });
});

describe('Runs view', () => {
  it('lists runs linking to their page, filters them, and loads more', async () => {
    const listWorkflowRuns = vi.fn(async (input?: { query?: { cursor?: string; status?: string } }) =>
      input?.query?.cursor
        ? {
            items: [run({ id: '00000000-0000-4000-8000-00000000aa02', workflow: 'alerts', podId: null })],
            nextCursor: null,
          }
        : { items: [run({ status: 'failed', error: 'boom' })], nextCursor: 'next' },
    );
    renderView(<Runs />, {
      client: fakeClient({
        listWorkflowRuns,
        listPods: async () => ({
          items: [
            {
              id: POD,
              slug: 'core',
              name: 'Core platform',
              timezone: 'UTC',
              createdAt: '2026-01-01T00:00:00.000Z',
            },
          ],
          nextCursor: null,
        }),
      }),
      url: '/runs',
    });
    expect(screen.getByRole('heading', { level: 1, name: 'Workflow runs' })).toBeTruthy();
    const link = await screen.findByRole('link', { name: 'daily-rhythm' });
    expect(link.getAttribute('href')).toBe(`/runs/${RUN}`);
    const row = link.closest('tr') as HTMLElement;
    expect(within(row).getByText('failed')).toBeTruthy();
    expect(within(row).getByText('boom')).toBeTruthy();
    expect(await within(row).findByText('Core platform')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: 'alerts' })).toBeTruthy();
    expect(screen.getByText('company-wide')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() =>
      expect(listWorkflowRuns).toHaveBeenLastCalledWith({ query: { status: 'failed', limit: 50 } }),
    );
  });
});

describe('Run page', () => {
  it('shows each step with status, attempts, duration, error and output, and the run’s input', async () => {
    const detail: WorkflowRunDetail = {
      ...run({ status: 'failed', error: 'step apply failed', attempts: 3 }),
      steps: [
        {
          id: '00000000-0000-4000-8000-00000000bb02',
          runId: RUN,
          name: 'apply',
          position: 1,
          status: 'failed',
          attempts: 3,
          output: null,
          error: 'pod no longer exists',
          startedAt: '2026-03-10T08:00:02.000Z',
          finishedAt: '2026-03-10T08:00:03.000Z',
        },
        {
          id: '00000000-0000-4000-8000-00000000bb01',
          runId: RUN,
          name: 'propose',
          position: 0,
          status: 'succeeded',
          attempts: 1,
          output: { moves: 2 },
          error: null,
          startedAt: '2026-03-10T08:00:01.000Z',
          finishedAt: '2026-03-10T08:00:01.250Z',
        },
      ],
    };
    renderView(<RunDetail />, {
      client: fakeClient({ getWorkflowRun: async () => detail }),
      url: `/runs/${RUN}`,
      path: '/runs/:id',
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Workflow run: daily-rhythm' })).toBeTruthy();
    const steps = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(steps).toEqual(['propose', 'apply']);
    expect(screen.getByText('pod no longer exists')).toBeTruthy();
    expect(screen.getByText('step apply failed')).toBeTruthy();
    expect(screen.getByText('250 ms')).toBeTruthy();
    const output = screen.getByText('Output of propose').closest('details') as HTMLElement;
    expect(output.textContent).toContain('"moves": 2');
    const input = screen.getByText('Input').closest('details') as HTMLElement;
    expect(input.textContent).toContain('"phase": "unblock"');
  });
});
