import { randomUUID } from 'node:crypto';
import { openPglite, schema as t } from '@clos/db';
import { PGlite } from '@electric-sql/pglite';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Drizzle's queries reach PGlite without per-query parsers (PGlite would copy its ~300-entry parser
// table for each), while what every reader sees stays exactly as before.
describe('PGlite parsers set once instead of per query', () => {
  let client: PGlite;
  let plain: PGlite;
  let database: Awaited<ReturnType<typeof openPglite>>;
  const seen: { sql: string; parsers: boolean }[] = [];

  beforeAll(async () => {
    client = await PGlite.create();
    plain = await PGlite.create();
    // Records what reaches the client's query method, from Drizzle or from anything else.
    const recording = (query: PGlite['query']) =>
      ((sql: string, params?: unknown[], options?: { parsers?: object }) => {
        seen.push({ sql, parsers: Boolean(options?.parsers) });
        return query(sql, params, options as never);
      }) as PGlite['query'];
    client.query = recording(client.query.bind(client));
    const transaction = client.transaction.bind(client);
    client.transaction = ((work: (tx: { query: PGlite['query'] }) => Promise<unknown>) =>
      transaction((tx) => {
        tx.query = recording(tx.query.bind(tx));
        return work(tx);
      })) as PGlite['transaction'];
    database = await openPglite(undefined, { client });
  });
  afterAll(async () => {
    await database.close();
    await plain.close();
  });

  it('sends Drizzle’s queries, in and out of a transaction, without parsers', async () => {
    seen.length = 0;
    const id = randomUUID();
    const createdAt = new Date('2026-12-05T09:30:00.123Z');
    await database.db.transaction(async (tx) => {
      await tx
        .insert(t.pods)
        .values({ id, slug: 'parsers', name: 'P', timezone: 'UTC', createdAt, updatedAt: createdAt });
    });
    const [pod] = await database.db.select().from(t.pods).where(eq(t.pods.id, id));
    // Drizzle still maps the timestamp itself, from the text it now always receives.
    expect(pod!.createdAt).toEqual(createdAt);
    expect(seen.filter((q) => /pods/.test(q.sql))).toHaveLength(2);
    expect(seen.filter((q) => q.parsers)).toEqual([]);
  });

  it('gives raw queries the types a plain PGlite (and pg) gives: Date for timestamps, arrays of Date', async () => {
    const sql = `select timestamptz '2026-12-05 09:30:00.5+00' as at, timestamp '2026-12-05 09:30:00' as local,
      date '2026-12-05' as day, array[timestamptz '2026-12-05 09:30:00+00', null] as ats,
      interval '1 day' as span, 1.50::numeric as amount, null::timestamptz as never, 'x' as label`;
    const [raw] = await database.query<Record<string, unknown>>(sql);
    const [reference] = (await plain.query<Record<string, unknown>>(sql)).rows;
    expect(raw).toEqual(reference);
    expect(raw!.at).toBeInstanceOf(Date);
    expect((raw!.ats as unknown[])[0]).toBeInstanceOf(Date);
    // The same through executeSql, the job queue's path, with and without parameters.
    const [withParams] = (await database.executeSql(`${sql}, $1::int as n`, [1])).rows;
    expect(withParams).toEqual({ ...reference, n: 1 });
    const [batch] = (await database.executeSql(`select 1; ${sql}`)).rows;
    expect(batch).toEqual(reference);
  });
});
