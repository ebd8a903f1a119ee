import { type Database, schema as t } from '@clos/db';
import { openTestDatabase, testEngines } from '@clos/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepared } from '../src/prepared.ts';

const p = sql.placeholder;
const insertPod = prepared((db) =>
  db
    .insert(t.pods)
    .values({
      id: p('id'),
      slug: p('slug'),
      name: p('name'),
      timezone: p('timezone'),
      createdAt: p('at'),
      updatedAt: p('at'),
    })
    .prepare(''),
);
const podBySlug = prepared((db) =>
  db
    .select({ id: t.pods.id, name: t.pods.name })
    .from(t.pods)
    .where(eq(t.pods.slug, p('slug')))
    .prepare(''),
);
const pod = (id: string, slug: string) => ({
  id,
  slug,
  name: slug,
  timezone: 'UTC',
  at: new Date('2026-12-05T08:00:00Z'),
});
const ID_1 = '00000000-0000-4000-8000-000000000001';
const ID_2 = '00000000-0000-4000-8000-000000000002';

// A statement built once runs in whichever transaction it is handed, on whichever database: what
// packages/db/src/prepared.ts relies on from Drizzle's internals, checked on both engines.
describe.each(testEngines())('statements built once, on %s', (engine) => {
  let database: Database;
  let other: Database;
  const logged: string[] = [];
  beforeAll(async () => {
    database = await openTestDatabase(engine, { onQuery: (query) => logged.push(query) });
    other = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await database.close();
    await other.close();
  });

  it("runs in the transaction it is given: sees that transaction's rows, and loses them with its rollback", async () => {
    const failure = new Error('roll back');
    await expect(
      database.db.transaction(async (tx) => {
        await insertPod(tx).execute(pod(ID_1, 'inside'));
        expect(await podBySlug(tx).execute({ slug: 'inside' })).toEqual([{ id: ID_1, name: 'inside' }]);
        if (engine === 'postgres')
          // Another connection does not see it before the commit: the insert ran on this one.
          expect(await podBySlug(database.db).execute({ slug: 'inside' })).toEqual([]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await podBySlug(database.db).execute({ slug: 'inside' })).toEqual([]);
  });

  it('runs on the database it is given, each its own, and still reaches the query log', async () => {
    await database.db.transaction((tx) => insertPod(tx).execute(pod(ID_1, 'here')));
    await insertPod(other.db).execute(pod(ID_2, 'there'));
    logged.length = 0;
    expect(await podBySlug(database.db).execute({ slug: 'here' })).toEqual([{ id: ID_1, name: 'here' }]);
    expect(await podBySlug(database.db).execute({ slug: 'there' })).toEqual([]);
    expect(await podBySlug(other.db).execute({ slug: 'there' })).toEqual([{ id: ID_2, name: 'there' }]);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/^select "id", "name" from "pods" where "pods"\."slug" = \$1$/);
  });
});
