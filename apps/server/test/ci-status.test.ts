import { InvalidInputError, SYSTEM_ACTOR } from '@clos/core';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

describe.each(testEngines())('CI statuses on projects on %s', (engine) => {
  let h: Harness;
  let dev: { token: string; userId: string; email: string };
  let projectId: string;
  const statuses = () => `/api/v1/projects/${projectId}/ci-statuses`;
  const report = (body: unknown, token = dev.token) => h.call('POST', statuses(), body, token);

  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' });
    dev = await h.userWithToken('developer', { pods: ['ratio'] });
    projectId = (await h.call('POST', '/api/v1/projects', { name: 'Checkout', pod: 'ratio' })).json().id;
  });

  it('records a status, audited, with the context defaulting to "ci"', async () => {
    const res = await report({ status: 'running', url: 'https://github.com/acme/web/actions/runs/1' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(String),
      projectId,
      status: 'running',
      url: 'https://github.com/acme/web/actions/runs/1',
      context: 'ci',
      reportedBy: dev.userId,
      createdAt: h.clock.now().toISOString(),
    });
    const audit = (await h.call('GET', '/api/v1/audit?action=project.ci_status')).json().items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      subjectType: 'project',
      subjectId: projectId,
      actorId: dev.userId,
      after: { status: 'running', url: 'https://github.com/acme/web/actions/runs/1', context: 'ci' },
    });
    expect((await h.call('GET', '/api/v1/audit/verify')).json().ok).toBe(true);
  });

  it('lists every report newest first, and shows the newest per context on the project', async () => {
    const sent = [
      { status: 'running', context: 'build' },
      { status: 'running', context: 'e2e' },
      { status: 'failed', context: 'build', url: 'https://ci.example.com/1' },
      { status: 'passed', context: 'build', url: 'https://ci.example.com/2' },
      { status: 'passed' },
    ];
    const ids: string[] = [];
    for (const body of sent) {
      h.clock.advance(1000);
      const res = await report(body);
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }

    const all = (await h.call('GET', statuses(), undefined, dev.token)).json();
    expect(all.items.map((s: { id: string }) => s.id)).toEqual([...ids].reverse());
    expect(all.nextCursor).toBeNull();

    const first = (await h.call('GET', `${statuses()}?limit=2&context=build`)).json();
    expect(first.items.map((s: { id: string }) => s.id)).toEqual([ids[3], ids[2]]);
    const second = (
      await h.call(
        'GET',
        `${statuses()}?limit=2&context=build&cursor=${encodeURIComponent(first.nextCursor)}`,
      )
    ).json();
    expect(second.items.map((s: { id: string }) => s.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();

    const project = (await h.call('GET', `/api/v1/projects/${projectId}`, undefined, dev.token)).json();
    expect(project.ciStatus.map((s: { context: string; status: string }) => [s.context, s.status])).toEqual([
      ['ci', 'passed'],
      ['build', 'passed'],
      ['e2e', 'running'],
    ]);
  });

  it('refuses bad input, naming each field', async () => {
    const res = await report({ status: 'green', url: 'javascript:alert(1)', context: '  ', colour: 'red' });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['body.colour', 'body.context', 'body.status', 'body.url']);
    expect((await report({})).json().error.details.map((d: { path: string }) => d.path)).toEqual([
      'body.status',
    ]);
    expect((await report({ status: 'passed', url: 'ftp://ci.example.com/1' })).statusCode).toBe(400);
    expect((await h.call('GET', `${statuses()}?limit=0`)).statusCode).toBe(400);
    expect((await h.call('GET', statuses())).json().items).toEqual([]);
  });

  it('needs projects:work on the project’s pod, and refuses closed and unknown projects', async () => {
    const viewer = await h.userWithToken('viewer');
    const viewed = await report({ status: 'passed' }, viewer.token);
    expect(viewed.statusCode).toBe(403);
    expect(viewed.json().error.details).toMatchObject({ permission: 'projects:work' });
    // A viewer may read them.
    expect((await h.call('GET', statuses(), undefined, viewer.token)).statusCode).toBe(200);

    const elsewhere = await h.userWithToken('developer', { pods: ['atlas'] });
    const scoped = await report({ status: 'passed' }, elsewhere.token);
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().error.message).toContain('ratio');

    await h.call('POST', `/api/v1/projects/${projectId}/close`, { outcome: 'cancelled', reason: 'dropped' });
    const closed = await report({ status: 'passed' });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error).toMatchObject({ code: 'conflict', details: { outcome: 'cancelled' } });

    const unknown = '7b1e4c1a-3f59-4a8e-9d0e-5a6f2b1c9d00';
    const posted = await h.call('POST', `/api/v1/projects/${unknown}/ci-statuses`, { status: 'passed' });
    expect(posted.statusCode).toBe(404);
    expect((await h.call('GET', `/api/v1/projects/${unknown}/ci-statuses`)).statusCode).toBe(404);

    expect((await h.call('GET', '/api/v1/audit?action=project.ci_status')).json().items).toEqual([]);
    expect((await h.database.query('select count(*)::int as n from project_ci_statuses'))[0]).toEqual({
      n: 0,
    });
  });

  it('checks its input in the use case too, for callers that bypass the HTTP schema', async () => {
    const ctx = { actor: SYSTEM_ACTOR, requestId: null };
    const bad = h.services.stages.recordCiStatus(ctx, projectId, {
      status: 'green' as 'passed',
      url: 'javascript:alert(1)',
      context: ' '.repeat(3),
    });
    await expect(bad).rejects.toBeInstanceOf(InvalidInputError);
    await expect(bad).rejects.toMatchObject({
      details: [
        { path: 'status', message: 'must be one of passed, failed, running' },
        { path: 'url', message: 'must be an http(s) URL' },
      ],
    });
    const stored = await h.services.stages.recordCiStatus(ctx, projectId, {
      status: 'failed',
      context: ' e2e ',
    });
    expect(stored).toMatchObject({ status: 'failed', url: null, context: 'e2e', reportedBy: null });
  });

  it('the database refuses a status the API does not know', async () => {
    await expect(
      h.database.query(
        `insert into project_ci_statuses (id, project_id, status, created_at) values (gen_random_uuid(), $1, 'green', now())`,
        [projectId],
      ),
    ).rejects.toThrow(/project_ci_statuses_status_check/);
  });
});
