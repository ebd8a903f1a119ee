import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

const HOUR = 3_600_000;
// No evidence and no approvals needed: these tests are about counting moves, not about gates.
const OPEN_GATE = { evidence: { type: 'object' }, approvals: { count: 0 } };
const POLICY = {
  stages: [{ name: 'inception' }, { name: 'build', gate: OPEN_GATE }, { name: 'ship', gate: OPEN_GATE }],
  wip: {
    types: [
      { name: 'project', defaultLimit: 2 },
      { name: 'pull-request', defaultLimit: 3 },
    ],
  },
};
const TOP_SCORES = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
const DASHBOARD = ['overview', 'funnel', 'wip', 'pods', 'ideas'].map((view) => `/api/v1/dashboard/${view}`);

describe.each(testEngines())('dashboard on %s', (engine) => {
  let h: Harness;
  const pods: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness(engine, POLICY, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    // The relay may still be dispatching the last test's events: TRUNCATE beside it can deadlock.
    await h.drain();
    await h.reset();
    for (const [slug, name] of [
      ['ratio', 'Ratio'],
      ['atlas', 'Atlas'],
      ['zephyr', 'Zephyr'],
    ] as const)
      pods[slug] = (await h.call('POST', '/api/v1/pods', { slug, name, timezone: 'UTC' })).json().id;
  });

  const ok = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await h.call(method, url, body, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const get = (url: string, token?: string) => ok('GET', url, undefined, token);
  const project = async (pod: string) => (await ok('POST', '/api/v1/projects', { name: `p-${pod}`, pod })).id;
  const advance = (id: string) => ok('POST', `/api/v1/projects/${id}/advance`);
  const idea = async (title: string) => (await ok('POST', '/api/v1/ideas', { title })).id;
  const evaluate = (id: string, token = ADMIN_TOKEN) =>
    ok('POST', `/api/v1/ideas/${id}/evaluations`, { scores: TOP_SCORES }, token);
  const health = async (pod: string, velocity: number) =>
    (await ok('POST', `/api/v1/pods/${pod}/health`, { metrics: { velocity } })).score as number;
  const deploy = async (pod: string, last: 'succeeded' | 'failed') => {
    const { id } = await ok('POST', '/api/v1/deployments', { pod, version: 'v1' });
    for (const step of ['build', 'test', 'stage'])
      await ok('POST', `/api/v1/deployments/${id}/steps`, { step, status: 'succeeded' });
    await ok('POST', `/api/v1/deployments/${id}/steps`, { step: 'prod', status: last, error: 'boom' });
  };

  /**
   * Last week (Wednesday 25 Feb): two ratio projects move on and one ships; idea A is submitted and
   * evaluated. This week (Monday 2 March, the harness's clock): more projects, WIP, ideas, health,
   * deployments and a refused project that opens an alert.
   */
  async function company() {
    const dev = await h.userWithToken('developer');
    h.clock.set('2026-02-25T10:00:00.000Z');
    const p1 = await project('ratio');
    const p2 = await project('ratio');
    const ideaA = await idea('Idea A');
    await evaluate(ideaA);
    const ratioEarlier = await health('ratio', 0.2);
    h.clock.advance(10 * HOUR);
    await advance(p1); // 10 h in inception
    h.clock.advance(2 * HOUR);
    await advance(p2); // 12 h in inception; stays in build
    h.clock.advance(18 * HOUR);
    await advance(p1); // 20 h in build
    h.clock.advance(5 * HOUR);
    await ok('POST', `/api/v1/projects/${p1}/close`, { outcome: 'shipped' }); // 5 h in ship

    h.clock.set('2026-03-02T09:00:00.000Z');
    await project('ratio'); // ratio's project cell: p2 and this one, 2 of 2
    const p4 = await project('atlas');
    const p5 = await project('atlas');
    await ok('POST', `/api/v1/projects/${p5}/close`, { outcome: 'cancelled', reason: 'duplicate' });
    await ok('POST', `/api/v1/projects/${p4}/block`, { reason: 'waiting on legal' });
    const ideaB = await idea('Idea B');
    h.clock.advance(60_000); // newest first needs distinct times
    const ideaC = await idea('Idea C');
    await evaluate(ideaB);
    await evaluate(ideaB, dev.token);
    await evaluate(ideaA, dev.token);
    await ok('POST', `/api/v1/ideas/${ideaB}/promote`, { pod: 'atlas' }); // atlas's project cell: 2 of 2
    await ok('POST', `/api/v1/ideas/${ideaC}/archive`, { reason: 'out of scope' });
    await ok('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 4 });
    await ok('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'pr-1' }, dev.token);
    await ok('POST', '/api/v1/pods/atlas/wip/pull-request/locks', { itemId: 'pr-2' }, dev.token);
    const refused = await h.call('POST', '/api/v1/projects', { name: 'one too many', pod: 'ratio' });
    expect(refused.statusCode).toBe(409);
    await deploy('ratio', 'succeeded');
    await deploy('atlas', 'failed');
    await ok('POST', '/api/v1/deployments', { pod: 'atlas', version: 'v2' }); // still running
    const scores = { ratio: await health('ratio', 0.9), atlas: await health('atlas', 0.6) };
    expect(scores.ratio).not.toBe(ratioEarlier);
    await h.drain();
    return { scores };
  }

  it('has zero and null figures before anything happened', async () => {
    expect(await get('/api/v1/dashboard/overview')).toEqual({
      projectsPerStage: [
        { stage: 'inception', count: 0 },
        { stage: 'build', count: 0 },
        { stage: 'ship', count: 0 },
      ],
      blockedProjects: 0,
      wip: { used: 0, limit: 15, utilisation: 0, fullCells: 0 },
      ideas: {
        weekStart: '2026-03-02T00:00:00.000Z',
        submittedThisWeek: 0,
        evaluatedThisWeek: 0,
        pending: 0,
      },
      health: {
        mean: null,
        pods: [
          { id: pods.atlas, slug: 'atlas', name: 'Atlas', score: null },
          { id: pods.ratio, slug: 'ratio', name: 'Ratio', score: null },
          { id: pods.zephyr, slug: 'zephyr', name: 'Zephyr', score: null },
        ],
      },
      deployments: { successRate: null, finished: 0, windowDays: 7 },
      alerts: { open: 0, critical: 0 },
    });
    const funnel = await get('/api/v1/dashboard/funnel');
    expect(
      funnel.stages.map((s: { entered: number; conversion: null }) => [s.entered, s.conversion]),
    ).toEqual([
      [0, null],
      [0, null],
      [0, null],
    ]);
    expect(await get('/api/v1/dashboard/ideas')).toEqual({
      byStatus: { pending: 0, promoted: 0, archived: 0 },
      ideas: [],
    });
  });

  it('overview: projects per stage, blocked, WIP, ideas this week, health, deployments, alerts', async () => {
    const { scores } = await company();
    const overview = await get('/api/v1/dashboard/overview');
    expect(overview.projectsPerStage).toEqual([
      { stage: 'inception', count: 3 },
      { stage: 'build', count: 1 },
      { stage: 'ship', count: 0 },
    ]);
    expect(overview.blockedProjects).toBe(1);
    // Used: 2 projects + 1 PR in atlas and in ratio. Limits: atlas 2+3, ratio 2+4 (its own), zephyr 2+3.
    expect(overview.wip).toEqual({ used: 6, limit: 16, utilisation: 0.375, fullCells: 2 });
    // Idea A (last week) is not counted, nor its evaluation last week; its evaluation this week is.
    expect(overview.ideas).toEqual({
      weekStart: '2026-03-02T00:00:00.000Z',
      submittedThisWeek: 2,
      evaluatedThisWeek: 3,
      pending: 1,
    });
    expect(overview.health).toEqual({
      mean: Math.round(((scores.ratio + scores.atlas) / 2) * 100) / 100,
      pods: [
        { id: pods.atlas, slug: 'atlas', name: 'Atlas', score: scores.atlas },
        { id: pods.ratio, slug: 'ratio', name: 'Ratio', score: scores.ratio },
        { id: pods.zephyr, slug: 'zephyr', name: 'Zephyr', score: null },
      ],
    });
    expect(overview.deployments).toEqual({ successRate: 0.5, finished: 2, windowDays: 7 });
    // The figures agree with the alerts list: the refused project opened one.
    const open = (await get('/api/v1/alerts?status=open&limit=200')).items as { severity: string }[];
    expect(open.length).toBeGreaterThan(0);
    expect(overview.alerts).toEqual({
      open: open.length,
      critical: open.filter((a) => a.severity === 'critical').length,
    });

    // Deployments leave the window as time passes.
    h.clock.advance(8 * 24 * HOUR);
    expect((await get('/api/v1/dashboard/overview')).deployments).toEqual({
      successRate: null,
      finished: 0,
      windowDays: 7,
    });
  });

  it('funnel: current, entered, conversion and median hours per stage, and closed projects', async () => {
    await company();
    expect(await get('/api/v1/dashboard/funnel')).toEqual({
      stages: [
        // Six projects were created; two moved on. Completed stays: 10 h and 12 h.
        { stage: 'inception', current: 3, entered: 6, conversion: 0.3333, medianHoursInStage: 11 },
        { stage: 'build', current: 1, entered: 2, conversion: 0.5, medianHoursInStage: 20 },
        // The shipped project's stay ended when it shipped.
        { stage: 'ship', current: 0, entered: 1, conversion: null, medianHoursInStage: 5 },
      ],
      closed: { shipped: 1, cancelled: 1 },
    });
  });

  it('funnel: two moves within one clock tick are ordered by stage, not by chance', async () => {
    const id = await project('ratio');
    h.clock.advance(HOUR);
    await advance(id);
    await advance(id); // same instant: 0 h in build
    const funnel = await get('/api/v1/dashboard/funnel');
    expect(funnel.stages.map((s: { medianHoursInStage: number | null }) => s.medianHoursInStage)).toEqual([
      1,
      0,
      null,
    ]);
  });

  it('wip: every pod × item type with the limit in force', async () => {
    await company();
    expect(await get('/api/v1/dashboard/wip')).toEqual({
      types: ['project', 'pull-request'],
      pods: [
        {
          id: pods.atlas,
          slug: 'atlas',
          name: 'Atlas',
          cells: [
            { itemType: 'project', used: 2, limit: 2, utilisation: 1 },
            { itemType: 'pull-request', used: 1, limit: 3, utilisation: 0.3333 },
          ],
        },
        {
          id: pods.ratio,
          slug: 'ratio',
          name: 'Ratio',
          cells: [
            { itemType: 'project', used: 2, limit: 2, utilisation: 1 },
            { itemType: 'pull-request', used: 1, limit: 4, utilisation: 0.25 },
          ],
        },
        {
          id: pods.zephyr,
          slug: 'zephyr',
          name: 'Zephyr',
          cells: [
            { itemType: 'project', used: 0, limit: 2, utilisation: 0 },
            { itemType: 'pull-request', used: 0, limit: 3, utilisation: 0 },
          ],
        },
      ],
    });
    // A zero limit has no utilisation, and a limit lowered below usage shows above 1.
    await ok('PUT', '/api/v1/pods/zephyr/wip-limits/project', { limit: 0 });
    await ok('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 1 });
    const wip = await get('/api/v1/dashboard/wip');
    expect(wip.pods[1].cells[0]).toEqual({ itemType: 'project', used: 2, limit: 1, utilisation: 2 });
    expect(wip.pods[2].cells[0]).toEqual({ itemType: 'project', used: 0, limit: 0, utilisation: null });
  });

  it('pods: each pod’s members, latest health and WIP cells, as its status answers them', async () => {
    await company();
    for (const [i, email] of ['kim@example.com', 'lou@example.com'].entries()) {
      await ok('POST', '/api/v1/users', { email, name: `Member ${i}`, role: 'developer' });
      await ok('POST', '/api/v1/pods/ratio/members', { email, podRole: 'member' });
    }
    await ok('POST', '/api/v1/pods/ratio/rotate', { email: 'lou@example.com', toPod: 'atlas' });
    const summaries = await get('/api/v1/dashboard/pods');
    expect(summaries.types).toEqual(['project', 'pull-request']);
    expect(summaries.pods.map((p: { slug: string }) => p.slug)).toEqual(['atlas', 'ratio', 'zephyr']);
    // One answer must say what one status request per pod says.
    for (const summary of summaries.pods) {
      const status = await get(`/api/v1/pods/${summary.slug}/status`);
      expect(summary.members, summary.slug).toBe(status.members.length);
      expect(summary.health, summary.slug).toBe(status.health?.score ?? null);
      expect(
        summary.cells.map((c: { itemType: string; used: number; limit: number }) => [
          c.itemType,
          c.used,
          c.limit,
        ]),
      ).toEqual(
        status.wip.map((c: { itemType: string; used: number; limit: number }) => [
          c.itemType,
          c.used,
          c.limit,
        ]),
      );
    }
    expect(summaries.pods.find((p: { slug: string }) => p.slug === 'atlas').members).toBe(1);
    expect(summaries.pods.find((p: { slug: string }) => p.slug === 'ratio').members).toBe(1);
    expect(summaries.pods.find((p: { slug: string }) => p.slug === 'zephyr').health).toBeNull();
  });

  it('ideas: counts by status and the newest ideas with their scores', async () => {
    await company();
    const pipeline = await get('/api/v1/dashboard/ideas');
    expect(pipeline.byStatus).toEqual({ pending: 1, promoted: 1, archived: 1 });
    expect(pipeline.ideas.map((i: { title: string }) => i.title)).toEqual(['Idea C', 'Idea B', 'Idea A']);
    expect(pipeline.ideas[1]).toMatchObject({ status: 'promoted', score: 5, evaluations: 2 });
    expect(pipeline.ideas[2]).toMatchObject({
      status: 'pending',
      score: 5,
      evaluations: 2,
      createdAt: '2026-02-25T10:00:00.000Z',
    });
    expect(pipeline.ideas[0]).toMatchObject({ status: 'archived', score: null, evaluations: 0 });
    // A promoted idea names the project it became; the others none.
    const promoted = await get(`/api/v1/ideas/${pipeline.ideas[1].id}`);
    expect(pipeline.ideas[1].projectId).toBe(promoted.promotedToProjectId);
    expect(pipeline.ideas[1].projectId).toEqual(expect.any(String));
    expect(pipeline.ideas[0].projectId).toBeNull();
    expect(pipeline.ideas[2].projectId).toBeNull();
  });

  it('any role may read the dashboard; without a token it answers 401', async () => {
    const viewer = await h.userWithToken('viewer');
    for (const url of DASHBOARD) {
      expect((await h.call('GET', url, undefined, viewer.token)).statusCode, url).toBe(200);
      const anonymous = await h.call('GET', url, undefined, null);
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().error.code).toBe('unauthorized');
    }
  });

  describe('/api/v1/me', () => {
    const tokenIdOf = async (token: string) =>
      ((await get('/api/v1/tokens?limit=200')).items as { id: string; prefix: string }[]).find((t) =>
        token.startsWith(t.prefix),
      )!.id;

    it('tells an admin who they are and that they may do everything', async () => {
      const me = await get('/api/v1/me');
      expect(me).toEqual({
        user: { id: expect.any(String), email: 'admin@example.com', name: expect.any(String), role: 'admin' },
        tokenId: await tokenIdOf(ADMIN_TOKEN),
        role: 'admin',
        pods: [],
        permissions: [
          'read',
          'pods:create',
          'pods:manage',
          'projects:manage',
          'projects:work',
          'gates:approve',
          'wip:use',
          'ideas:contribute',
          'ideas:decide',
          'users:manage',
          'tokens:manage',
          'webhooks:manage',
          'reports:read',
          'metrics:read',
          'backups:create',
        ],
        session: null,
      });
    });

    it("lists a pod-lead token's pods and a pod-lead's permissions", async () => {
      const lead = await h.userWithToken('pod-lead', { pods: ['ratio', 'atlas'] });
      const me = await get('/api/v1/me', lead.token);
      expect(me).toEqual({
        user: { id: lead.userId, email: lead.email, name: expect.any(String), role: 'pod-lead' },
        tokenId: await tokenIdOf(lead.token),
        role: 'pod-lead',
        pods: [
          { id: pods.atlas, slug: 'atlas', name: 'Atlas' },
          { id: pods.ratio, slug: 'ratio', name: 'Ratio' },
        ],
        permissions: [
          'read',
          'pods:manage',
          'projects:manage',
          'projects:work',
          'gates:approve',
          'wip:use',
          'ideas:contribute',
          'ideas:decide',
          'metrics:read',
        ],
        session: null,
      });
    });

    it('gives a viewer read only, and refuses a missing or unknown token', async () => {
      const viewer = await h.userWithToken('viewer');
      expect(await get('/api/v1/me', viewer.token)).toMatchObject({
        user: { id: viewer.userId, email: viewer.email, role: 'viewer' },
        role: 'viewer',
        pods: [],
        permissions: ['read'],
      });
      expect((await h.call('GET', '/api/v1/me', undefined, null)).statusCode).toBe(401);
      expect((await h.call('GET', '/api/v1/me', undefined, 'clos_not_a_token')).statusCode).toBe(401);
    });
  });
});

// Gates at a glance (issue 14): a gate that needs evidence and two approvals, then an open one.
const GATED_POLICY = {
  stages: [
    { name: 'inception' },
    {
      name: 'build',
      gate: {
        evidence: {
          type: 'object',
          required: ['spec'],
          properties: { spec: { type: 'string', minLength: 3 } },
        },
        approvals: { count: 2, roles: ['admin', 'pod-lead'] },
      },
    },
    { name: 'ship', gate: OPEN_GATE },
  ],
  wip: { types: [{ name: 'project', defaultLimit: 10 }] },
};

describe.each(testEngines())('dashboard gates on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, GATED_POLICY);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    for (const slug of ['ratio', 'atlas'])
      await h.call('POST', '/api/v1/pods', { slug, name: slug.toUpperCase(), timezone: 'UTC' });
  });

  const ok = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await h.call(method, url, body, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const project = async (name: string, pod: string) =>
    (await ok('POST', '/api/v1/projects', { name, pod })).id;
  const evidence = (id: string, spec: string) =>
    ok('POST', `/api/v1/projects/${id}/evidence`, { evidence: { spec } });
  const approve = (id: string, token?: string) =>
    ok('POST', `/api/v1/projects/${id}/approvals`, { decision: 'approve' }, token);

  it('reduces each open project’s next gate to ready, unmet, awaiting approvals, blocked or last', async () => {
    const other = await h.userWithToken('admin');
    h.clock.set('2026-03-02T09:00:00.000Z');
    const missing = await project('Missing all', 'ratio');
    const invalid = await project('Invalid evidence', 'ratio');
    await evidence(invalid, 'no'); // too short: the evidence criterion stays unmet
    h.clock.advance(HOUR);
    const awaiting = await project('One approval short', 'ratio');
    await evidence(awaiting, 'the spec');
    await approve(awaiting);
    await approve(awaiting); // the same user twice counts once
    const ready = await project('Ready to go', 'atlas');
    await evidence(ready, 'the spec');
    await approve(ready);
    await approve(ready, other.token);
    const blocked = await project('Held up', 'atlas');
    await ok('POST', `/api/v1/projects/${blocked}/block`, { reason: 'waiting on legal' });
    const last = await project('Nearly shipped', 'atlas');
    await evidence(last, 'the spec');
    await approve(last);
    await approve(last, other.token);
    await ok('POST', `/api/v1/projects/${last}/advance`);
    await ok('POST', `/api/v1/projects/${last}/advance`);
    const closed = await project('Gone', 'atlas');
    await ok('POST', `/api/v1/projects/${closed}/close`, { outcome: 'cancelled', reason: 'duplicate' });
    h.clock.set('2026-03-05T21:00:00.000Z'); // 3.5 days after the first ones

    const { items } = await ok('GET', '/api/v1/dashboard/gates');
    const byId = new Map(items.map((i: { projectId: string }) => [i.projectId, i]));
    expect(items).toHaveLength(6);
    expect(byId.has(closed)).toBe(false);
    expect(byId.get(missing)).toMatchObject({
      name: 'Missing all',
      currentStage: 'inception',
      nextStage: 'build',
      state: 'unmet',
      awaitingApprovals: 2,
      daysInStage: 3,
      stageEnteredAt: '2026-03-02T09:00:00.000Z',
    });
    expect(byId.get(invalid)).toMatchObject({ state: 'unmet', awaitingApprovals: 2 });
    // The unmet count is the project's own gate's, criterion by criterion.
    for (const id of [missing, invalid, awaiting, ready]) {
      const gate = await ok('GET', `/api/v1/projects/${id}/gate`);
      expect(byId.get(id)).toMatchObject({
        unmet: gate.criteria.filter((c: { met: boolean }) => !c.met).length,
      });
    }
    expect(byId.get(awaiting)).toMatchObject({ state: 'awaiting', unmet: 1, awaitingApprovals: 1 });
    expect(byId.get(ready)).toMatchObject({ state: 'ready', unmet: 0, awaitingApprovals: 0 });
    expect(byId.get(blocked)).toMatchObject({
      state: 'blocked',
      nextStage: 'build',
      blockedReason: 'waiting on legal',
    });
    expect(byId.get(last)).toMatchObject({
      state: 'last',
      currentStage: 'ship',
      nextStage: null,
      daysInStage: 3,
    });
    // Longest in stage first.
    expect(
      items
        .map((i: { name: string }) => i.name)
        .slice(0, 2)
        .sort(),
    ).toEqual(['Invalid evidence', 'Missing all']);
  });

  it('answers for one pod, 404 for an unknown pod, and agrees with each project’s own gate', async () => {
    const a = await project('A', 'atlas');
    await evidence(a, 'the spec');
    await approve(a);
    await project('B', 'ratio');
    const { items } = await ok('GET', '/api/v1/dashboard/gates?pod=atlas');
    expect(items.map((i: { name: string }) => i.name)).toEqual(['A']);
    const gate = await ok('GET', `/api/v1/projects/${a}/gate`);
    expect(items[0].unmet).toBe(gate.criteria.filter((c: { met: boolean }) => !c.met).length);
    expect(items[0].state).toBe(gate.ready ? 'ready' : 'awaiting');
    const unknown = await h.call('GET', '/api/v1/dashboard/gates?pod=nope');
    expect(unknown.statusCode).toBe(404);
    const viewer = await h.userWithToken('viewer');
    expect((await h.call('GET', '/api/v1/dashboard/gates', undefined, viewer.token)).statusCode).toBe(200);
  });
});
