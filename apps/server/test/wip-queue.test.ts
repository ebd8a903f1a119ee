import { CONFIG_ACTOR } from '@clos/core';
import { composeServices } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const LOCKS = '/api/v1/pods/ratio/wip/pull-request/locks';
const item = (id: string) => `/api/v1/pods/ratio/wip/pull-request/items/${encodeURIComponent(id)}`;
const pr = (n: number) => `github:acme/payments-api#${n}`;
const info = (n: number) => ({
  label: `PR ${n} by ada`,
  url: `https://github.com/acme/payments-api/pull/${n}`,
});

describe.each(testEngines())('the WIP queue on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    expect(
      (await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' }))
        .statusCode,
    ).toBe(201);
    expect((await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 3 })).statusCode).toBe(
      200,
    );
  });

  const acquire = (n: number, token?: string) =>
    h.call('POST', LOCKS, { itemId: pr(n), queue: true, ...info(n) }, token);

  /** Takes 3 slots and queues 7 more, one after another. */
  async function fill(token?: string) {
    for (let n = 1; n <= 10; n++) expect((await acquire(n, token)).statusCode).toBe(n <= 3 ? 201 : 202);
  }

  const openLocks = async (itemType = 'pull-request') =>
    (
      await h.database.query<{ item_id: string }>(
        'select item_id from wip_locks where item_type = $1 and released_at is null order by acquired_at, item_id',
        [itemType],
      )
    ).map((r) => r.item_id);

  const prStatus = async () =>
    (await h.call('GET', '/api/v1/pods/ratio/wip'))
      .json()
      .types.find((t: { itemType: string }) => t.itemType === 'pull-request');

  const line = async () =>
    (await h.call('GET', '/api/v1/pods/ratio/wip/queue'))
      .json()
      .types.find((t: { itemType: string }) => t.itemType === 'pull-request')
      .queue.map((q: { itemId: string }) => q.itemId);

  const events = async (type: string) =>
    (
      await h.database.query<{ data: Record<string, unknown> }>(
        'select data from domain_events where type = $1 order by occurred_at, seq',
        [type],
      )
    ).map((r) => r.data);

  it('queues in arrival order when the pod is full, with place and how many wait ahead', async () => {
    for (let n = 1; n <= 3; n++) expect((await acquire(n)).statusCode).toBe(201);
    for (let n = 4; n <= 10; n++) {
      const res = await acquire(n);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({
        queued: true,
        pod: 'ratio',
        itemType: 'pull-request',
        itemId: pr(n),
        position: n - 3,
        ahead: n - 4,
        ...info(n),
        enqueuedAt: '2026-03-02T09:00:00.000Z',
      });
    }
    expect(await openLocks()).toHaveLength(3);
    expect(await line()).toEqual([4, 5, 6, 7, 8, 9, 10].map(pr));

    const status = (await h.call('GET', '/api/v1/pods/ratio/wip')).json();
    const prs = await prStatus();
    expect(prs).toMatchObject({ limit: 3, used: 3, available: 0 });
    expect(prs.holders.map((x: { label: string; url: string }) => [x.label, x.url])).toEqual(
      [1, 2, 3].map((n) => [info(n).label, info(n).url]),
    );
    expect(prs.queue[0]).toMatchObject({ itemId: pr(4), position: 1, ...info(4) });
    expect(prs.queue.map((q: { position: number }) => q.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(status.types.find((t: { itemType: string }) => t.itemType === 'project').queue).toEqual([]);

    // Joining the line is audited and published; it is no refusal (no wip.limit_reached).
    const queued = await events('wip.queued');
    expect(queued).toHaveLength(7);
    expect(queued[0]).toMatchObject({ after: { itemId: pr(4), position: 1, ...info(4) } });
    expect(await events('wip.limit_reached')).toEqual([]);
  });

  it('10 simultaneous acquires with queue on a limit of 3: 3 locks, 7 in line, each place once', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => acquire(i + 1)));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    expect(codes.filter((c) => c === 202)).toHaveLength(7);
    const places = results.filter((r) => r.statusCode === 202).map((r) => r.json().position);
    expect(places.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await openLocks()).toHaveLength(3);
    // The line's order is the order the acquires were served in.
    const byPlace = results
      .filter((r) => r.statusCode === 202)
      .sort((a, b) => a.json().position - b.json().position)
      .map((r) => r.json().itemId);
    expect(await line()).toEqual(byPlace);
  });

  it('releasing a slot admits the oldest waiting item, carrying its label and who queued it', async () => {
    const queuer = await h.userWithToken('developer', { pods: ['ratio'] });
    await fill(queuer.token);
    const second = (await prStatus()).holders.find((x: { itemId: string }) => x.itemId === pr(2));
    const released = await h.call('DELETE', `/api/v1/wip-locks/${second.lockId}`);
    expect(released.statusCode).toBe(200);

    expect(await openLocks()).toEqual([pr(1), pr(3), pr(4)]);
    expect(await line()).toEqual([5, 6, 7, 8, 9, 10].map(pr));
    const [admitted] = await h.database.query<{ acquired_by: string; label: string; url: string }>(
      'select acquired_by, label, url from wip_locks where item_id = $1',
      [pr(4)],
    );
    expect(admitted).toEqual({ acquired_by: queuer.userId, ...info(4) });
    const acquired = await events('wip.acquired');
    expect(acquired.at(-1)).toMatchObject({
      actor: 'admin@example.com',
      after: { pod: 'ratio', itemType: 'pull-request', itemId: pr(4), fromQueue: true, ...info(4) },
    });
    // Admission is not a dequeue.
    expect(await events('wip.dequeued')).toEqual([]);
    // The one who queued it may release it: it is their lock.
    const mine = (await prStatus()).holders.find((x: { itemId: string }) => x.itemId === pr(4));
    expect(
      (await h.call('DELETE', `/api/v1/wip-locks/${mine.lockId}`, undefined, queuer.token)).statusCode,
    ).toBe(200);
    expect(await openLocks()).toEqual([pr(1), pr(3), pr(5)]);
  });

  it('raising the limit by 2 admits the two oldest; lowering it admits nobody', async () => {
    await fill();
    const raised = await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 5 });
    expect(raised.json()).toMatchObject({ limit: 5, used: 5, available: 0 });
    expect(await openLocks()).toEqual([1, 2, 3, 4, 5].map(pr));
    expect(await line()).toEqual([6, 7, 8, 9, 10].map(pr));

    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 1 });
    expect(await h.call('DELETE', item(pr(1)))).toMatchObject({ statusCode: 200 });
    expect(await openLocks()).toEqual([2, 3, 4, 5].map(pr));
    expect(await line()).toEqual([6, 7, 8, 9, 10].map(pr));
  });

  it('a waiting item let go leaves the line and nobody is admitted', async () => {
    await fill();
    const left = await h.call('DELETE', item(pr(6)));
    expect(left.statusCode).toBe(200);
    expect(left.json()).toEqual({
      pod: 'ratio',
      itemType: 'pull-request',
      itemId: pr(6),
      outcome: 'left_queue',
      lock: null,
    });
    expect(await openLocks()).toEqual([1, 2, 3].map(pr));
    expect(await line()).toEqual([4, 5, 7, 8, 9, 10].map(pr));
    expect(await events('wip.dequeued')).toEqual([
      {
        actor: 'admin@example.com',
        before: { pod: 'ratio', itemType: 'pull-request', itemId: pr(6) },
        reason: 'left the line',
      },
    ]);
    // Those behind it moved up one place.
    expect((await acquire(7)).json()).toMatchObject({ position: 3, ahead: 2 });
    // Letting go again finds nothing: idempotent.
    expect((await h.call('DELETE', item(pr(6)))).json()).toMatchObject({ outcome: 'not_held', lock: null });

    // Letting go of a holder by item releases its slot, and the line moves up.
    const released = await h.call('DELETE', item(pr(2)));
    expect(released.json()).toMatchObject({ outcome: 'released', lock: { itemId: pr(2) } });
    expect(released.json().lock.releasedAt).not.toBeNull();
    expect(await openLocks()).toEqual([1, 3, 4].map(pr));
  });

  it('asking again while waiting keeps the place and records nothing', async () => {
    await fill();
    const again = await acquire(5);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ position: 2, ahead: 1 });
    expect(await events('wip.queued')).toHaveLength(7);
    expect(await line()).toEqual([4, 5, 6, 7, 8, 9, 10].map(pr));
    // A holder asking again gets its lock (200), as without the queue.
    expect((await acquire(1)).statusCode).toBe(200);
    // Without `queue`, a full pod still refuses, even an item that is waiting; it keeps its place.
    const refused = await h.call('POST', LOCKS, { itemId: pr(5) });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details.holders[0]).toMatchObject({ itemId: pr(1), ...info(1) });
    expect(await line()).toEqual([4, 5, 6, 7, 8, 9, 10].map(pr));
  });

  it('a free slot goes to the line before a newcomer', async () => {
    await fill();
    // A slot freed with no admission: only a state written by hand (or before the queue) looks so.
    await h.database.query('update wip_locks set released_at = now() where item_id = $1', [pr(1)]);
    const newcomer = await h.call('POST', LOCKS, { itemId: pr(99) });
    expect(newcomer.statusCode).toBe(409);
    expect(await openLocks()).toContain(pr(4));
    expect(await line()).toEqual([5, 6, 7, 8, 9, 10].map(pr));
  });

  it('closing a project admits the next waiting project-type item', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 1 });
    const project = await h.call('POST', '/api/v1/projects', { name: 'Payments', pod: 'ratio' });
    expect(project.statusCode, project.body).toBe(201);
    const waiting = await h.call('POST', '/api/v1/pods/ratio/wip/project/locks', {
      itemId: 'next-project',
      queue: true,
    });
    expect(waiting.json()).toMatchObject({ queued: true, position: 1 });
    const closed = await h.call('POST', `/api/v1/projects/${project.json().id}/close`, {
      outcome: 'cancelled',
      reason: 'deprioritised',
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(await openLocks('project')).toEqual(['next-project']);
    expect((await events('wip.acquired')).at(-1)).toMatchObject({
      after: { itemType: 'project', itemId: 'next-project', fromQueue: true },
    });
  });

  it('20 parallel acquires and releases on a limit of 3 never admit more than 3, nor out of order', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => acquire(i + 1)));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(await openLocks()).toHaveLength(3);
    const order = await line();
    expect(order).toHaveLength(17);

    // Releases, raises and new acquires all at once: each succeeds, and the count never passes the limit.
    const { holders } = await prStatus();
    const burst = await Promise.all([
      ...holders.map((x: { lockId: string }) => h.call('DELETE', `/api/v1/wip-locks/${x.lockId}`)),
      ...Array.from({ length: 5 }, (_, i) => acquire(100 + i)),
      h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 4 }),
    ]);
    expect(burst.map((r) => r.statusCode).filter((c) => c >= 300)).toEqual([]);
    let open = await openLocks();
    expect(open).toHaveLength(4);
    // Who got in are the oldest waiting, in line order; everyone else still waits, order kept.
    expect(new Set(open)).toEqual(new Set(order.slice(0, 4)));
    const after = await line();
    expect(after.slice(0, 13)).toEqual(order.slice(4));
    expect(after).toHaveLength(18);

    // Every holder lets go at once, twice over: each release admits exactly the next in line.
    for (let round = 0; round < 2; round++) {
      const releases = await Promise.all(open.map((id) => h.call('DELETE', item(id))));
      expect(releases.map((r) => r.json().outcome)).toEqual(['released', 'released', 'released', 'released']);
      open = await openLocks();
      expect(new Set(open)).toEqual(new Set(after.slice(round * 4, round * 4 + 4)));
    }
    expect(await line()).toEqual(after.slice(8));
  });

  it('promotions, idea submissions and acquires at once all complete: scope locks come before the audit chain', async () => {
    // Promoting records the project, then releases the idea's slot (which takes the idea scope to let
    // its queue move up); a submission takes the idea scope, then records. Taken in that order, the two
    // would wait for each other.
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/idea', { limit: 100 });
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 100 });
    const [a, b] = [await h.userWithToken('developer'), await h.userWithToken('developer')];
    const scores = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
    const ideas: string[] = [];
    for (let i = 0; i < 8; i++) {
      const idea = (await h.call('POST', '/api/v1/ideas', { title: `Idea ${i}`, pod: 'ratio' })).json().id;
      for (const who of [a, b])
        expect(
          (await h.call('POST', `/api/v1/ideas/${idea}/evaluations`, { scores }, who.token)).statusCode,
        ).toBe(201);
      ideas.push(idea);
    }
    const results = await Promise.all([
      ...ideas.map((id) => h.call('POST', `/api/v1/ideas/${id}/promote`, { pod: 'ratio' })),
      ...Array.from({ length: 8 }, (_, i) =>
        h.call('POST', '/api/v1/ideas', { title: `New ${i}`, pod: 'ratio' }),
      ),
      ...Array.from({ length: 8 }, (_, i) => acquire(i + 1)),
    ]);
    expect(results.map((r) => r.statusCode).filter((c) => c >= 300)).toEqual([]);
  });

  it('refuses a label or link it cannot show, naming the field', async () => {
    const bad = await h.call('POST', LOCKS, {
      itemId: 'x',
      label: 'a'.repeat(301),
      url: 'javascript:alert(1)',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('label');
    expect(bad.body).toContain('url');
  });

  it('developers take out of the line only what they queued', async () => {
    const a = await h.userWithToken('developer', { pods: ['ratio'] });
    const b = await h.userWithToken('developer', { pods: ['ratio'] });
    await fill(a.token);
    const refused = await h.call('DELETE', item(pr(4)), undefined, b.token);
    expect(refused.statusCode).toBe(403);
    expect((await h.call('DELETE', item(pr(4)), undefined, a.token)).json().outcome).toBe('left_queue');
  });
});

