import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from './database.ts';

/** The two Drizzle 0.45 fields `prepared` relies on; packages/db/test/prepared.test.ts fails if either moves. */
interface DrizzleInternals {
  /** Shared by a database and all its transactions, and by nothing else. */
  dialect: object;
  _: { session: { client: unknown } };
}

/**
 * A statement whose SQL is built once per database instead of on every call. Drizzle turns a query
 * builder into SQL text, parameters and a row mapping each time a query runs — after the kernel's
 * socket work, the largest share of the server's CPU per write (docs/benchmarks.md). Its prepared
 * queries keep all three, but are bound to the session that prepared them, and every transaction is a
 * session of its own. `prepared(build)` builds once per database (values as `sql.placeholder(…)`)
 * and hands back, for any transaction or pool of that database, the same query running on that
 * session's client.
 *
 * `build` should call `.prepare('')`: the empty name keeps PostgreSQL's unnamed statement (as an
 * unprepared query sends), not a named server-side one, which poolers in transaction mode lose.
 */
export function prepared<Q extends object>(build: (db: Db) => Q): (db: Db) => Q {
  const built = new WeakMap<object, Q>();
  return (db) => {
    const internals = db as unknown as DrizzleInternals;
    let query = built.get(internals.dialect);
    if (!query) {
      query = build(db);
      built.set(internals.dialect, query);
    }
    return Object.create(query, { client: { value: internals._.session.client } }) as Q;
  };
}

const dialect = new PgDialect();

/** A statement built once (as `prepared`'s) and run with its placeholders' values: rows as the driver returns them. */
export interface PreparedSql<Row> {
  execute(values: Record<string, unknown>): Promise<{ rows: Row[] }>;
}

/**
 * `prepared` for a statement written in SQL, where Drizzle's builders do not reach (a data-modifying
 * CTE read by the outer query): no row mapping, the rows as the driver gives them.
 */
export function preparedSql<Row>(build: (db: Db) => SQL): (db: Db) => PreparedSql<Row> {
  return prepared(
    (db) =>
      db._.session.prepareQuery(
        dialect.sqlToQuery(build(db)),
        undefined,
        '',
        false,
      ) as unknown as PreparedSql<Row>,
  );
}
