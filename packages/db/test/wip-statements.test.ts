import { SYSTEM_ACTOR } from '@clos/core';
import { composeServices, type Database } from '@clos/db';
import { defaultPolicy, openTestDatabase, resetDatabase, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The statements an acquire and a release send between BEGIN and COMMIT, by what each does: a guard
// on the write path's round trips (issue 18), which no timing in a test could be.
describe.each(testEngines())('the statements of an acquire and a release on %s', (engine) => {
  let database: Database;
  let logged: string[] = [];
  const ctx = { actor: SYSTEM_ACTOR, requestId: 'statements' };

  beforeAll(async () => {
    database = await openTestDatabase(engine, { onQuery: (query) => logged.push(query) });
  });
  beforeEach(() => resetDatabase(database));
  afterAll(() => database.close());

  /** What `work` sent, BEGIN and COMMIT left out, each named by its first words. */
  async function statements(work: () => Promise<unknown>): Promise<string[]> {
    logged = [];
    await work();
    return logged
      .filter((q) => !/^(begin|commit)\b/i.test(q))
      .map((q) => {
        if (q.startsWith('with audited as')) return 'insert audit + outbox';
        if (/pg_advisory_xact_lock/.test(q)) return / from "pods"/.test(q) ? 'pod + scope' : 'scope';
        const verb = q.split(' ')[0];
        // The first table named: a subquery's comes before the outer query's.
        const table = q.match(/^(?:insert into|update) "(\w+)"/)?.[1] ?? q.match(/ from "(\w+)"/)?.[1];
        return `${verb} ${table}`;
      });
  }

  it('acquire: the pod with its scope, the slot, the lock, the audit and outbox rows', async () => {
    const services = composeServices({ database, policy: defaultPolicy() });
    await services.pods.register(ctx, { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    const sent = await statements(() => services.wip.acquire(ctx, 'ratio', 'pull-request', 'pr-1'));
    expect(sent).toEqual(['pod + scope', 'select wip_locks', 'insert wip_locks', 'insert audit + outbox']);
  });

  it('release: the lock and its pod, the scope, the release, the line, the audit and outbox rows', async () => {
    const services = composeServices({ database, policy: defaultPolicy() });
    await services.pods.register(ctx, { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    const acquired = await services.wip.acquire(ctx, 'ratio', 'pull-request', 'pr-1');
    if (!acquired.ok) throw new Error('acquire refused');
    const sent = await statements(() => services.wip.release(ctx, acquired.value.lock.id));
    expect(sent).toEqual([
      'select wip_locks',
      'select pods',
      'scope',
      'update wip_locks',
      // The line: one statement reads the counts that say whether anyone waits (slotCounts).
      'select wip_locks',
      // Written behind: after the work, before the commit.
      'insert audit + outbox',
    ]);
  });
});
