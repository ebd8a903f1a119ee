/**
 * Test helpers: an independent read of every table (not the backup's own code path), throwaway
 * PostgreSQL databases, and a writer that keeps the server busy while a backup runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openPglite, openPostgres } from '@clos/db';
import { emptyPostgresDatabase } from '@clos/testing';
import { sql } from 'drizzle-orm';

/** Every row of every `public` table as PostgreSQL's JSON text (UTC), sorted, by table. */
export async function tableContents(database: Database): Promise<Record<string, string[]>> {
  return database.db.transaction(
    async (tx) => {
      const run = async (text: string) =>
        ((await tx.execute(sql.raw(text))) as unknown as { rows: Record<string, unknown>[] }).rows;
      await run(`set local timezone = 'UTC'`);
      const tables = (
        await run(`select tablename from pg_tables where schemaname = 'public' order by tablename`)
      ).map((r) => String(r.tablename));
      const out: Record<string, string[]> = {};
      for (const t of tables)
        out[t] = (await run(`select to_jsonb(x)::text as j from public."${t}" x`))
          .map((r) => String(r.j))
          .sort();
      return out;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

export async function openDataDir(dir: string): Promise<Database> {
  return openPglite(dir, { migrate: false });
}

/** A new, empty PostgreSQL database on CLOS_TEST_DATABASE_URL's server; `drop` removes it. */
export const throwawayPostgres = () => emptyPostgresDatabase('clos_restore');

export async function openUrl(url: string): Promise<Database> {
  return openPostgres(url, { migrate: false, poolMax: 2 });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `write` over and over until stopped; resolves to how many writes were made. */
export function startWriter(write: (i: number) => Promise<void>): { stop(): Promise<number> } {
  let stopped = false;
  let count = 0;
  const loop = (async () => {
    while (!stopped) {
      await write(count);
      count += 1;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return count;
    },
  };
}
