/**
 * Which migration a database has applied, and migrating one up to a given migration. Drizzle's
 * migrator applies a whole folder: a temporary copy whose journal stops at the wanted entry brings a
 * database to exactly that schema (the rows of a backup fit it), and the real folder then applies the
 * rest, with whatever data changes those later migrations make.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, MIGRATIONS_FOLDER } from '@clos/db';
import { sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { SchemaVersion } from './format.ts';

interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
  version: string;
  breakpoints: boolean;
}
interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

function readJournal(folder = MIGRATIONS_FOLDER): Journal {
  return JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as Journal;
}

/** The newest schema this CLOS knows: the last migration of its journal. */
export function latestSchema(): SchemaVersion {
  const entries = readJournal().entries;
  const last = entries[entries.length - 1];
  if (!last) throw new Error('the migrations journal is empty');
  return { index: entries.length - 1, tag: last.tag };
}

/** How a backup's schema compares with this CLOS's migrations. */
export type SchemaFit =
  | { fit: 'known'; entry: SchemaVersion }
  | { fit: 'newer'; latest: SchemaVersion }
  | { fit: 'unknown'; latest: SchemaVersion };

export function schemaFit(schema: SchemaVersion): SchemaFit {
  const entries = readJournal().entries;
  const latest = latestSchema();
  const entry = entries[schema.index];
  if (entry && entry.tag === schema.tag) return { fit: 'known', entry: schema };
  if (schema.index > latest.index) return { fit: 'newer', latest };
  return { fit: 'unknown', latest };
}

type Exec = (query: ReturnType<typeof sql>) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * The migration the database has applied last, or null when it has none (a new database).
 * `applied: 'unknown'` when its last migration is not in this CLOS's journal (a newer CLOS migrated it).
 */
export async function appliedSchema(
  exec: Exec,
): Promise<SchemaVersion | null | { unknown: true; createdAt: number }> {
  const exists = await exec(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!exists.rows[0]?.present) return null;
  const last = await exec(
    sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
  );
  const row = last.rows[0];
  if (!row) return null;
  const createdAt = Number(row.created_at);
  const entries = readJournal().entries;
  const index = entries.findIndex((e) => e.when === createdAt);
  if (index < 0) return { unknown: true, createdAt };
  return { index, tag: entries[index]!.tag };
}

export const execOn =
  (database: Database): Exec =>
  async (query) => {
    const result = (await database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
    return { rows: result.rows };
  };

async function migrateFolder(database: Database, folder: string): Promise<void> {
  if (database.engine === 'pglite')
    await migratePglite(database.db as unknown as PgliteDatabase<Record<string, never>>, {
      migrationsFolder: folder,
    });
  else
    await migratePg(database.db as unknown as NodePgDatabase<Record<string, never>>, {
      migrationsFolder: folder,
    });
}

/** Applies this CLOS's migrations up to and including `schema` (none past it). */
export async function migrateTo(database: Database, schema: SchemaVersion): Promise<void> {
  const journal = readJournal();
  const dir = mkdtempSync(join(tmpdir(), 'clos-migrations-'));
  try {
    mkdirSync(join(dir, 'meta'));
    const entries = journal.entries.slice(0, schema.index + 1);
    for (const entry of entries)
      copyFileSync(join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), join(dir, `${entry.tag}.sql`));
    writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
    await migrateFolder(database, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Applies every migration this CLOS has. */
export async function migrateToLatest(database: Database): Promise<void> {
  await migrateFolder(database, MIGRATIONS_FOLDER);
}
