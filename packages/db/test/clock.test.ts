import { randomUUID } from 'node:crypto';
import { composeCore, createRepositories, type Database, schema as t } from '@clos/db';
import { defaultPolicy, FakeClock, openTestDatabase, resetDatabase, testEngines } from '@clos/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// What the adapter dates by itself (a pod's updatedAt) follows the clock the use cases run on, so a
// test's (or a replay's) clock governs every timestamp written, not only those the use cases pass in.
describe.each(testEngines())('the injected clock in the repositories on %s', (engine) => {
  let database: Database;
  const created = new Date('2026-01-05T08:00:00.000Z');
  const pod = () => ({
    id: randomUUID(),
    slug: `p-${randomUUID().slice(0, 8)}`,
    name: 'P',
    timezone: 'UTC',
    createdAt: created,
  });
  const updatedAt = async (id: string) =>
    (await database.db.select({ at: t.pods.updatedAt }).from(t.pods).where(eq(t.pods.id, id)))[0]!.at;

  beforeAll(async () => {
    database = await openTestDatabase(engine);
  });
  beforeEach(async () => {
    await resetDatabase(database);
  });
  afterAll(async () => {
    await database.close();
  });

  it('stamps a pod update with the clock composeDeps was given, in and outside a transaction', async () => {
    const clock = new FakeClock('2031-07-01T12:00:00.000Z');
    const { deps } = composeCore({ database, policy: defaultPolicy(), clock });
    const p = pod();
    await deps.uow.run(async (repos) => {
      await repos.pods.insert(p);
      await repos.pods.update(p.id, { name: 'Renamed' });
    });
    expect((await updatedAt(p.id)).toISOString()).toBe('2031-07-01T12:00:00.000Z');

    clock.advance(60_000);
    await deps.uow.read.pods.update(p.id, { timezone: 'Europe/Paris' });
    expect((await updatedAt(p.id)).toISOString()).toBe('2031-07-01T12:01:00.000Z');
  });

  it('takes the clock among createRepositories’ options', async () => {
    const clock = new FakeClock('2030-02-03T04:05:06.000Z');
    const repos = createRepositories(database.db, randomUUID, { clock });
    const p = pod();
    await repos.pods.insert(p);
    expect((await updatedAt(p.id)).toISOString()).toBe(created.toISOString());
    await repos.pods.update(p.id, { name: 'Renamed' });
    expect((await updatedAt(p.id)).toISOString()).toBe('2030-02-03T04:05:06.000Z');
  });
});
