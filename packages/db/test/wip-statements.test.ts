import { SYSTEM_ACTOR } from '@clos/core';
import { composeServices, type Database, sealAudit } from '@clos/db';
import { defaultPolicy, openTestDatabase, resetDatabase, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The statements an acquire, a release and the audit sealer send between BEGIN and COMMIT, by what each does: a guard
// on the write path's round trips (issue 18), which no timing in a test could be.
describe.each(testEngines())('the statements of an acquire, a release and a seal on %s', (engine) => {
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
        if (q.startsWith('with released as (update "wip_locks"')) return 'release + line';
        if (/pg_advisory_xact_lock/.test(q))
          return / from "pods"/.test(q)
            ? 'pod + scope'
            : / from "wip_locks"/.test(q)
              ? 'lock + pod + scope'
              : 'scope';
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

  it('release: the lock with its pod and scope, the release, the line, the audit and outbox rows', async () => {
    const services = composeServices({ database, policy: defaultPolicy() });
    await services.pods.register(ctx, { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    const acquired = await services.wip.acquire(ctx, 'ratio', 'pull-request', 'pr-1');
    if (!acquired.ok) throw new Error('acquire refused');
    const sent = await statements(() => services.wip.release(ctx, acquired.value.lock.id));
    expect(sent).toEqual([
      'lock + pod + scope',
      // The release says how long the line is: nobody waits, so the line is not read again.
      'release + line',
      // Written behind: after the work, before the commit.
      'insert audit + outbox',
    ]);
  });
  it('seal: the head only when something waits, the rows taken out, the chain, the head moved', async () => {
    const services = composeServices({ database, policy: defaultPolicy() });
    await services.pods.register(ctx, { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    const seal = () => database.db.transaction((tx) => sealAudit(tx, 500));
    let sealed = 0;
    expect(
      await statements(async () => {
        sealed = await seal();
      }),
    ).toEqual(['select audit_head', 'delete audit_pending', 'insert audit_events', 'update audit_head']);
    expect(sealed).toBe(1);
    // Idle: one look, no lock on the head (the row comes back only when something waits).
    expect(
      await statements(async () => {
        sealed = await seal();
      }),
    ).toEqual(['select audit_head']);
    expect(sealed).toBe(0);
    expect(await database.query('select sequence::int from audit_head')).toEqual([{ sequence: 1 }]);
  });
});
