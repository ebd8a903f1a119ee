import { defaultPolicy, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const HOUR = 3_600_000;

interface AlertJson {
  id: string;
  key: string;
  kind: string;
  status: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
  openedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  acknowledged: { at: string; by: string | null; byLabel: string } | null;
  snooze: { until: string; at: string; by: string | null; byLabel: string } | null;
}

describe.each(testEngines())('alerts on %s', (engine) => {
  let h: Harness;
  let dev: { token: string; userId: string; email: string };
  let ratioId: string;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    // The relay may still be dispatching the last test's events: TRUNCATE beside it can deadlock.
    await h.drain();
    await h.reset();
    ratioId = (
      await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' })
    ).json().id;
    await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' });
    dev = await h.userWithToken('developer');
    await h.drain();
  });

  const alerts = async (query = '') => {
    const res = await h.call('GET', `/api/v1/alerts${query}`, undefined, dev.token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as AlertJson[];
  };
  const open = () => alerts('?status=open');
  const events = async (type: string) =>
    Number(
      (
        await h.database.query<{ n: number }>(
          'select count(*)::int as n from domain_events where type = $1',
          [type],
        )
      )[0]!.n,
    );
  const acquire = (itemId: string) =>
    h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId }, dev.token);
  /** Moves the clock, ticks the scheduler (time-based conditions) and runs what it enqueued. */
  const later = async (ms: number) => {
    h.clock.advance(ms);
    await h.runtime!.tick();
    await h.drain();
  };

  it('a refused acquire opens one alert, however many refusals; releasing a slot resolves it', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 2 });
    const held = [(await acquire('a')).json().id, (await acquire('b')).json().id];
    await h.drain();
    expect(await open()).toEqual([]); // at the limit, nothing refused yet

    expect((await acquire('c')).statusCode).toBe(409);
    await h.drain();
    const [alert] = await open();
    expect(alert).toMatchObject({
      key: `wip.limit_exceeded:${ratioId}:pull-request`,
      kind: 'wip.limit_exceeded',
      severity: 'warning',
      details: { pod: 'ratio', itemType: 'pull-request', used: 2, limit: 2 },
    });
    expect(alert!.message).toContain('refused an acquire');

    h.clock.advance(60_000);
    expect((await acquire('d')).statusCode).toBe(409);
    await h.drain();
    const again = await open();
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({
      id: alert!.id,
      openedAt: alert!.openedAt,
      lastSeenAt: '2026-03-02T09:01:00.000Z',
    });
    expect(await events('alert.opened')).toBe(1);

    await h.call('DELETE', `/api/v1/wip-locks/${held[0]}`, undefined, dev.token);
    await h.drain();
    expect(await open()).toEqual([]);
    const [resolved] = await alerts('?status=resolved');
    expect(resolved).toMatchObject({
      id: alert!.id,
      status: 'resolved',
      resolvedAt: '2026-03-02T09:01:00.000Z',
    });
    expect(await events('alert.resolved')).toBe(1);

    // Back at the limit without a refusal: no alert. A new refusal opens a new one.
    await acquire('e');
    await h.drain();
    expect(await open()).toEqual([]);
    await acquire('f');
    await h.drain();
    expect((await open()).map((a) => a.id)).not.toContain(alert!.id);
    expect(await open()).toHaveLength(1);
  });

  it('usage above a lowered limit opens the alert; it resolves once usage is below the limit', async () => {
    for (const id of ['a', 'b', 'c']) await acquire(id);
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 2 });
    await h.drain();
    const [alert] = await open();
    expect(alert).toMatchObject({
      kind: 'wip.limit_exceeded',
      severity: 'critical',
      details: { used: 3, limit: 2 },
    });

    // At the limit it stays open (it was exceeded, and usage has not been below the limit since)…
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 3 });
    await h.drain();
    expect(await open()).toMatchObject([{ id: alert!.id, severity: 'warning' }]);
    // …and resolves once it is below.
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 4 });
    await h.drain();
    expect(await open()).toEqual([]);
  });

  it('a line at the limit opens the alert; it resolves once the line is empty, unless an acquire was refused', async () => {
    const queue = (itemId: string) =>
      h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId, queue: true }, dev.token);
    const prStatus = async () =>
      (await h.call('GET', '/api/v1/pods/ratio/wip'))
        .json()
        .types.find((t: { itemType: string }) => t.itemType === 'pull-request');
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 2 });
    const held = [(await acquire('a')).json().id, (await acquire('b')).json().id];
    expect((await queue('c')).statusCode).toBe(202);
    // A check (here the scheduler's tick) sees the line: nobody was refused, yet the pod is full with
    // work waiting.
    await later(60_000);
    const [alert] = await open();
    expect(alert).toMatchObject({
      key: `wip.limit_exceeded:${ratioId}:pull-request`,
      severity: 'warning',
      details: { pod: 'ratio', itemType: 'pull-request', used: 2, limit: 2, queued: 1, refused: false },
    });
    expect(alert!.message).toBe(
      'pod "ratio" is at its pull-request WIP limit (2 of 2) with 1 waiting in line',
    );

    // Releasing a holder admits "c": at the limit again, nobody waiting, nobody refused.
    await h.call('DELETE', `/api/v1/wip-locks/${held[0]}`, undefined, dev.token);
    await h.drain();
    expect(await prStatus()).toMatchObject({ used: 2, queue: [] });
    expect(await open()).toEqual([]);
    expect(await alerts('?status=resolved')).toMatchObject([{ id: alert!.id }]);

    // A line and a refusal: once the line empties, the refusal keeps the alert open at the limit.
    expect((await queue('d')).statusCode).toBe(202);
    expect((await acquire('e')).statusCode).toBe(409);
    await h.drain();
    const [refused] = await open();
    expect(refused).toMatchObject({ details: { used: 2, queued: 1, refused: true } });
    expect(refused!.message).toBe(
      'pod "ratio" is at its pull-request WIP limit (2 of 2) and refused an acquire, with 1 waiting in line',
    );
    await h.call('DELETE', `/api/v1/wip-locks/${held[1]}`, undefined, dev.token);
    await h.drain();
    expect(await prStatus()).toMatchObject({ used: 2, queue: [] });
    expect(await open()).toMatchObject([{ id: refused!.id, details: { used: 2, queued: 0, refused: true } }]);
    // Below the limit it resolves, as before.
    await h.call('DELETE', '/api/v1/pods/ratio/wip/pull-request/items/c', undefined, dev.token);
    await h.drain();
    expect(await open()).toEqual([]);
  });

  it('a blocked project opens gate.stuck only after 24 h, and it resolves when unblocked', async () => {
    const project = (await h.call('POST', '/api/v1/projects', { name: 'Checkout', pod: 'ratio' })).json();
    // The gate into discovery is met (evidence and an approval): only the block holds the project.
    await h.call('POST', `/api/v1/projects/${project.id}/evidence`, {
      evidence: { problemStatement: 'Checkout loses a third of carts', owner: 'ada@example.com' },
    });
    await h.call('POST', `/api/v1/projects/${project.id}/approvals`, { decision: 'approve' });
    await later(10 * HOUR);
    expect(
      (await h.call('POST', `/api/v1/projects/${project.id}/block`, { reason: 'waiting on legal' }))
        .statusCode,
    ).toBe(200);
    await h.drain();

    await later(23 * HOUR);
    expect(await open()).toEqual([]);
    await later(HOUR); // exactly 24 h: not more than the threshold
    expect(await open()).toEqual([]);
    await later(60_000);
    const [alert] = await open();
    expect(alert).toMatchObject({
      key: `gate.stuck:${project.id}`,
      kind: 'gate.stuck',
      details: { project: 'Checkout', blocked: true, blockedReason: 'waiting on legal', gateMet: true },
    });
    expect(alert!.message).toContain('blocked: waiting on legal');

    await h.call('POST', `/api/v1/projects/${project.id}/unblock`, {});
    await h.drain();
    expect(await open()).toEqual([]);
  });

  it('a project whose gate is unmet for more than 24 h is stuck; closing it resolves the alert', async () => {
    const project = (await h.call('POST', '/api/v1/projects', { name: 'Search', pod: 'ratio' })).json();
    await later(24 * HOUR);
    expect(await open()).toEqual([]);
    await later(HOUR);
    expect(await open()).toMatchObject([
      { key: `gate.stuck:${project.id}`, details: { gateMet: false, blocked: false } },
    ]);
    await h.call('POST', `/api/v1/projects/${project.id}/close`, {
      outcome: 'cancelled',
      reason: 'superseded',
    });
    await h.drain();
    expect(await open()).toEqual([]);
  });

  it('health 65 opens pod.health_low; 70 does not keep it open; 80 resolves it', async () => {
    const record = (velocity: number) =>
      h.call('POST', '/api/v1/pods/ratio/health', { metrics: { velocity } }).then((r) => r.json().score);
    expect(await record(0.65)).toBe(65);
    await h.drain();
    expect(await open()).toMatchObject([
      { key: `pod.health_low:${ratioId}`, kind: 'pod.health_low', details: { score: 65, threshold: 70 } },
    ]);
    expect(await record(0.7)).toBe(70);
    await h.drain();
    expect(await open()).toEqual([]);
    await record(0.6);
    await h.drain();
    await record(0.8);
    await h.drain();
    expect(await open()).toEqual([]);
    expect(await alerts('?kind=pod.health_low&status=resolved')).toHaveLength(2);
  });

  it('a deployment failure rate above 10 % opens once at least 3 deployments finished', async () => {
    const deploy = async (failAt?: string) => {
      const id = (await h.call('POST', '/api/v1/deployments', { pod: 'ratio', version: 'v1' })).json().id;
      for (const step of ['build', 'test', 'stage', 'prod']) {
        await h.call('POST', `/api/v1/deployments/${id}/steps`, {
          step,
          status: step === failAt ? 'failed' : 'succeeded',
        });
        if (step === failAt) break;
      }
      await h.drain();
    };
    await deploy('test');
    await deploy();
    expect(await open()).toEqual([]); // 1 of 2: too few to judge
    await deploy();
    expect(await open()).toMatchObject([
      {
        key: `deployment.failure_rate:${ratioId}`,
        severity: 'critical',
        details: { finished: 3, failed: 1, failureRate: 0.3333 },
      },
    ]);
    // The failure leaves the 7-day window: the condition clears at the next tick.
    await later(8 * 24 * HOUR);
    expect(await alerts('?status=open&kind=deployment.failure_rate')).toEqual([]);
  });

  it('lists open alerts first, then recently resolved ones; filters; reconciling twice changes nothing', async () => {
    await h.call('POST', '/api/v1/pods/ratio/health', { metrics: { velocity: 0.5 } });
    await h.call('POST', '/api/v1/pods/atlas/health', { metrics: { velocity: 0.5 } });
    await h.drain();
    h.clock.advance(60_000);
    await h.call('POST', '/api/v1/pods/ratio/health', { metrics: { velocity: 0.9 } });
    await h.drain();
    h.clock.advance(60_000);
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/idea', { limit: 0 });
    await h.call('POST', '/api/v1/pods/ratio/wip/idea/locks', { itemId: 'x' }, dev.token);
    await h.drain();

    const all = await alerts();
    expect(all.map((a) => [a.kind, a.status])).toEqual([
      ['wip.limit_exceeded', 'open'],
      ['pod.health_low', 'open'],
      ['pod.health_low', 'resolved'],
    ]);
    expect((await alerts('?pod=ratio')).map((a) => a.status)).toEqual(['open', 'resolved']);
    expect(await alerts('?kind=wip.limit_exceeded&pod=atlas')).toEqual([]);
    const first = (await h.call('GET', '/api/v1/alerts?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const rest = (await h.call('GET', `/api/v1/alerts?limit=2&cursor=${first.nextCursor}`)).json();
    expect(rest).toMatchObject({ items: [{ status: 'resolved' }], nextCursor: null });

    const now = h.clock.now();
    const [a, b] = await Promise.all([h.services.alerts.reconcile(now), h.services.alerts.reconcile(now)]);
    expect([...a.opened, ...b.opened, ...a.resolved, ...b.resolved]).toEqual([]);
    expect(await alerts()).toHaveLength(3);
    expect(await events('alert.opened')).toBe(3);

    const bad = await h.call('GET', '/api/v1/alerts?status=closed&kind=x');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['querystring.status', 'querystring.kind']),
    );
    expect((await h.call('GET', '/api/v1/alerts?cursor=bm9wZQ')).statusCode).toBe(400);
    expect((await h.call('GET', '/api/v1/alerts?pod=nope')).statusCode).toBe(404);
    const viewer = await h.userWithToken('viewer');
    expect((await h.call('GET', '/api/v1/alerts', undefined, viewer.token)).statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/alerts', undefined, null)).statusCode).toBe(401);
  });

  it('acknowledge and snooze: who and until when, audited, scoped to the pod; a snooze hides, ends and re-announces; resolving ends it', async () => {
    const health = (velocity: number) =>
      h.call('POST', '/api/v1/pods/ratio/health', { metrics: { velocity } }).then((r) => r.json().score);
    await health(0.6);
    await h.drain();
    const [alert] = await open();
    expect(alert).toMatchObject({ kind: 'pod.health_low', acknowledged: null, snooze: null });
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    const otherLead = await h.userWithToken('pod-lead', { pods: ['atlas'] });
    const ack = (token?: string, id = alert!.id) =>
      h.call('POST', `/api/v1/alerts/${id}/acknowledge`, undefined, token);
    const snooze = (until: string, token: string | undefined = lead.token, id = alert!.id) =>
      h.call('POST', `/api/v1/alerts/${id}/snooze`, { until }, token);
    const audit = async (action: string) =>
      (await h.call('GET', `/api/v1/audit?subjectType=alert&subjectId=${alert!.id}&action=${action}`)).json()
        .items as { actorLabel: string; after: Record<string, unknown> }[];

    // A developer may not; nor the lead of another pod.
    expect((await ack(dev.token)).statusCode).toBe(403);
    expect((await ack(otherLead.token)).statusCode).toBe(403);
    expect((await ack(undefined, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);

    h.clock.advance(60_000);
    const acked = await ack(lead.token);
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json().acknowledged).toEqual({
      at: h.clock.now().toISOString(),
      by: lead.userId,
      byLabel: lead.email,
    });
    // A second acknowledgement (here an admin's) keeps the first, and is not audited again.
    h.clock.advance(60_000);
    expect((await ack()).json().acknowledged).toMatchObject({ byLabel: lead.email });
    expect(await audit('alert.acknowledged')).toMatchObject([{ actorLabel: lead.email }]);
    expect((await open())[0]!.acknowledged).toMatchObject({ byLabel: lead.email });

    // Snoozing: the time must lie ahead, at most 90 days.
    const now = h.clock.now().getTime();
    const at = (ms: number) => new Date(now + ms).toISOString();
    expect((await snooze(at(-1000))).statusCode).toBe(400);
    expect((await snooze(at(91 * 24 * HOUR))).statusCode).toBe(400);
    expect((await snooze(at(HOUR), otherLead.token)).statusCode).toBe(403);
    const snoozed = await snooze(at(HOUR));
    expect(snoozed.statusCode, snoozed.body).toBe(200);
    expect(snoozed.json().snooze).toEqual({
      until: at(HOUR),
      at: at(0),
      by: lead.userId,
      byLabel: lead.email,
    });
    expect(await audit('alert.snoozed')).toMatchObject([
      { actorLabel: lead.email, after: { until: at(HOUR) } },
    ]);
    // Still open, listed with its snooze; gone from what needs attention until the snooze ends.
    expect(await open()).toMatchObject([{ id: alert!.id, snooze: { until: at(HOUR) } }]);
    expect(await alerts('?status=open&snoozed=false')).toEqual([]);
    expect(await alerts('?status=open&snoozed=true')).toMatchObject([{ id: alert!.id }]);
    expect(await events('alert.opened')).toBe(1);

    await later(30 * 60_000); // still snoozed
    expect(await alerts('?status=open&snoozed=false')).toEqual([]);
    expect(await events('alert.opened')).toBe(1);
    await later(31 * 60_000); // the snooze has ended: announced again, once
    expect(await alerts('?status=open&snoozed=false')).toMatchObject([{ id: alert!.id, snooze: null }]);
    expect(await events('alert.opened')).toBe(2);
    await later(60_000);
    expect(await events('alert.opened')).toBe(2);

    // Resolving ends a snooze; a resolved alert can be neither acknowledged nor snoozed.
    expect((await snooze(new Date(h.clock.now().getTime() + HOUR).toISOString())).statusCode).toBe(200);
    await health(0.9);
    await h.drain();
    const [resolved] = await alerts('?status=resolved');
    expect(resolved).toMatchObject({ id: alert!.id, snooze: null, acknowledged: { byLabel: lead.email } });
    const refused = await ack(lead.token);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('conflict');
    expect((await snooze(new Date(h.clock.now().getTime() + HOUR).toISOString())).statusCode).toBe(409);
    // The condition returning opens a new alert, neither acknowledged nor snoozed.
    await health(0.5);
    await h.drain();
    expect(await open()).toMatchObject([{ acknowledged: null, snooze: null }]);
    expect((await open())[0]!.id).not.toBe(alert!.id);
    const bad = await h.call('POST', `/api/v1/alerts/${alert!.id}/snooze`, { until: 'tomorrow' });
    expect(bad.statusCode).toBe(400);
  });
});

