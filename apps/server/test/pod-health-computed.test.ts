import { SYSTEM_ACTOR } from '@clos/core';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

// Gates that need no evidence and no approval; an admin may still decide, and refuse.
const OPEN_GATE = { evidence: { type: 'object' }, approvals: { count: 0, roles: ['admin'] } };
const POLICY = {
  stages: [{ name: 'inception' }, { name: 'build', gate: OPEN_GATE }, { name: 'ship', gate: OPEN_GATE }],
  wip: {
    types: [
      { name: 'project', defaultLimit: 3 },
      { name: 'pull-request', defaultLimit: 5 },
    ],
  },
  health: { cycleTimeTargetDays: 3 },
  rhythms: { daily: { enabled: false } },
};
const SYSTEM = { actor: SYSTEM_ACTOR, requestId: null };
const STEPS = ['build', 'test', 'stage', 'prod'];

describe.each(testEngines())('computed pod health on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, POLICY, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  const ok = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await h.call(method, url, body, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const at = (iso: string) => h.clock.set(iso);
  /** Moves the clock to `iso`, ticks the scheduler there and runs what it started. */
  const tickAt = async (iso: string) => {
    at(iso);
    const started = await h.runtime!.tick(new Date(iso));
    if (started.length) await h.drain();
    return started;
  };
  const member = async (
    slug: string,
    role: 'developer' | 'pod-lead',
    podRole: 'member' | 'lead' = 'member',
  ) => {
    const person = await h.userWithToken(role, role === 'pod-lead' ? { pods: [slug] } : {});
    await ok('POST', `/api/v1/pods/${slug}/members`, { email: person.email, podRole });
    return person;
  };
  const project = async (name: string) => (await ok('POST', '/api/v1/projects', { name, pod: 'atlas' })).id;
  const advance = (id: string) => ok('POST', `/api/v1/projects/${id}/advance`);
  const commit = async (iso: string, token: string, status?: 'done' | 'dropped') => {
    at(iso);
    const c = await ok('POST', '/api/v1/pods/atlas/commitments', { text: `work of ${iso}` }, token);
    if (status) await ok('PUT', `/api/v1/commitments/${c.id}`, { status }, token);
  };
  const deploy = async (iso: string, token: string, fail = false) => {
    at(iso);
    const d = await ok('POST', '/api/v1/deployments', { pod: 'atlas', version: iso }, token);
    for (const step of STEPS) {
      const failed = fail && step === 'stage';
      await ok(
        'POST',
        `/api/v1/deployments/${d.id}/steps`,
        {
          step,
          status: failed ? 'failed' : 'succeeded',
          error: failed ? 'boom' : null,
        },
        token,
      );
      if (failed) break;
    }
  };
  const snapshots = () =>
    h.database.query<{ source: string; score: number; recorded_by: string | null }>(
      'select source, score, recorded_by from pod_health_snapshots order by recorded_at',
    );

  /**
   * Two weeks of the pod "atlas" (UTC), told by the fake clock; the health is computed on Tuesday
   * 17 March 2026 at 06:00, so the window runs from 3 March 06:00 (commitments: 3–16 March).
   */
  async function history() {
    at('2026-02-16T09:00:00.000Z');
    await ok('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'UTC' });
    await ok('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    const lead = await member('atlas', 'pod-lead', 'lead');
    const ada = await member('atlas', 'developer');
    const alan = await member('atlas', 'developer');
    await member('atlas', 'developer'); // takes part in nothing

    // p4: its stay in inception ends before the window; it is cancelled inside it (not a completed stay).
    at('2026-02-20T10:00:00.000Z');
    const p4 = await project('p4');
    at('2026-02-25T10:00:00.000Z');
    await advance(p4);
    // Commitments: one before the window (ignored); in it 3 done, 1 dropped, 1 left open; one today.
    await commit('2026-03-02T09:30:00.000Z', ada.token, 'done');
    // p1: 3 days in inception, 4 in build, 7 in ship before it ships: three stays ending in the window.
    at('2026-03-02T10:00:00.000Z');
    const p1 = await project('p1');
    await commit('2026-03-03T09:30:00.000Z', ada.token, 'done');
    await commit('2026-03-04T09:30:00.000Z', alan.token, 'done');
    at('2026-03-05T10:00:00.000Z');
    await advance(p1);
    at('2026-03-06T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p4}/close`, { outcome: 'cancelled', reason: 'dropped' });
    // The week 11 demo opens (Monday 09:00): Ada presents, Alan gives feedback; it closes Friday 18:00.
    await tickAt('2026-03-09T09:00:00.000Z');
    at('2026-03-09T10:00:00.000Z');
    await advance(p1);
    // Older than alerts.deploymentWindowDays (7) at the computation: not counted.
    await deploy('2026-03-09T12:00:00.000Z', ada.token, true);
    await commit('2026-03-10T09:30:00.000Z', ada.token, 'done');
    // p2: 2 days in inception; blocked for 3 days at the computation.
    at('2026-03-10T10:00:00.000Z');
    const p2 = await project('p2');
    at('2026-03-10T12:00:00.000Z');
    const submission = await ok(
      'POST',
      '/api/v1/pods/atlas/demos/current/submissions',
      { title: 'Export' },
      ada.token,
    );
    // p3: refused at its gate; blocked for 1 day at the computation.
    at('2026-03-11T10:00:00.000Z');
    const p3 = await project('p3');
    await commit('2026-03-12T09:30:00.000Z', alan.token, 'dropped');
    at('2026-03-12T10:00:00.000Z');
    await advance(p2);
    await deploy('2026-03-12T12:00:00.000Z', ada.token);
    at('2026-03-13T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p3}/approvals`, { decision: 'reject', comment: 'no plan yet' });
    await deploy('2026-03-13T12:00:00.000Z', ada.token);
    await tickAt('2026-03-13T14:00:00.000Z');
    at('2026-03-13T15:00:00.000Z');
    await ok('POST', `/api/v1/demo-submissions/${submission.id}/feedback`, { score: 4 }, alan.token);
    await tickAt('2026-03-13T18:00:00.000Z');
    at('2026-03-14T06:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p2}/block`, { reason: 'waiting on legal' });
    await deploy('2026-03-15T12:00:00.000Z', ada.token, true);
    at('2026-03-16T06:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p3}/block`, { reason: 'no owner' });
    await commit('2026-03-16T09:30:00.000Z', lead.token);
    at('2026-03-16T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p1}/close`, { outcome: 'shipped' });
    // Five pull requests open at a limit of 5, then the limit is lowered to 4: 5 ÷ 4 = 1.25.
    at('2026-03-16T11:00:00.000Z');
    for (const pr of ['pr-1', 'pr-2', 'pr-3', 'pr-4', 'pr-5'])
      await ok('POST', '/api/v1/pods/atlas/wip/pull-request/locks', { itemId: pr }, ada.token);
    await ok('PUT', '/api/v1/pods/atlas/wip-limits/pull-request', { limit: 4 });
    await deploy('2026-03-16T12:00:00.000Z', ada.token);
    // Today's commitment is still being worked on: not counted.
    await commit('2026-03-17T05:00:00.000Z', ada.token);
    return { lead, ada };
  }

  it('computes every input from the pod’s data at health.computeAt, once a day', async () => {
    const { lead } = await history();
    expect(await snapshots()).toEqual([]);

    const started = await tickAt('2026-03-17T06:00:00.000Z');
    expect(started).toHaveLength(2); // one run per pod
    const items = (await ok('GET', '/api/v1/pods/atlas/health')).items;
    expect(items).toHaveLength(1);
    const [computed] = items;
    expect(computed).toMatchObject({
      source: 'computed',
      recordedBy: null,
      recordedAt: '2026-03-17T06:00:00.000Z',
    });
    expect(computed.metrics).toEqual({
      velocity: 0.6, // 3 done of 5 recorded on 3–16 March
      wipUtilisation: 1.25, // pull requests 5 ÷ 4 (projects: 2 ÷ 3)
      blockedItems: 2, // p2 and p3
      blockedDays: 2, // (3 + 1) ÷ 2
      cycleTimeDays: 4, // (3 + 4 + 7 + 2) ÷ 4 stays
      deploymentSuccess: 0.75, // 3 of the 4 finished in alerts.deploymentWindowDays (7)
      gateRefusals: 0.3333, // 1 refusal ÷ 3 projects at a gate (p1, p2, p3)
      demoParticipation: 0.5, // Ada and Alan of 4 members
    });
    expect(computed.components).toEqual({
      velocity: 0.6,
      wipUtilisation: 0.5,
      blockedItems: 0.6,
      cycleTime: 0.6667, // 1 − (4 − 3) ÷ 3
      deploymentSuccess: 0.75,
      blockedTime: 0.6,
      gateRefusals: 0.6667,
      demoParticipation: 0.5,
    });
    // (0.25·0.6 + 0.2·0.5 + 0.2·0.6 + 0.15·⅔ + 0.2·0.75 + 0.1·0.6 + 0.1·⅔ + 0.1·0.5) ÷ 1.3 = 61.3
    expect(computed.score).toBe(61);
    expect(computed.changes).toEqual([]);

    // The empty pod is measured by what it has: no WIP in use.
    const ratio = (await ok('GET', '/api/v1/pods/ratio/health')).items;
    expect(ratio.map((s: { metrics: unknown; score: number }) => [s.metrics, s.score])).toEqual([
      [{ wipUtilisation: 0 }, 100],
    ]);

    // Audited as the system, like a manual record.
    const audit = (await ok('GET', '/api/v1/audit?action=pod.health_updated')).items;
    expect(audit).toHaveLength(2);
    expect(audit.map((e: { actorLabel: string }) => e.actorLabel)).toEqual(['system', 'system']);

    // Ticking again, later the same day, or computing by hand, records nothing new.
    expect(await tickAt('2026-03-17T06:30:00.000Z')).toEqual([]);
    const again = await h.services.pods.computeHealth(SYSTEM, h.clock.now());
    expect(again.map((r) => [r.pod, r.status])).toEqual(
      expect.arrayContaining([
        ['atlas', 'skipped'],
        ['ratio', 'skipped'],
      ]),
    );
    expect(await snapshots()).toHaveLength(2);

    // A manual record is marked as such, and the history says what moved.
    const manual = await h.call(
      'POST',
      '/api/v1/pods/atlas/health',
      { metrics: { velocity: 0.9 } },
      lead.token,
    );
    expect(manual.statusCode).toBe(201);
    expect(manual.json()).toMatchObject({ source: 'manual', recordedBy: lead.userId });
    const latest = (await ok('GET', '/api/v1/pods/atlas/health')).items;
    expect(latest.map((s: { source: string }) => s.source)).toEqual(['manual', 'computed']);
    const moved = latest[0].changes;
    expect(
      moved.filter((c: { kind: string }) => c.kind === 'metric').map((c: { input: string }) => c.input),
    ).toEqual(
      // deploymentSuccess did not move: the manual record takes it from the deployments too.
      [
        'velocity',
        'wipUtilisation',
        'blockedItems',
        'cycleTimeDays',
        'blockedDays',
        'gateRefusals',
        'demoParticipation',
      ],
    );
    expect(
      moved.find((c: { input: string; kind: string }) => c.input === 'velocity' && c.kind === 'metric'),
    ).toEqual({
      input: 'velocity',
      kind: 'metric',
      from: 0.6,
      to: 0.9,
      points: null,
    });
    // Velocity's share: 100·0.25·0.9 ÷ 0.45 (with deployment success only) = 50, was 100·0.25·0.6 ÷ 1.3 = 11.5.
    expect(manual.json().score).toBe(83);
    expect(moved[0]).toEqual({ input: 'velocity', kind: 'component', from: 0.6, to: 0.9, points: 38.5 });

    // The next day computes again; the manual one is not taken for today's computed one.
    await tickAt('2026-03-18T06:00:00.000Z');
    expect((await snapshots()).map((s) => s.source)).toEqual([
      'computed',
      'computed',
      'manual',
      'computed',
      'computed',
    ]);
  });

  it('computes nothing while health.compute is false, and reads the pod status source', async () => {
    const off = await startHarness(engine, { ...POLICY, health: { compute: false } }, undefined, {
      runtime: true,
    });
    try {
      await off.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'UTC' });
      off.clock.set('2026-03-17T06:00:00.000Z');
      expect(await off.runtime!.tick(new Date('2026-03-17T06:00:00.000Z'))).toEqual([]);
      // The use case still works when asked.
      const [result] = await off.services.pods.computeHealth(SYSTEM, off.clock.now(), 'atlas');
      expect(result).toMatchObject({ pod: 'atlas', status: 'recorded' });
      const status = (await off.call('GET', '/api/v1/pods/atlas/status')).json();
      expect(status.health).toMatchObject({ source: 'computed', metrics: { wipUtilisation: 0 } });
    } finally {
      await off.close();
    }
  });

  it('fires at computeAt in each pod’s own time zone', async () => {
    await ok('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' });
    // 06:00 UTC is 01:00 in New York: not yet.
    expect(await tickAt('2026-03-17T06:00:00.000Z')).toEqual([]);
    // 06:00 EDT.
    expect(await tickAt('2026-03-17T10:00:00.000Z')).toHaveLength(1);
    expect(await snapshots()).toHaveLength(1);
  });

  it('takes the new metrics in a manual record, and refuses bad ones naming the field', async () => {
    await ok('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'UTC' });
    const res = await h.call('POST', '/api/v1/pods/atlas/health', {
      metrics: { gateRefusals: 0.5, demoParticipation: 0.8, blockedDays: 2.5 },
    });
    expect(res.statusCode).toBe(201);
    // (0.1·0.5 + 0.1·0.8 + 0.1·0.5) ÷ 0.3 = 60
    expect(res.json()).toMatchObject({
      source: 'manual',
      score: 60,
      components: { gateRefusals: 0.5, demoParticipation: 0.8, blockedTime: 0.5 },
    });
    const bad = await h.call('POST', '/api/v1/pods/atlas/health', { metrics: { demoParticipation: 1.5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual([
      'body.metrics.demoParticipation',
    ]);
  });
});
