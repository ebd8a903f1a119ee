import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
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
  close(): Promise<void>;
  /**
   * Embedded only: bumped on every transaction and raw statement of this process, which is the only
   * writer of its data directory. Null on PostgreSQL, where other processes write as well.
   */
  writes: { version: number } | null;
}

// pg parses `timestamptz` into Date and `bigint` into string; our bigint columns use mode 'number'.
const MIGRATION_LOCK = 7_245_301_118;

/** PostgreSQL through a pool; migrations run under an advisory lock so concurrent starts are safe. */
export async function openPostgres(
  url: string,
  options: { poolMax?: number; migrate?: boolean } = {},
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
      await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  }
  return {
    engine: 'postgres',
    writes: null,
    db: drizzlePg(pool, { schema }) as unknown as Db,
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    close: () => pool.end(),
  };
}

/** Embedded PGlite: a data directory, or memory when `dataDir` is undefined. */
export async function openPglite(
  dataDir: string | undefined,
  options: { migrate?: boolean; client?: PGlite } = {},
): Promise<Database & { client: PGlite }> {
  const client = options.client ?? (dataDir ? await PGlite.create(dataDir) : await PGlite.create());
  const db = drizzlePglite(client, { schema });
  if (options.migrate !== false) await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  const writes = { version: 0 };
  return {
    engine: 'pglite',
    client,
    writes,
    db: db as unknown as Db,
    async query<T>(sql: string, params: unknown[] = []) {
      writes.version += 1;
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        writes.version += 1;
      }
    },
    close: () => client.close(),
  };
}
