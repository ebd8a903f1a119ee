/**
 * Restoring an archive into an empty target: a new (or empty) embedded data directory, or an empty
 * PostgreSQL database, whichever engine took the backup. The order matters:
 * 1. the whole archive is read and checked (every table's count and hash) before anything is touched;
 * 2. a backup from a newer schema than this CLOS knows is refused, as is a target holding any row;
 * 3. the target is migrated to exactly the backup's schema, the rows load in ONE transaction (parents
 *    before children, sequences moved past the loaded keys), then the remaining migrations run;
 * 4. the audit chain and its signed checkpoints are verified on the result.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, lockDataDir, openPglite, openPostgres } from '@clos/db';

/** What to do instead when a running server holds the data directory. */
const IN_USE_ADVICE =
  'back up a running server through its API (clos backup --out FILE, without --data-dir), or stop it first';

import { sql } from 'drizzle-orm';
import { quoteIdent } from './catalog.ts';
import { type BackupManifest, readArchive, type SchemaVersion, verifyArchiveFile } from './format.ts';
import {
  appliedSchema,
  execOn,
  latestSchema,
  migrateTo,
  migrateToLatest,
  schemaFit,
} from './schema-version.ts';
import { type AuditCheck, verifyAudit } from './verify-audit.ts';

/**
 * Where to restore (or back up directly): an embedded data directory, a PostgreSQL URL, or a database
 * the caller has open (and keeps: it is not closed here).
 */
export type DatabaseTarget = { dataDir: string } | { databaseUrl: string } | { database: Database };

export const describeTarget = (t: DatabaseTarget) =>
  'dataDir' in t
    ? `data directory ${t.dataDir}`
    : 'databaseUrl' in t
      ? `database ${redactUrl(t.databaseUrl)}`
      : `${t.database.engine} database`;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** An open database and how to let go of it (closing it, and unlocking a data directory). */
export interface OpenedDatabase {
  database: Database;
  close(): Promise<void>;
}

/**
 * Opens a target without migrating it. A data directory is locked first (a running server's is
 * refused with `DataDirLockedError` from @clos/db); `mustExist` refuses one that holds no database.
 */
