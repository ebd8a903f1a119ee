import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const DAY = 86_400_000;
const DISCOVERY = { problemStatement: 'Invoices are sent twice to some customers', owner: 'ada@example.com' };
const TOP_SCORES = { impact: 5, confidence: 4, ease: 4, 'strategic-fit': 4 };

interface Item {
  kind: string;
  rank: number;
  title: string;
  why: string;
  link: string;
  subject: { type: string; id: string };
}

describe.each(testEngines())('the attention list on %s', (engine) => {
  let h: Harness;
  const pods: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    // The relay may still be dispatching the last test's events: TRUNCATE beside it can deadlock.
    await h.drain();
    await h.reset();
  });

  const ok = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await h.call(method, url, body, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const attention = async (token?: string) => ok('GET', '/api/v1/dashboard/attention', undefined, token);

  /**
   * Ratio: a project stuck in inception for 3 days, a project waiting for approval, a failing
   * deployment record (a critical alert). Atlas: a full pull-request cell with a queue, low health and
   * its own project waiting for approval. One idea scored by two people.
   */
  async function scenario() {
    for (const [slug, name] of [
      ['ratio', 'Ratio'],
      ['atlas', 'Atlas'],
    ] as const)
      pods[slug] = (await ok('POST', '/api/v1/pods', { slug, name, timezone: 'UTC' })).id;
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    const dev = await h.userWithToken('developer');

    const stuck = (await ok('POST', '/api/v1/projects', { name: 'Invoices', pod: 'ratio' })).id;
    h.clock.advance(3 * DAY);
    const ratioWaiting = (await ok('POST', '/api/v1/projects', { name: 'Refunds', pod: 'ratio' })).id;
    await ok('POST', `/api/v1/projects/${ratioWaiting}/evidence`, { evidence: DISCOVERY });
    const atlasWaiting = (await ok('POST', '/api/v1/projects', { name: 'Search', pod: 'atlas' })).id;
    await ok('POST', `/api/v1/projects/${atlasWaiting}/evidence`, { evidence: DISCOVERY });

    await ok('PUT', '/api/v1/pods/atlas/wip-limits/pull-request', { limit: 1 });
    await ok('POST', '/api/v1/pods/atlas/wip/pull-request/locks', { itemId: 'pr-1' });
    await ok('POST', '/api/v1/pods/atlas/wip/pull-request/locks', { itemId: 'pr-2', queue: true });
    await ok('POST', '/api/v1/pods/atlas/wip/pull-request/locks', { itemId: 'pr-3', queue: true });

    await ok('POST', '/api/v1/pods/atlas/health', { metrics: { velocity: 0 } });

    const idea = (await ok('POST', '/api/v1/ideas', { title: 'Self-serve refunds' })).id;
    await ok('POST', `/api/v1/ideas/${idea}/evaluations`, { scores: TOP_SCORES });
    await ok('POST', `/api/v1/ideas/${idea}/evaluations`, { scores: TOP_SCORES }, dev.token);

    for (const fail of [true, false, false]) {
      const { id } = await ok('POST', '/api/v1/deployments', { pod: 'ratio', version: 'v1' });
      await ok('POST', `/api/v1/deployments/${id}/steps`, {
        step: 'build',
        status: fail ? 'failed' : 'succeeded',
      });
      if (!fail)
        for (const step of ['test', 'stage', 'prod'])
          await ok('POST', `/api/v1/deployments/${id}/steps`, { step, status: 'succeeded' });
    }
    await h.drain();
    return { lead, stuck, ratioWaiting, atlasWaiting, idea };
  }

  it('ranks what needs the caller, each with the page where it is resolved', async () => {
    const s = await scenario();
    const { items } = (await attention()) as { items: Item[] };
    const summary = items.map((i) => [i.rank, i.kind, i.subject.id, i.link]);
    expect(summary).toEqual([
      [1, 'alert_critical', expect.any(String), '/alerts'],
      [2, 'wip_full', pods.atlas, '/wip?pod=atlas&type=pull-request'],
      // The admin may approve both; the one waiting longer comes first (they were created together).
      [3, 'approval_waiting', expect.any(String), expect.stringMatching(/^\/projects\//)],
      [4, 'approval_waiting', expect.any(String), expect.stringMatching(/^\/projects\//)],
      [5, 'gate_stuck', s.stuck, `/projects/${s.stuck}`],
      [6, 'health_low', pods.atlas, '/pods/atlas'],
      [7, 'idea_ready', s.idea, `/ideas/${s.idea}`],
    ]);
    expect(new Set(items.slice(2, 4).map((i) => i.subject.id))).toEqual(
      new Set([s.ratioWaiting, s.atlasWaiting]),
    );
    expect(items[0]!.why).toContain('deployments failed');
    expect(items[1]).toMatchObject({
      title: 'Atlas is at its pull-request WIP limit',
      why: '1 of 1 pull-request slots used, 2 waiting in line',
    });
    expect(items[4]).toMatchObject({ title: 'Invoices (Ratio) is stuck in inception' });
    expect(items[4]!.why).toMatch(/^3 days in inception, \d+ criteria unmet$/);
    expect(items[5]!.why).toMatch(/^health \d+ of 100, below 70$/);
  });

  it('a pod lead sees only the approvals they may give', async () => {
    const s = await scenario();
    const { items } = (await attention(s.lead.token)) as { items: Item[] };
    const approvals = items.filter((i) => i.kind === 'approval_waiting');
    expect(approvals.map((i) => i.subject.id)).toEqual([s.ratioWaiting]);
    expect(approvals[0]).toMatchObject({
      title: 'Refunds (Ratio) waits for your approval to enter discovery',
      why: '0 of 1 approvals, 0 days in inception',
    });
    // Once they approve, the gate is met and it leaves the list.
    await ok('POST', `/api/v1/projects/${s.ratioWaiting}/approvals`, { decision: 'approve' }, s.lead.token);
    const after = (await attention(s.lead.token)) as { items: Item[] };
    expect(after.items.filter((i) => i.kind === 'approval_waiting')).toEqual([]);
  });

  it('compares throughput, cycle time and WIP per item type with last week', async () => {
    await ok('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    await ok('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 4 });
    await ok('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'old' });
    const p = (await ok('POST', '/api/v1/projects', { name: 'Quick', pod: 'ratio' })).id;
    await ok('POST', `/api/v1/projects/${p}/evidence`, { evidence: DISCOVERY });
    await ok('POST', `/api/v1/projects/${p}/approvals`, { decision: 'approve' });
    h.clock.advance(2 * DAY);
    await ok('POST', `/api/v1/projects/${p}/advance`); // last week: 2 days in inception
    h.clock.advance(8 * DAY);
    await ok('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'new' });
    const { figures, empty } = await attention();
    expect(empty).toEqual({ pods: false, projects: false });
    expect(figures.throughput.advanced).toEqual({ thisWeek: 0, lastWeek: 1, delta: -1 });
    expect(figures.cycleTimeDays[0]).toEqual({
      stage: 'inception',
      thisWeek: null,
      lastWeek: 2,
      delta: null,
    });
    const prs = figures.wip.find((w: { itemType: string }) => w.itemType === 'pull-request');
    expect(prs).toEqual({
      itemType: 'pull-request',
      used: 2,
      limit: 4,
      utilisation: { thisWeek: 0.5, lastWeek: 0.25, delta: 0.25 },
    });
    // The project's slot is counted as a project, never blended with pull requests.
    expect(figures.wip.map((w: { itemType: string }) => w.itemType)).toEqual([
      'project',
      'pull-request',
      'idea',
    ]);
  });

  it('an empty company says what to do first', async () => {
    expect(await attention()).toMatchObject({ items: [], empty: { pods: true, projects: true } });
  });
});
