import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { withDrizzleParsers } from './pglite-parsers.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** A Drizzle database or transaction on either engine. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

export interface Database {
  engine: 'pglite' | 'postgres';
  db: Db;
  /** Runs raw SQL outside Drizzle (health checks, tests that tamper with rows). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Raw SQL in pg-boss's `db.executeSql` shape. Without values, `text` may hold several statements
   * (pg-boss sends `BEGIN; …; COMMIT;` batches).
   */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /**
   * Runs `onNotify` for each NOTIFY on `channel` (PostgreSQL: on a dedicated connection, so it hears
   * every process; PGlite: in process). Resolves to a function that stops listening. `onLost` runs
   * if that connection drops (PostgreSQL restarted, say): notifications stop until you listen again.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    onLost?: () => void,
  ): Promise<() => Promise<void>>;
  /**
   * Runs `work` while holding a session advisory lock on `key`, so processes sharing a PostgreSQL
   * database take turns (start-up steps whose own SQL is not safe to run concurrently). PGlite has one
   * process, so it just runs `work`.
   */
  exclusive<T>(key: number, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Connections in use and idle, and queries waiting for one (metrics). The embedded engine has one
   * connection and no queue of its own to report: it says one idle connection, none waiting.
   */
  poolStats(): { total: number; idle: number; waiting: number };
  /**
   * Embedded only: `version` is bumped on every transaction and raw statement of this process, which
   * is the only writer of its data directory; `raw` on every `query` (statements that bypass the
   * repositories: tools, tests); `auth` after every commit that changed a token or a user, by any of
   * the process's unit of works over this database. Null on PostgreSQL, where other processes write
   * as well.
   */
  writes: { version: number; raw: number; auth: number } | null;
}

/**
 * The outbox relay's transaction-scoped advisory lock (one relay pass at a time across processes). Any
 * number, as long as nothing else takes it; here so that what must not overlap a pass can take it too.
 */
export const RELAY_LOCK = 7_245_301_119;

// pg parses `timestamptz` into Date and `bigint` into string; our bigint columns use mode 'number'.
const MIGRATION_LOCK = 7_245_301_118;
/** How long one migration statement may wait for a table lock on PostgreSQL before its batch gives up. */
export const MIGRATION_LOCK_TIMEOUT = '500ms';
const MIGRATION_ATTEMPTS = 5;

/** Told of each statement Drizzle sends, with its parameters. */
export type QueryListener = (sql: string, params: unknown[]) => void;

const queryLogger = (onQuery: QueryListener | undefined) =>
  onQuery ? { logger: { logQuery: (sql: string, params: unknown[]) => onQuery(sql, params) } } : {};

/** PostgreSQL through a pool; migrations run under an advisory lock so concurrent starts are safe. */
export async function openPostgres(
  url: string,
  options: {
    poolMax?: number;
    migrate?: boolean;
    migrationsFolder?: string;
    /** Told of every statement the repositories send (tests that count round trips). */
    onQuery?: QueryListener;
  } = {},
): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolMax ?? 10 });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Nothing else to do here.
  });
  if (options.migrate !== false) {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      // Migration output from PostgreSQL (NOTICE: relation already exists…) is noise here.
      await client.query('set client_min_messages to warning');
      // Set after the advisory lock, which may rightly wait for another process's migrations. A
      // migration waiting for a table lock queues every writer of that table behind it: behind a long
      // transaction (a report, pg_dump), or in a deadlock with a writer, it gives up first (below
      // PostgreSQL's 1 s deadlock_timeout), so the migration, not a request, is the one that fails;
      // the batch rolls back and is retried, then the start fails while the running release keeps
      // serving (docs/postgresql.md, "Migrations without downtime").
      await client.query(`set lock_timeout = '${MIGRATION_LOCK_TIMEOUT}'`);
      for (let attempt = 1; ; attempt++) {
        try {
          await migratePg(drizzlePg(client, { schema }), {
            migrationsFolder: options.migrationsFolder ?? MIGRATIONS_FOLDER,
          });
          break;
        } catch (error) {
          // 55P03 lock_not_available (the timeout above), 40P01 deadlock_detected: lost a lock race.
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if ((code !== '55P03' && code !== '40P01') || attempt >= MIGRATION_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    } finally {
      // The connection returns to the pool: requests must not inherit the migration's timeout.
      await client.query('reset lock_timeout').catch(() => {});
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  }
  const listeners = new Set<pg.Client>();
  return {
    engine: 'postgres',
    writes: null,
    db: drizzlePg(pool, { schema, ...queryLogger(options.onQuery) }) as unknown as Db,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async executeSql(text, values) {
      const result = await pool.query(text, values);
      // A multi-statement batch answers with one result per statement; pg-boss reads the last.
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return { rows: last?.rows ?? [] };
    },
    async listen(channel, onNotify, onLost) {
      // LISTEN needs its own session: pooled connections change hands between queries.
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {
        // The connection dropped; 'end' follows and tells the owner (see the stream hub).
      });
      client.on('end', () => {
        // Still registered means nobody asked it to stop.
        if (listeners.delete(client)) onLost?.();
      });
      await client.connect();
      listeners.add(client);
      client.on('notification', (n) => {
        if (n.channel === channel) onNotify(n.payload ?? '');
      });
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      return async () => {
        listeners.delete(client);
        await client.end().catch(() => {});
      };
    },
    async exclusive(key, work) {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [key]);
        try {
          return await work();
        } finally {
          await client.query('select pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
      }
    },
    async close() {
      const open = [...listeners];
      listeners.clear();
      await Promise.all(open.map((c) => c.end().catch(() => {})));
      await pool.end();
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** Embedded PGlite: a data directory, or memory when `dataDir` is undefined. */
export async function openPglite(
  dataDir: string | undefined,
  options: { migrate?: boolean; client?: PGlite; onQuery?: QueryListener } = {},
): Promise<Database & { client: PGlite }> {
  const client = options.client ?? (dataDir ? await PGlite.create(dataDir) : await PGlite.create());
  const { forDrizzle, standardTypes } = withDrizzleParsers(client);
  const db = drizzlePglite({ client: forDrizzle, schema, ...queryLogger(options.onQuery) });
  if (options.migrate !== false) await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  const writes = { version: 0, raw: 0, auth: 0 };
  return {
    engine: 'pglite',
    client,
    writes,
    db: db as unknown as Db,
    async query<T>(sql: string, params: unknown[] = []) {
      writes.version += 1;
      writes.raw += 1;
      try {
        return standardTypes(await client.query<T>(sql, params)).rows;
      } finally {
        writes.version += 1;
      }
    },
    async executeSql(text, values) {
      writes.version += 1;
      try {
        if (values && values.length > 0)
          return { rows: standardTypes(await client.query<Record<string, unknown>>(text, values)).rows };
        // `exec` runs a multi-statement batch (the extended protocol behind `query` cannot).
        const results = await client.exec(text);
        const last = results[results.length - 1];
        return { rows: (last ? standardTypes(last).rows : []) as Record<string, unknown>[] };
      } finally {
        writes.version += 1;
      }
    },
    async listen(channel, onNotify) {
      const unlisten = await client.listen(channel, onNotify);
      return async () => {
        if (!client.closed) await unlisten();
      };
    },
    exclusive: (_key, work) => work(),
    close: () => client.close(),
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
  };
}