export async function openDatabaseTarget(
  target: DatabaseTarget,
  options: { mustExist?: boolean } = {},
): Promise<OpenedDatabase> {
  if ('database' in target) return { database: target.database, close: async () => {} };
  if ('databaseUrl' in target) {
    const database = await openPostgres(target.databaseUrl, { migrate: false, poolMax: 2 });
    return { database, close: () => database.close() };
  }
  const dir = target.dataDir;
  if (options.mustExist && !existsSync(join(dir, 'PG_VERSION')))
    throw new MissingDatabaseError(`${dir} holds no CLOS database (is --data-dir right?)`);
  const unlock = lockDataDir(dir, { advice: IN_USE_ADVICE });
  try {
    const database = await openPglite(dir, { migrate: false });
    return {
      database,
      async close() {
        try {
          await database.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

export class MissingDatabaseError extends Error {}

/** Tables of `public` holding anything a restore would collide with (the seeded genesis head is not). */
export async function nonEmptyTables(database: Database): Promise<string[]> {
  const tables = await database.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
  );
  const found: string[] = [];
  for (const { name } of tables) {
    const where = name === 'audit_head' ? ' where sequence > 0' : '';
    const rows = await database.query(`select 1 from public.${quoteIdent(name)}${where} limit 1`);
    if (rows.length) found.push(name);
  }
  return found;
}

export type RestoreOutcome =
  | {
      status: 'restored';
      manifest: BackupManifest;
      rows: number;
      /** The schema after the remaining migrations ran. */
      schema: SchemaVersion;
      audit: AuditCheck;
    }
  | {
      status: 'refused';
      reason: 'newer_schema' | 'unknown_schema' | 'not_empty' | 'target_newer';
      message: string;
      manifest: BackupManifest;
      tables?: string[];
    };

/** Restores the archive at `path` (a local file) into `target`. */
export async function restoreBackup(path: string, target: DatabaseTarget): Promise<RestoreOutcome> {
  const manifest = await verifyArchiveFile(path);
  const fit = schemaFit(manifest.schema);
  if (fit.fit === 'newer')
    return {
      status: 'refused',
      reason: 'newer_schema',
      manifest,
      message: `the backup's schema (${manifest.schema.tag}, from CLOS ${manifest.closVersion}) is newer than this CLOS's (${fit.latest.tag}): restore it with CLOS ${manifest.closVersion} or later`,
    };
  if (fit.fit === 'unknown')
    return {
      status: 'refused',
      reason: 'unknown_schema',
      manifest,
      message: `the backup's schema (${manifest.schema.tag}) is not one of this CLOS's migrations: restore it with the CLOS that took it (${manifest.closVersion})`,
    };

  const opened = await openDatabaseTarget(target);
  try {
    const { database } = opened;
    const busy = await nonEmptyTables(database);
    if (busy.length)
      return {
        status: 'refused',
        reason: 'not_empty',
        manifest,
        tables: busy,
        message: `the ${describeTarget(target)} is not empty (rows in ${busy.slice(0, 5).join(', ')}${busy.length > 5 ? ', …' : ''}): restore into a new data directory or an empty database`,
      };
    const applied = await appliedSchema(execOn(database));
    if (applied) {
      if ('unknown' in applied || applied.index > manifest.schema.index)
        return {
          status: 'refused',
          reason: 'target_newer',
          manifest,
          message: `the ${describeTarget(target)} is empty but already migrated past the backup's schema (${manifest.schema.tag}): restore into a new data directory or a newly created database`,
        };
    }
    await migrateTo(database, manifest.schema);
    const rows = await loadRows(database, path);
    await migrateToLatest(database);
    const audit = await verifyAudit(database);
    return { status: 'restored', manifest, rows, schema: latestSchema(), audit };
  } finally {
    await opened.close();
  }
}

/** Every row of the archive, in one transaction; returns how many were loaded. */
async function loadRows(database: Database, path: string): Promise<number> {
  return database.db.transaction(async (tx) => {
    const exec = async (query: ReturnType<typeof sql>) =>
      (await tx.execute(query)) as unknown as { rows: Record<string, unknown>[] };
    await exec(sql`set local timezone = 'UTC'`);
    let loaded = 0;
    let manifest: BackupManifest | null = null;
    for await (const entry of readArchive(createReadStream(path))) {
      if (entry.kind === 'manifest') {
        manifest = entry.manifest;
        continue;
      }
      if (entry.kind !== 'rows') continue;
      const table = sql.raw(`public.${quoteIdent(entry.table.name)}`);
      const json = `[${entry.lines.join(',')}]`;
      if (entry.table.name === 'audit_head') {
        // Seeded by the migrations (the genesis head) and guarded: it only moves forward, onto an
        // event the log holds, which the events loaded before it now are.
        await exec(sql`
          update audit_head set sequence = r.sequence, hash = r.hash
            from jsonb_populate_recordset(null::audit_head, ${json}::jsonb) r
           where audit_head.id = r.id and r.sequence > 0`);
      } else {
        const columns = sql.raw(entry.table.columns.map(quoteIdent).join(', '));
        await exec(
          sql`insert into ${table} (${columns}) select ${columns} from jsonb_populate_recordset(null::${table}, ${json}::jsonb)`,
        );
      }
      loaded += entry.lines.length;
    }
    if (!manifest) throw new Error('the archive has no manifest');
    // Rows came with their keys: serial and identity sequences must start past them.
    const serials = (
      await exec(sql`
        select c.relname as table, a.attname as column
          from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
           and pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) is not null`)
    ).rows;
    for (const r of serials) {
      const t = `public.${quoteIdent(String(r.table))}`;
      const c = quoteIdent(String(r.column));
      await exec(
        sql.raw(
          `select setval(pg_get_serial_sequence('${t.replaceAll("'", "''")}', '${String(r.column).replaceAll("'", "''")}'), coalesce((select max(${c}) from ${t}), 0) + 1, false)`,
        ),
      );
    }
    return loaded;
  });
}
