import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const STEPS = ['build', 'test', 'stage', 'prod'];

describe.each(testEngines())('deployments on %s', (engine) => {
  let h: Harness;
  let dev: { token: string; userId: string; email: string };

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    // The relay may still be dispatching the last test's events: TRUNCATE beside it can deadlock.
    await h.drain();
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' });
    dev = await h.userWithToken('developer');
  });

  const start = (body: Record<string, unknown> = {}, token = dev.token) =>
    h.call('POST', '/api/v1/deployments', { pod: 'ratio', version: 'v1.2.3', ...body }, token);
  const report = (id: string, body: Record<string, unknown>, token = dev.token) =>
    h.call('POST', `/api/v1/deployments/${id}/steps`, body, token);
  const paths = (res: { json(): { error: { details: { path: string }[] } } }) =>
    res.json().error.details.map((d) => d.path);
  /** A deployment taken through its steps; `failAt` fails that step instead. */
  const deploy = async (failAt?: string) => {
    const id = (await start()).json().id as string;
    for (const step of STEPS) {
      const failed = step === failAt;
      const res = await report(id, {
        step,
        status: failed ? 'failed' : 'succeeded',
        error: failed ? 'boom' : null,
      });
      expect(res.statusCode, res.body).toBe(200);
      if (failed) break;
    }
    return id;
  };

  it('runs build → test → stage → prod, storing each step, its duration and the run', async () => {
    const started = await start({ url: 'https://ci.example.com/runs/7' });
    expect(started.statusCode, started.body).toBe(201);
    const d = started.json();
    expect(d).toMatchObject({ pod: 'ratio', version: 'v1.2.3', status: 'running', finishedAt: null });
    expect(d.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual(
      STEPS.map((s) => [s, 'pending']),
    );

    // Out of order: prod before stage (and everything before it) succeeded.
    const early = await report(d.id, { step: 'prod', status: 'succeeded' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.message).toContain('before "build" succeeded');
    expect(early.json().error.message).toContain('build → test → stage → prod');

    expect((await report(d.id, { step: 'build', status: 'running' })).statusCode).toBe(200);
    h.clock.advance(90_000);
    const built = await report(d.id, { step: 'build', status: 'succeeded', url: 'https://ci.example.com/b' });
    expect(built.json().steps[0]).toMatchObject({
      name: 'build',
      status: 'succeeded',
      startedAt: '2026-03-02T09:00:00.000Z',
      finishedAt: '2026-03-02T09:01:30.000Z',
      durationSeconds: 90,
      url: 'https://ci.example.com/b',
    });
    // A repeated report changes nothing.
    const again = await report(d.id, { step: 'build', status: 'succeeded' });
    expect(again.statusCode).toBe(200);
    expect(again.json().steps[0].finishedAt).toBe('2026-03-02T09:01:30.000Z');
    // …but a finished step does not go back.
    expect((await report(d.id, { step: 'build', status: 'running' })).statusCode).toBe(409);
    expect((await report(d.id, { step: 'stage', status: 'running' })).json().error.message).toContain(
      'before "test" succeeded',
    );

    // Times given by CI win over the clock.
    const tested = await report(d.id, {
      step: 'test',
      status: 'succeeded',
      startedAt: '2026-03-02T09:01:30.000Z',
      finishedAt: '2026-03-02T09:05:30.000Z',
    });
    expect(tested.json().steps[1]).toMatchObject({ status: 'succeeded', durationSeconds: 240 });
    h.clock.advance(60_000);
    await report(d.id, { step: 'stage', status: 'succeeded' });
    h.clock.advance(60_000);
    const done = await report(d.id, { step: 'prod', status: 'succeeded' });
    expect(done.json()).toMatchObject({
      status: 'succeeded',
      finishedAt: '2026-03-02T09:03:30.000Z',
      durationSeconds: 210,
    });
    expect(done.json().steps.every((s: { status: string }) => s.status === 'succeeded')).toBe(true);

    // The deployment is a workflow run with its four steps.
    const run = await h.call('GET', `/api/v1/workflows/runs/${d.runId}`, undefined, dev.token);
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({
      workflow: 'deployment',
      key: `deployment:${d.id}`,
      status: 'succeeded',
    });
    expect(run.json().steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual(
      STEPS.map((s) => [s, 'succeeded']),
    );
    const runs = await h.call('GET', '/api/v1/workflows/runs?workflow=deployment&pod=ratio');
    expect(runs.json().items.map((r: { id: string }) => r.id)).toEqual([d.runId]);

    // Finished: reports other than a repeat of the last one are refused.
    expect((await report(d.id, { step: 'prod', status: 'succeeded' })).statusCode).toBe(200);
    const late = await report(d.id, { step: 'prod', status: 'failed' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.message).toContain('already succeeded');

    const audit = (action: string) => h.call('GET', `/api/v1/audit?action=${action}`);
    expect((await audit('deployment.started')).json().items).toHaveLength(1);
    expect((await audit('deployment.step_reported')).json().items).toHaveLength(5);
    expect((await audit('deployment.finished')).json().items[0].after).toMatchObject({
      status: 'succeeded',
      version: 'v1.2.3',
    });
    expect(await h.drain()).toBeGreaterThanOrEqual(0);
  });

  it('a failed step fails the deployment and its run, and skips the rest', async () => {
    const id = (await start()).json().id;
    await report(id, { step: 'build', status: 'succeeded' });
    await report(id, { step: 'test', status: 'running' });
    h.clock.advance(30_000);
    const failed = await report(id, { step: 'test', status: 'failed', error: '3 tests failed' });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({ status: 'failed', finishedAt: '2026-03-02T09:00:30.000Z' });
    expect(failed.json().steps.map((s: { status: string }) => s.status)).toEqual([
      'succeeded',
      'failed',
      'skipped',
      'skipped',
    ]);
    expect(failed.json().steps[1]).toMatchObject({ error: '3 tests failed', durationSeconds: 30 });

    const run = (await h.call('GET', `/api/v1/workflows/runs/${failed.json().runId}`)).json();
    expect(run).toMatchObject({ status: 'failed', error: 'test: 3 tests failed' });
    const finished = (await h.call('GET', '/api/v1/audit?action=deployment.finished')).json().items;
    expect(finished).toHaveLength(1);
    expect(finished[0].after).toMatchObject({
      status: 'failed',
      failedStep: 'test',
      error: '3 tests failed',
    });

    // Repeating the failure is harmless; anything else is refused.
    expect((await report(id, { step: 'test', status: 'failed', error: '3 tests failed' })).statusCode).toBe(
      200,
    );
    const after = await report(id, { step: 'stage', status: 'running' });
    expect(after.statusCode).toBe(409);
    expect(after.json().error.message).toContain('deployment already failed');
    expect((await h.call('GET', '/api/v1/audit?action=deployment.finished')).json().items).toHaveLength(1);
  });

  it('lists by pod and status, and counts finished deployments over a window', async () => {
    const old = await deploy('build');
    h.clock.advance(8 * 86_400_000);
    await deploy();
    const failed = await deploy('prod');
    const running = (await start()).json().id;
    await start({ pod: 'atlas' });

    const list = (q: string) =>
      h
        .call('GET', `/api/v1/deployments${q}`, undefined, dev.token)
        .then((r) => r.json().items.map((d: { id: string }) => d.id));
    expect(await list('?pod=ratio&status=failed')).toEqual([failed, old]);
    expect(await list('?status=running&pod=ratio')).toEqual([running]);
    expect(await list('')).toHaveLength(5);
    const page = (await h.call('GET', '/api/v1/deployments?limit=2')).json();
    const next = (await h.call('GET', `/api/v1/deployments?limit=2&cursor=${page.nextCursor}`)).json();
    expect(new Set([...page.items, ...next.items].map((d: { id: string }) => d.id)).size).toBe(4);

    const stats = await h.call('GET', '/api/v1/pods/ratio/deployments/stats', undefined, dev.token);
    expect(stats.json()).toEqual({
      pod: 'ratio',
      days: 7,
      total: 2,
      succeeded: 1,
      failed: 1,
      successRate: 0.5,
      meanDurationSeconds: 0,
    });
    expect((await h.call('GET', '/api/v1/pods/ratio/deployments/stats?days=30')).json()).toMatchObject({
      total: 3,
      failed: 2,
      successRate: 0.3333,
    });
    expect((await h.call('GET', '/api/v1/pods/atlas/deployments/stats')).json()).toMatchObject({
      total: 0,
      successRate: null,
      meanDurationSeconds: null,
    });
    const zero = await h.call('GET', '/api/v1/pods/ratio/deployments/stats?days=0');
    expect(zero.statusCode).toBe(400);
    expect(paths(zero)).toEqual(['querystring.days']);
    expect((await h.call('GET', '/api/v1/pods/nope/deployments/stats')).statusCode).toBe(404);

    const one = (await h.call('GET', `/api/v1/deployments/${failed}`, undefined, dev.token)).json();
    expect(one.steps.map((s: { status: string }) => s.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'failed',
    ]);
  });

  it("feeds the pod's health when no deployment success rate is given", async () => {
    await deploy();
    await deploy();
    await deploy();
    await deploy('stage');
    const derived = await h.call('POST', '/api/v1/pods/ratio/health', { metrics: { velocity: 1 } });
    expect(derived.statusCode, derived.body).toBe(201);
    expect(derived.json().metrics).toEqual({ velocity: 1, deploymentSuccess: 0.75 });
    // 0.25 × 1 + 0.2 × 0.75 over weights 0.45
    expect(derived.json().score).toBe(89);
    const given = await h.call('POST', '/api/v1/pods/ratio/health', {
      metrics: { velocity: 1, deploymentSuccess: 1 },
    });
    expect(given.json().metrics.deploymentSuccess).toBe(1);
    // A pod that has not deployed is not judged on deployments.
    const none = await h.call('POST', '/api/v1/pods/atlas/health', { metrics: { velocity: 1 } });
    expect(none.json().metrics).toEqual({ velocity: 1 });
  });

  it('refuses bad input with 400 naming each field, and changes nothing', async () => {
    const empty = await h.call('POST', '/api/v1/deployments', {}, dev.token);
    expect(empty.statusCode).toBe(400);
    expect(paths(empty)).toEqual(expect.arrayContaining(['body.pod', 'body.version']));
    const bad = await start({ version: '  ', url: 'javascript:alert(1)', extra: 1 });
    expect(bad.statusCode).toBe(400);
    expect(paths(bad)).toEqual(expect.arrayContaining(['body.version', 'body.url']));
    const project = await start({ projectId: '00000000-0000-4000-8000-000000000000' });
    expect(project.statusCode).toBe(400);
    expect(paths(project)).toEqual(['body.projectId']);
    expect((await start({ pod: 'nope' })).statusCode).toBe(404);

    const id = (await start()).json().id;
    const step = await report(id, { step: 'deploy', status: 'done' });
    expect(step.statusCode).toBe(400);
    expect(paths(step)).toEqual(expect.arrayContaining(['body.step', 'body.status']));
    const times = await report(id, { step: 'build', status: 'running', startedAt: 'yesterday' });
    expect(paths(times)).toEqual(['body.startedAt']);
    const runningWithEnd = await report(id, {
      step: 'build',
      status: 'running',
      finishedAt: '2026-03-02T09:00:00Z',
    });
    expect(runningWithEnd.statusCode).toBe(400);
    expect(paths(runningWithEnd)).toEqual(['body.finishedAt']);
    const backwards = await report(id, {
      step: 'build',
      status: 'succeeded',
      startedAt: '2026-03-02T09:00:00Z',
      finishedAt: '2026-03-02T08:59:00Z',
    });
    expect(backwards.statusCode).toBe(400);
    expect(paths(backwards)).toEqual(['body.finishedAt']);
    expect(
      (await report('00000000-0000-4000-8000-000000000000', { step: 'build', status: 'running' })).statusCode,
    ).toBe(404);
    expect((await h.call('GET', '/api/v1/deployments/not-a-uuid')).statusCode).toBe(400);

    const d = (await h.call('GET', `/api/v1/deployments/${id}`)).json();
    expect(d.steps.every((s: { status: string }) => s.status === 'pending')).toBe(true);
    expect((await h.call('GET', '/api/v1/deployments')).json().items).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/audit?action=deployment.step_reported')).json().items).toHaveLength(
      0,
    );
  });

  it('needs projects:work on the pod to report, and read to look', async () => {
    const viewer = await h.userWithToken('viewer');
    const scoped = await h.userWithToken('developer', { pods: ['atlas'] });
    expect((await start({}, viewer.token)).statusCode).toBe(403);
    expect((await start({}, scoped.token)).statusCode).toBe(403);
    expect((await start({ pod: 'atlas' }, scoped.token)).statusCode).toBe(201);
    const id = (await start()).json().id;
    expect((await report(id, { step: 'build', status: 'running' }, viewer.token)).statusCode).toBe(403);
    expect((await report(id, { step: 'build', status: 'running' }, scoped.token)).statusCode).toBe(403);
    expect((await h.call('GET', `/api/v1/deployments/${id}`, undefined, viewer.token)).statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/deployments', undefined, viewer.token)).statusCode).toBe(200);
    expect(
      (await h.call('GET', '/api/v1/pods/ratio/deployments/stats', undefined, viewer.token)).statusCode,
    ).toBe(200);
    expect((await h.call('GET', '/api/v1/deployments', undefined, null)).statusCode).toBe(401);
  });
});
