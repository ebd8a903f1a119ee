import { SYSTEM_ACTOR } from '@clos/core';
import { composeCore, type Database, openPostgres } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase, resetDatabase, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENTS_CHANNEL, pokeDelayMs, type Runtime, startRuntime } from '../src/index.ts';

const silent = { info() {}, warn() {}, error() {} };
const ctx = { actor: SYSTEM_ACTOR, requestId: null };

describe.each(testEngines())('outbox and relay on %s', (engine) => {
  let database: Database;
  let runtime: Runtime;
  // On PostgreSQL a second "process" (its own pool and relay) writes and relays too.
  let other: { database: Database; runtime: Runtime } | null = null;
  // What both processes send, for the tests that count statements.
  let logged: string[] = [];
  const onQuery = (query: string) => logged.push(query);

  beforeAll(async () => {
    database = await openTestDatabase(engine, { poolMax: 30, onQuery });
    runtime = await startRuntime({
      core: composeCore({
        database,
        policy: defaultPolicy(),
        clock: new FakeClock(new Date('2026-11-26T09:00:00Z')),
      }),
      logger: silent,
      worker: false,
      relaySweepMs: 50,
    });
    if (engine === 'postgres') {
      const second = await openPostgres((database as Database & { url: string }).url, {
        poolMax: 30,
        onQuery,
      });
      other = {
        database: second,
        runtime: await startRuntime({
          core: composeCore({ database: second, policy: defaultPolicy() }),
          logger: silent,
          worker: false,
          relaySweepMs: 50,
        }),
      };
    }
  });
  afterAll(async () => {
    if (other) {
      await other.runtime.stop();
      await other.database.close();
    }
    await runtime.stop();
    await database.close();
  });
  beforeEach(() => resetDatabase(database));

  it('publishes an audited change as its domain event, in the same transaction', async () => {
    await runtime.services.ideas.submit(ctx, { title: 'Faster CI', description: 'Cache the builds' });
    await runtime.services.auth.createUser(ctx, { email: 'dev@example.com', name: 'Dev', role: 'developer' });
    await runtime.relay.drain();
    const rows = await database.query<{ type: string; seq: string; data: { after: { title: string } } }>(
      'select type, seq, data from domain_events order by seq',
    );
    // Users and tokens are audited but not broadcast.
    expect(rows.map((r) => r.type)).toEqual(['idea.submitted']);
    expect(Number(rows[0]!.seq)).toBe(1);
    expect(rows[0]!.data.after.title).toBe('Faster CI');
  });

  it('reads the open alerts once for a batch of releases, not once per release', async () => {
    const at = new Date('2026-11-26T09:00:00Z');
    logged = [];
    // Five releases committed together reach the relay in one pass.
    await runtime.deps.uow.run(async (repos) => {
      for (let i = 0; i < 5; i++)
        await repos.events.emit({
          type: 'wip.released',
          podId: '00000000-0000-4000-8000-000000000001',
          subjectType: 'wip_lock',
          subjectId: `lock-${i}`,
          actorId: null,
          data: { actor: 'system', before: { pod: 'burst', itemType: 'pull-request', itemId: `pr-${i}` } },
          occurredAt: at,
        });
    });
    await runtime.relay.drain();
    expect(
      Number((await database.query<{ n: string }>('select count(seq) as n from domain_events'))[0]!.n),
    ).toBe(5);
    expect(logged.filter((q) => / from "alerts"/.test(q))).toHaveLength(1);
  });

  it('numbers events in the order they were written, even with equal timestamps', async () => {
    const at = new Date('2026-11-26T09:00:00Z');
    await runtime.deps.uow.run(async (repos) => {
      for (let i = 0; i < 30; i++)
        await repos.events.emit({
          type: 'idea.submitted',
          podId: null,
          subjectType: 'idea',
          subjectId: `idea-${i}`,
          actorId: null,
          data: { actor: 'system', after: { title: `idea ${i}` } },
          occurredAt: at,
        });
    });
    await runtime.relay.drain();
    const rows = await database.query<{ subject_id: string }>(
      'select subject_id from domain_events order by seq',
    );
    expect(rows.map((r) => r.subject_id)).toEqual(Array.from({ length: 30 }, (_, i) => `idea-${i}`));
  });

  it('writes nothing when the change rolls back', async () => {
    await expect(
      runtime.deps.uow.run(async (repos) => {
        await repos.events.emit({
          type: 'idea.submitted',
          podId: null,
          subjectType: 'idea',
          subjectId: 'x',
          actorId: null,
          data: { actor: 'system', after: { title: 'x' } },
          occurredAt: new Date(),
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await runtime.relay.drain();
    expect(await database.query('select 1 from domain_events')).toEqual([]);
  });

  it('gives concurrent writers gap-free sequences that a tailing reader sees in order, none missed', async () => {
    const writers = 40;
    const seen: number[] = [];
    let last = 0;
    let done = false;
    const notified: string[] = [];
    const unlisten = await database.listen(EVENTS_CHANNEL, (payload) => notified.push(payload));
    // A reader that only ever asks for "after the last sequence I saw", like a reconnecting stream.
    const tail = (async () => {
      while (!done || last < writers) {
        const rows = await database.query<{ seq: string }>(
          'select seq from domain_events where seq > $1 order by seq',
          [last],
        );
        for (const r of rows) {
          seen.push(Number(r.seq));
          last = Number(r.seq);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        (i % 2 === 1 && other ? other.runtime : runtime).services.ideas.submit(ctx, {
          title: `Idea ${i}`,
          description: 'concurrent',
        }),
      ),
    );
    await runtime.relay.drain();
    await other?.runtime.relay.drain();
    done = true;
    await tail;
    await unlisten();
    expect(seen).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
    expect(notified.length).toBeGreaterThan(0);
    expect(Number(notified[notified.length - 1])).toBe(writers);
  });
});

describe('the outbox bell', () => {
  it('has the relay dispatch a committed change at once, without waiting for a sweep', async () => {
    const database = await openTestDatabase('pglite');
    const core = composeCore({ database, policy: defaultPolicy() });
    // A sweep an hour away: only the bell rung by the commit can explain a prompt dispatch.
    const runtime = await startRuntime({ core, logger: silent, worker: false, relaySweepMs: 3_600_000 });
    try {
      // Let the relay's start-up pass (a poke a few milliseconds after start) come and go first.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await runtime.relay.drain();
      await core.services.pods.register(ctx, { slug: 'bell', name: 'Bell', timezone: 'UTC' });
      await expect
        .poll(
          async () =>
            (await database.query<{ seq: number | null }>('select seq from domain_events'))[0]?.seq ?? null,
          { timeout: 10_000 },
        )
        .not.toBeNull();
    } finally {
      await runtime.stop();
      await database.close();
    }
  });
});

describe("the relay's wait after a poke", () => {
  it('is short when writes are sparse and longer under load, so that a pass carries many', () => {
    expect(pokeDelayMs(0)).toBe(5);
    expect(pokeDelayMs(1)).toBe(5);
    expect(pokeDelayMs(2)).toBe(20);
    expect(pokeDelayMs(500)).toBe(20);
  });
});
