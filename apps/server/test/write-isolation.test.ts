import { type Ctx, createServices, SYSTEM_ACTOR, type UnitOfWork } from '@clos/core';
import { composeCore } from '@clos/db';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const ctx: Ctx = { actor: SYSTEM_ACTOR, requestId: 'write-isolation' };

/** Resolves with `value`, or with 'waiting' if `promise` is still pending after `ms`. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms))]);

/** A transaction in `uow` that takes a scope one way (`take`), then waits to be let go. */
function holdIn(uow: UnitOfWork, take: Parameters<UnitOfWork['run']>[0]) {
  let entered!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const done = uow.run(async (repos) => {
    await take(repos);
    entered();
    await released;
  });
  return { inside, release, done };
}

/**
 * A write serialises only on what its rule needs. The embedded engine has one connection, so there
 * every transaction runs alone by construction; on PostgreSQL two writes to different things must
 * not wait for each other — which they did while every request took the audit chain's head.
 */
describe.skipIf(!testEngines().includes('postgres'))('writes that do not wait on PostgreSQL', () => {
  const engine = 'postgres' as const;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(engine);
    for (const slug of ['ratio', 'ledger'])
      expect((await h.call('POST', '/api/v1/pods', { slug, name: slug, timezone: 'UTC' })).statusCode).toBe(
        201,
      );
  });
  afterAll(() => h.close());

  it("with one pod's acquire held open in its transaction, another pod's acquire and an unrelated write complete", async () => {
    // A second process over the same database, whose next transaction stops just before it commits.
    const other = composeCore({ database: h.database, policy: h.services.policy, clock: h.clock });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding: UnitOfWork = {
      ...other.deps.uow,
      run: (work, options) =>
        other.deps.uow.run(async (repos) => {
          const result = await work(repos);
          entered();
          await released;
          return result;
        }, options),
    };
    const held = createServices({ ...other.deps, uow: holding }).wip.acquire(
      ctx,
      'ratio',
      'pull-request',
      'pr-held',
    );
    await inside;
    try {
      // Everything the acquire writes (its lock, its audit entry, its event) is in the open transaction.
      const elsewhere = await within(h.services.wip.acquire(ctx, 'ledger', 'pull-request', 'pr-other'), 5000);
      expect(elsewhere).not.toBe('waiting');
      expect(elsewhere).toMatchObject({ ok: true });
      const idea = await within(h.services.ideas.submit(ctx, { title: 'Unrelated' }), 5000);
      expect(idea).toMatchObject({ ok: true });
      // The hold is real: the same pod's WIP row is what an acquire there does wait for.
      const samePod = h.services.wip.acquire(ctx, 'ratio', 'pull-request', 'pr-same');
      expect(await within(samePod, 300)).toBe('waiting');
      // The sealer does not wait for the open transaction either: it chains what has committed.
      expect(await within(h.sealAudit(), 5000)).not.toBe('waiting');
      expect((await h.call('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true, unsealed: 0 });
      release();
      expect(await held).toMatchObject({ ok: true });
      expect(await samePod).toMatchObject({ ok: true });
    } finally {
      release();
    }
    // All four are in the log, in the order they committed: the two sealed while the acquire was held
    // first, then the held one and the acquire that waited for it.
    const listed = (await h.call('GET', '/api/v1/audit?limit=4')).json().items as {
      action: string;
      subjectId: string;
      after: { itemId?: string; title?: string } | null;
    }[];
    expect(listed.map((e) => e.after?.itemId ?? e.after?.title).reverse()).toEqual([
      'pr-other',
      'Unrelated',
      'pr-held',
      'pr-same',
    ]);
    expect((await h.call('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true, unsealed: 0 });
  });

  /**
   * `take`, holding its transaction open, blocks lockScope(pod, 'pull-request') and not another type's;
   * and `write`, a use case taking the scope its own way, waits while lockScope's is held: one key,
   * both ways. Returns what `write` returned once let through.
   */
  async function expectSameScope<T>(
    take: Parameters<UnitOfWork['run']>[0],
    write: () => Promise<T>,
  ): Promise<T> {
    const [{ id: podId }] = (await h.database.query<{ id: string }>(
      "select id from pods where slug = 'ratio'",
    )) as [{ id: string }];
    const other = composeCore({ database: h.database, policy: h.services.policy, clock: h.clock });
    const third = composeCore({ database: h.database, policy: h.services.policy, clock: h.clock });

    const taken = holdIn(other.deps.uow, take);
    await taken.inside;
    const byId = third.deps.uow.run((repos) => repos.wip.lockScope(podId, 'pull-request'));
    const otherType = third.deps.uow.run((repos) => repos.wip.lockScope(podId, 'project'));
    try {
      expect(await within(byId, 300)).toBe('waiting');
      // Another type is another scope.
      expect(await within(otherType, 5000)).not.toBe('waiting');
    } finally {
      taken.release();
    }
    await taken.done;
    await byId;

    const held = holdIn(other.deps.uow, (repos) => repos.wip.lockScope(podId, 'pull-request'));
    await held.inside;
    const written = write();
    try {
      expect(await within(written, 300)).toBe('waiting');
    } finally {
      held.release();
    }
    await held.done;
    return written;
  }

  it('an acquire takes its scope with the pod, as the same lock lockScope takes by id (both ways)', async () => {
    const acquired = await expectSameScope(
      (repos) => repos.wip.podInScope('ratio', 'pull-request'),
      () => h.services.wip.acquire(ctx, 'ratio', 'pull-request', 'pr-scope'),
    );
    expect(acquired).toMatchObject({ ok: true });
  });

  it('a release takes its scope with the lock, as the same lock lockScope takes by id (both ways)', async () => {
    const acquired = await h.services.wip.acquire(ctx, 'ratio', 'pull-request', 'pr-release-scope');
    if (!acquired.ok) throw new Error('acquire refused');
    const lockId = acquired.value.lock.id;
    const released = await expectSameScope(
      async (repos) => {
        expect(await repos.wip.lockInScope(lockId)).toMatchObject({
          lock: { id: lockId },
          pod: { slug: 'ratio' },
        });
      },
      () => h.services.wip.release(ctx, lockId),
    );
    expect(released).toMatchObject({ id: lockId, releasedAt: expect.any(Date) });
  });
});
