import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

// No evidence and no approvals needed: these tests are about when projects moved, not about gates.
const OPEN_GATE = { evidence: { type: 'object' }, approvals: { count: 0 } };
const POLICY = {
  stages: [{ name: 'inception' }, { name: 'build', gate: OPEN_GATE }, { name: 'ship', gate: OPEN_GATE }],
  wip: {
    types: [
      { name: 'project', defaultLimit: 2 },
      { name: 'pull-request', defaultLimit: 4 },
    ],
  },
};
const TOP_SCORES = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
// The harness's clock stands at Monday 2 March 2026, 09:00 UTC: three weeks back is Monday 16 February.
const WEEKS = ['2026-02-16T00:00:00.000Z', '2026-02-23T00:00:00.000Z', '2026-03-02T00:00:00.000Z'];

describe.each(testEngines())('dashboard trends on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, POLICY);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    h.clock.set('2026-03-02T09:00:00.000Z');
    await h.reset();
    for (const [slug, name] of [
      ['ratio', 'Ratio'],
      ['atlas', 'Atlas'],
    ] as const)
      await ok('POST', '/api/v1/pods', { slug, name, timezone: 'UTC' });
  });

  const ok = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await h.call(method, url, body, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const project = async (pod: string, name: string) =>
    (await ok('POST', '/api/v1/projects', { name, pod })).id;
  const advance = (id: string) => ok('POST', `/api/v1/projects/${id}/advance`);
  const idea = async (title: string) => (await ok('POST', '/api/v1/ideas', { title })).id;
  const evaluate = (id: string, token = ADMIN_TOKEN) =>
    ok('POST', `/api/v1/ideas/${id}/evaluations`, { scores: TOP_SCORES }, token);

  /**
   * Three weeks of back-dated history, told by the fake clock:
   * week 0 (16 Feb): ratio starts p1 and p2 and idea A; p1 moves to build a day later.
   * week 1 (23 Feb): p1 reaches ship and ships, p2 reaches build, atlas starts and cancels p3,
   *   idea A is evaluated, a pull request is opened (and stays open) and another opened and merged.
   * week 2 (2 Mar, now): idea B is submitted, evaluated twice and promoted into atlas; C is archived.
   */
  async function history() {
    const dev = await h.userWithToken('developer');
    h.clock.set('2026-02-17T10:00:00.000Z');
    const p1 = await project('ratio', 'p1');
    const p2 = await project('ratio', 'p2');
    const ideaA = await idea('Idea A');
    h.clock.set('2026-02-18T10:00:00.000Z');
    await advance(p1); // 1 day in inception

    h.clock.set('2026-02-24T10:00:00.000Z');
    await advance(p1); // 6 days in build
    await advance(p2); // 7 days in inception
    await evaluate(ideaA);
    await ok('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'pr-1' }, dev.token);
    const lock = await ok('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'pr-2' }, dev.token);
    const p3 = await project('atlas', 'p3');
    h.clock.set('2026-02-25T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p1}/close`, { outcome: 'shipped' }); // 1 day in ship
    await ok('DELETE', `/api/v1/wip-locks/${lock.id}`, undefined, dev.token);
    h.clock.set('2026-02-26T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p3}/close`, { outcome: 'cancelled', reason: 'duplicate' });

    h.clock.set('2026-03-02T08:00:00.000Z');
    const ideaB = await idea('Idea B');
    const ideaC = await idea('Idea C');
    await evaluate(ideaB);
    await evaluate(ideaB, dev.token);
    await ok('POST', `/api/v1/ideas/${ideaB}/promote`, { pod: 'atlas' });
    await ok('POST', `/api/v1/ideas/${ideaC}/archive`, { reason: 'out of scope' });
  }

  it('lays every series out week by week from the history', async () => {
    await history();
    const t = await ok('GET', '/api/v1/dashboard/trends?weeks=3');
    expect(t.weeks).toEqual(WEEKS);
    expect(t.cumulativeFlow).toEqual([
      // p2 until it moved on; then the project promoted from idea B.
      { stage: 'inception', counts: [1, 0, 1] },
      // p1 at the end of week 0, p2 from week 1 on.
      { stage: 'build', counts: [1, 1, 1] },
      // p1 reached ship and shipped inside week 1: never standing there at a week's end.
      { stage: 'ship', counts: [0, 0, 0] },
    ]);
    expect(t.closed).toEqual({ shipped: [0, 1, 1], cancelled: [0, 1, 1] });
    expect(t.cycleTime).toEqual([
      // p3's stay ended by a cancellation: not a completed stay.
      { stage: 'inception', medianDays: [1, 7, null], meanDays: [1, 7, null], stays: [1, 1, 0] },
      { stage: 'build', medianDays: [null, 6, null], meanDays: [null, 6, null], stays: [0, 1, 0] },
      { stage: 'ship', medianDays: [null, 1, null], meanDays: [null, 1, null], stays: [0, 1, 0] },
    ]);
    expect(t.throughput).toEqual({ advanced: [1, 2, 0], shipped: [0, 1, 0], cancelled: [0, 1, 0] });
    expect(t.ideas).toEqual({
      submitted: [1, 0, 2],
      evaluated: [0, 1, 2],
      promoted: [0, 0, 1],
      archived: [0, 0, 1],
    });
    expect(t.wip.types).toEqual(['project', 'pull-request']);
    expect(t.wip.pods.map((p: { slug: string }) => p.slug)).toEqual(['atlas', 'ratio']);
    const [atlas, ratio] = t.wip.pods;
    expect(ratio.cells).toEqual([
      // Projects hold their pod's project slot until they close.
      { itemType: 'project', limit: 2, used: [2, 1, 1], utilisation: [1, 0.5, 0.5] },
      // pr-2 was merged inside week 1; pr-1 stays open.
      { itemType: 'pull-request', limit: 4, used: [0, 1, 1], utilisation: [0, 0.25, 0.25] },
    ]);
    expect(atlas.cells[0]).toEqual({
      itemType: 'project',
      limit: 2,
      used: [0, 0, 1],
      utilisation: [0, 0, 0.5],
    });
  });

  it('takes the median and mean over the stays that ended in a week', async () => {
    h.clock.set('2026-02-23T08:00:00.000Z');
    const ids = [await project('ratio', 'a'), await project('ratio', 'b')];
    await ok('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 3 });
    const c = await project('ratio', 'c');
    h.clock.set('2026-02-24T08:00:00.000Z');
    await advance(ids[0]); // 1 day
    h.clock.set('2026-02-25T08:00:00.000Z');
    await advance(ids[1]); // 2 days
    h.clock.set('2026-03-01T08:00:00.000Z');
    await advance(c); // 6 days
    h.clock.set('2026-03-02T09:00:00.000Z');
    const t = await ok('GET', '/api/v1/dashboard/trends?weeks=2');
    expect(t.cycleTime[0]).toEqual({
      stage: 'inception',
      medianDays: [2, null],
      meanDays: [3, null],
      stays: [3, 0],
    });
    expect(t.wip.pods[1].cells[0]).toMatchObject({ limit: 3, used: [3, 3], utilisation: [1, 1] });
  });

  it('answers zeros for every week before anything happened, twelve weeks by default', async () => {
    const t = await ok('GET', '/api/v1/dashboard/trends');
    expect(t.weeks).toHaveLength(12);
    expect(t.weeks.at(-1)).toBe('2026-03-02T00:00:00.000Z');
    expect(t.weeks[0]).toBe('2025-12-15T00:00:00.000Z');
    expect(t.cumulativeFlow.every((s: { counts: number[] }) => s.counts.every((n) => n === 0))).toBe(true);
    expect(t.closed).toEqual({ shipped: Array(12).fill(0), cancelled: Array(12).fill(0) });
    expect(t.cycleTime[0].medianDays).toEqual(Array(12).fill(null));
    expect(t.ideas.submitted).toEqual(Array(12).fill(0));
  });

  it('refuses a number of weeks out of range, and callers without a token', async () => {
    for (const weeks of ['0', '53', '2.5', 'many']) {
      const res = await h.call('GET', `/api/v1/dashboard/trends?weeks=${weeks}`);
      expect(res.statusCode, weeks).toBe(400);
    }
    expect((await h.call('GET', '/api/v1/dashboard/trends', undefined, null)).statusCode).toBe(401);
    const viewer = await h.userWithToken('viewer');
    expect(
      (await h.call('GET', '/api/v1/dashboard/trends?weeks=1', undefined, viewer.token)).statusCode,
    ).toBe(200);
  });
});
