import { randomUUID } from 'node:crypto';
import type { Repositories } from '@clos/core';
import { createUnitOfWork, type Database } from '@clos/db';
import { openTestDatabase, resetDatabase, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// A change's audit and outbox rows wait in the unit of work and go to the database in one statement
// just before the commit: one round trip fewer per row kind on every write.
describe.each(testEngines())('audit and outbox rows written behind on %s', (engine) => {
  let database: Database;
  let logged: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase(engine, { onQuery: (query) => logged.push(query) });
  });
  beforeEach(async () => {
    await resetDatabase(database);
    logged = [];
  });
  afterAll(async () => {
    await database.close();
  });

  const at = new Date('2026-12-05T09:00:00.000Z');
  const audit = (action: string) => ({
    at,
    actorId: null,
    actorLabel: 'system',
    requestId: 'req-1',
    action,
    subjectType: 'pod',
    subjectId: 'p1',
    after: { action },
  });
  const event = (subjectId: string, podId: string | null = null) =>
    ({
      type: 'idea.submitted',
      podId,
      subjectType: 'idea',
      subjectId,
      actorId: null,
      data: { actor: 'system', after: { title: subjectId } },
      occurredAt: at,
    }) as Parameters<Repositories['events']['emit']>[0];

  const pendingActions = async () =>
    (await database.query<{ action: string }>('select action from audit_pending order by position')).map(
      (r) => r.action,
    );
  const outboxSubjects = async () =>
    (
      await database.query<{ subject_id: string }>('select subject_id from domain_events order by position')
    ).map((r) => r.subject_id);

  it('inserts every audit and outbox row of a change in one statement, in the order recorded', async () => {
    const uow = createUnitOfWork(database, randomUUID);
    await uow.run(async (repos) => {
      await repos.audit.append(audit('first'));
      await repos.events.emit(event('one'));
      await repos.audit.append(audit('second'));
      await repos.events.emit(event('two'));
    });
    const inserts = logged.filter((q) => /\binsert into\b/.test(q));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).toMatch(
      /^with audited as \(insert into "audit_pending" .*\) insert into "domain_events"/,
    );
    expect(await pendingActions()).toEqual(['first', 'second']);
    expect(await outboxSubjects()).toEqual(['one', 'two']);
  });

  it('writes a change with only audit rows, or only events, with one insert', async () => {
    const uow = createUnitOfWork(database, randomUUID);
    await uow.run(async (repos) => {
      await repos.audit.append(audit('alone'));
    });
    await uow.run(async (repos) => {
      await repos.events.emit(event('solo'));
    });
    expect(logged.filter((q) => /\binsert into\b/.test(q))).toHaveLength(2);
    expect(await pendingActions()).toEqual(['alone']);
    expect(await outboxSubjects()).toEqual(['solo']);
  });

  it('drops them with a change that fails after recording them', async () => {
    const uow = createUnitOfWork(database, randomUUID);
    await expect(
      uow.run(async (repos) => {
        await repos.audit.append(audit('doomed'));
        await repos.events.emit(event('doomed'));
        throw new Error('the rule refused');
      }),
    ).rejects.toThrow('the rule refused');
    expect(await pendingActions()).toEqual([]);
    expect(await outboxSubjects()).toEqual([]);
  });

  it('rolls the whole change back when the flush itself fails', async () => {
    const uow = createUnitOfWork(database, randomUUID);
    const podId = randomUUID();
    await expect(
      uow.run(async (repos) => {
        await repos.pods.insert({
          id: podId,
          slug: 'kept-out',
          name: 'Kept out',
          timezone: 'UTC',
          createdAt: at,
        });
        await repos.audit.append(audit('pod.registered'));
        // Not a uuid: the outbox insert fails, at the flush, after the work itself succeeded.
        await repos.events.emit(event('bad', 'not-a-uuid'));
      }),
    ).rejects.toThrow();
    expect(await database.query('select 1 from pods where id = $1', [podId])).toHaveLength(0);
    expect(await pendingActions()).toEqual([]);
  });
});