describe.each(testEngines())('the WIP queue and the config file on %s', (engine) => {
  it('a limit raised by the file admits the oldest waiting items', async () => {
    const database = await openTestDatabase(engine);
    try {
      const clock = new FakeClock();
      const file = (limit: number) => ({
        pods: [
          { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London', wipLimits: { 'pull-request': limit } },
        ],
      });
      const ctx = { actor: CONFIG_ACTOR, requestId: null };
      const first = composeServices({ database, policy: defaultPolicy(file(1)), clock });
      await first.applyPolicy();
      const taken = [];
      for (let n = 1; n <= 4; n++)
        taken.push(await first.wip.acquireOrQueue(ctx, 'ratio', 'pull-request', pr(n)));
      expect(taken.map((t) => t.queued)).toEqual([false, true, true, true]);

      const second = composeServices({ database, policy: defaultPolicy(file(3)), clock });
      expect((await second.applyPolicy()).applied).toEqual(['wip:ratio:pull-request']);
      const status = await second.wip.getStatus(ctx, 'ratio');
      const prs = status.types.find((t) => t.itemType === 'pull-request')!;
      expect(prs.holders.map((x) => x.itemId)).toEqual([1, 2, 3].map(pr));
      expect(prs.queue.map((q) => [q.itemId, q.position])).toEqual([[pr(4), 1]]);
    } finally {
      await database.close();
    }
  });
});
