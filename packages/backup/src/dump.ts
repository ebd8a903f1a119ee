/**
 * Taking a backup: every table read in ONE read-only REPEATABLE READ transaction, so the archive is
 * one consistent snapshot while other transactions (and, on PostgreSQL, other processes) keep
 * writing. The rows go to an uncompressed temporary file first and are compressed afterwards, while
 * the archive is written out: on the embedded engine (one connection, every statement queued behind
 * the open transaction) writers wait only for the read, not for gzip or a slow network.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Database } from '@clos/db';
import { sql } from 'drizzle-orm';
import { type CatalogTable, quoteIdent, readCatalog } from './catalog.ts';
import { BACKUP_FORMAT, type BackupManifest, type TableManifest } from './format.ts';
import { appliedSchema } from './schema-version.ts';

const FETCH_ROWS = 1000;
const CURSOR = 'clos_backup_rows';

/** The version in the repository's root package.json: what `clos --version` names. */
export function closVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** A backup taken and held in a temporary file until written out; `dispose` deletes the file. */
export interface TakenBackup {
  manifest: BackupManifest;
  /** How long the snapshot transaction was open, in milliseconds (what writers waited on PGlite). */
  snapshotMs: number;
  /** The gzip archive, read from the temporary file (callable more than once). */
  stream(): Readable;
  /** Writes the archive to `path`; resolves to its size in bytes. */
  writeTo(path: string): Promise<number>;
  dispose(): Promise<void>;
}

/** The database holds migrations this CLOS does not know: back it up with the CLOS that migrated it. */
export class NewerSchemaError extends Error {}

function selectRows(table: CatalogTable): string {
  const order = table.primaryKey.length
    ? table.primaryKey.map(quoteIdent).join(', ')
    : // No key to order by: the row's own text, in byte order, so every dump of it reads alike.
      `to_jsonb(${CURSOR}_row)::text collate "C"`;
  return `select to_jsonb(${CURSOR}_row)::text as line from public.${quoteIdent(table.name)} as ${CURSOR}_row order by ${order}`;
}

export async function takeBackup(
  database: Database,
  options: { tmpDir?: string | undefined; now?: (() => Date) | undefined } = {},
): Promise<TakenBackup> {
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'clos-backup-'));
  const dataPath = join(dir, 'rows.ndjson');
  const out = createWriteStream(dataPath);
  // A write error (a full disk) must end the transaction, not leave it waiting for a 'drain' that
  // never comes: on the embedded engine every other statement would wait with it.
  let writeError: Error | null = null;
  out.on('error', (error) => {
    writeError = error;
  });
  try {
    const write = async (chunk: string) => {
      if (writeError) throw writeError;
      if (!out.write(chunk)) await once(out, 'drain');
    };
    const started = performance.now();
    const snapshot = await database.db.transaction(
      async (tx) => {
        const exec = async (query: ReturnType<typeof sql>) =>
          (await tx.execute(query)) as unknown as { rows: Record<string, unknown>[] };
        // Timestamps as UTC text, whichever zone the server or the session is set to.
        await exec(sql`set local timezone = 'UTC'`);
        const schema = await appliedSchema(exec);
        if (!schema)
          throw new Error('the database has no CLOS schema (no migration applied): nothing to back up');
        if ('unknown' in schema)
          throw new NewerSchemaError(
            'the database was migrated by a newer CLOS than this one: back it up with that version',
          );
        const catalog = await readCatalog(exec);
        const head = (await exec(sql`select sequence, hash from audit_head where id = 1`)).rows[0];
        const createdAt = (options.now?.() ?? new Date()).toISOString();
        const tables: (TableManifest & { bytes: number })[] = [];
        for (const table of catalog) {
          const hash = createHash('sha256');
          let rows = 0;
          let bytes = 0;
          await exec(sql.raw(`declare ${CURSOR} no scroll cursor for ${selectRows(table)}`));
          for (;;) {
            const batch = (await exec(sql.raw(`fetch forward ${FETCH_ROWS} from ${CURSOR}`))).rows;
            if (batch.length === 0) break;
            const text = `${batch.map((r) => r.line as string).join('\n')}\n`;
            hash.update(text);
            bytes += Buffer.byteLength(text);
            rows += batch.length;
            await write(text);
            if (batch.length < FETCH_ROWS) break;
          }
          await exec(sql.raw(`close ${CURSOR}`));
          tables.push({ name: table.name, columns: table.columns, rows, sha256: hash.digest('hex'), bytes });
        }
        return {
          schema,
          createdAt,
          tables,
          auditHead: { sequence: Number(head?.sequence ?? 0), hash: String(head?.hash ?? '') },
        };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    const snapshotMs = performance.now() - started;
    out.end();
    await once(out, 'finish');

    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      closVersion: closVersion(),
      schema: snapshot.schema,
      engine: database.engine,
      createdAt: snapshot.createdAt,
      auditHead: snapshot.auditHead,
      tables: snapshot.tables.map(({ bytes: _bytes, ...t }) => t),
    };
    const sections = snapshot.tables;

    async function* lines(): AsyncGenerator<string | Buffer> {
      yield `${JSON.stringify(manifest)}\n`;
      let offset = 0;
      for (const table of sections) {
        yield `${JSON.stringify({ table: table.name, rows: table.rows })}\n`;
        if (table.bytes > 0)
          yield* createReadStream(dataPath, { start: offset, end: offset + table.bytes - 1 });
        offset += table.bytes;
      }
      yield '{"end":true}\n';
    }
    const stream = () => {
      const gzip = createGzip();
      pipeline(Readable.from(lines()), gzip).catch((error: unknown) => gzip.destroy(error as Error));
      return gzip;
    };
    return {
      manifest,
      snapshotMs,
      stream,
      async writeTo(path) {
        await pipeline(stream(), createWriteStream(path, { mode: 0o600 }));
        return (await stat(path)).size;
      },
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    out.destroy();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