describe.each(testEngines())('gate-stuck severity from stages[].expectedDays on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    // Projects start in inception; it is expected to take 2 days.
    const stages = defaultPolicy().stages.map((s) =>
      s.name === 'inception' ? { ...s, expectedDays: 2 } : s,
    );
    h = await startHarness(engine, { stages }, undefined, { runtime: true });
  });
  afterAll(() => h.close());

  it('an unmet gate is not stuck within the expected days, a warning past them, critical past twice them', async () => {
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    const project = (await h.call('POST', '/api/v1/projects', { name: 'Search', pod: 'ratio' })).json();
    await h.drain();
    const later = async (ms: number) => {
      h.clock.advance(ms);
      await h.runtime!.tick();
      await h.drain();
    };
    const open = async () =>
      (await h.call('GET', '/api/v1/alerts?status=open')).json().items as {
        id: string;
        severity: string;
        details: Record<string, unknown>;
      }[];
    await later(25 * HOUR); // past gateStuckHours, within the expected 2 days
    expect(await open()).toEqual([]);
    await later(24 * HOUR);
    const [warning] = await open();
    expect(warning).toMatchObject({ severity: 'warning', details: { expectedDays: 2, gateMet: false } });
    await later(48 * HOUR);
    expect(await open()).toMatchObject([{ id: warning!.id, severity: 'critical' }]);
    expect(project.id).toBeDefined();
  });
});
