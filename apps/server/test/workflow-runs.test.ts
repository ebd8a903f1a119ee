import type { Db } from '@clos/db';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

describe.each(testEngines())('workflow runs API on %s', (engine) => {
  let h: Harness;
  let podId: string;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    const pod = await h.call('POST', '/api/v1/pods', {
      slug: 'ratio',
      name: 'Ratio',
      timezone: 'Europe/London',
    });
    podId = pod.json().id;
    await h.drain();
  });

  const start = (workflow: string, key: string, input: Record<string, unknown>, pod: string | null = podId) =>
    h.database.db.transaction((tx) =>
      h.runtime!.env.startRun(tx as unknown as Db, { workflow, key, podId: pod, input }),
    );

  it('lists runs newest first, filtered by workflow, pod and status, and shows one with its steps', async () => {
    const digest = await start('daily-rhythm', `daily-rhythm:unblock:${podId}:2026-03-02`, {
      phase: 'unblock',
      localDate: '2026-03-02',
    });
    h.clock.advance(60_000);
    await start('weekly-demo', `weekly-demo:open:${podId}:2026-03-02`, {
      phase: 'open',
      localDate: '2026-03-02',
    });
    await h.drain();

    const all = await h.call('GET', '/api/v1/workflows/runs');
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((r: { workflow: string }) => r.workflow)).toEqual([
      'weekly-demo',
      'daily-rhythm',
    ]);

    const byWorkflow = await h.call('GET', '/api/v1/workflows/runs?workflow=daily-rhythm');
    expect(byWorkflow.json().items).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/workflows/runs?pod=ratio')).json().items).toHaveLength(2);
    expect((await h.call('GET', '/api/v1/workflows/runs?status=failed')).json().items).toHaveLength(0);
    expect((await h.call('GET', '/api/v1/workflows/runs?status=succeeded')).json().items).toHaveLength(2);

    const page1 = await h.call('GET', '/api/v1/workflows/runs?limit=1');
    expect(page1.json().items).toHaveLength(1);
    const page2 = await h.call('GET', `/api/v1/workflows/runs?limit=1&cursor=${page1.json().nextCursor}`);
    expect(page2.json().items[0].id).toBe(digest!.id);
    expect(page2.json().nextCursor).toBeNull();

    const one = await h.call('GET', `/api/v1/workflows/runs/${digest!.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ workflow: 'daily-rhythm', status: 'succeeded', attempts: 1, podId });
    expect(
      one
        .json()
        .steps.map((s: { name: string; status: string; attempts: number }) => [s.name, s.status, s.attempts]),
    ).toEqual([['digest', 'succeeded', 1]]);
    expect(one.json().steps[0].startedAt).not.toBeNull();
  });

  it('answers 404 for an unknown run, 400 naming the field for bad filters, and lets a viewer read', async () => {
    expect(
      (await h.call('GET', '/api/v1/workflows/runs/00000000-0000-4000-8000-000000000000')).statusCode,
    ).toBe(404);
    const badStatus = await h.call('GET', '/api/v1/workflows/runs?status=sleeping');
    expect(badStatus.statusCode).toBe(400);
    expect(JSON.stringify(badStatus.json().error.details)).toContain('querystring.status');
    const badCursor = await h.call('GET', '/api/v1/workflows/runs?cursor=WyJub3QgYSBkYXRlIiwieCJd');
    expect(badCursor.statusCode).toBe(400);
    expect(JSON.stringify(badCursor.json().error.details)).toContain('cursor');
    expect((await h.call('GET', '/api/v1/workflows/runs?pod=nope')).statusCode).toBe(404);
    const viewer = await h.userWithToken('viewer');
    expect((await h.call('GET', '/api/v1/workflows/runs', undefined, viewer.token)).statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/workflows/runs', undefined, null)).statusCode).toBe(401);
  });
});
