/**
 * The archive: one gzip stream of newline-delimited JSON. The first line is the manifest; then, for
 * each table in the manifest's order, a header line `{"table":…,"rows":n}` followed by exactly `n`
 * row lines (each row as PostgreSQL's own `to_jsonb(row)::text`, never re-encoded in JavaScript, so
 * bigints, numerics and timestamps keep every digit); the last line is `{"end":true}`. Row counts
 * decide where a table ends, so a row can never be mistaken for a header whatever its columns are.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export const BACKUP_FORMAT = 'clos-backup/1';

/** The migration a database has applied last (drizzle's journal entry): the schema its rows fit. */
export interface SchemaVersion {
  /** Position in packages/db/migrations/meta/_journal.json (0-based). */
  index: number;
  /** The migration's file name without `.sql`, e.g. `0015_linear`. */
  tag: string;
}

export interface TableManifest {
  name: string;
  /** Columns in the backup, in table order (generated columns excluded: the database computes them). */
  columns: string[];
  rows: number;
  /** SHA-256 (hex) of the table's row lines, each followed by `\n`, in archive order. */
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  /** The version of CLOS that wrote it (root package.json). */
  closVersion: string;
  schema: SchemaVersion;
  engine: 'pglite' | 'postgres';
  /** ISO 8601: when the snapshot was taken. */
  createdAt: string;
  /** The audit chain head inside the snapshot. */
  auditHead: { sequence: number; hash: string };
  /** Every base table of the `public` schema, parents before the tables that reference them. */
  tables: TableManifest[];
}

/** A fault in an archive (truncated, altered, not a CLOS backup): nothing is restored from it. */
export class BackupFormatError extends Error {}

export const sha256Hex = (input: string | Buffer) => createHash('sha256').update(input).digest('hex');

/** Lines of a gzip archive, one at a time (a truncated gzip stream fails here). */
async function* archiveLines(source: Readable): AsyncGenerator<string> {
  const gunzip = createGunzip();
  source.on('error', (error) => gunzip.destroy(error));
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) yield line;
  } catch (error) {
    throw new BackupFormatError(`the archive cannot be read: ${(error as Error).message}`);
  } finally {
    lines.close();
    source.destroy();
  }
}

function parseManifest(line: string | undefined): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(line ?? '');
  } catch {
    throw new BackupFormatError('not a CLOS backup: the first line is not a JSON manifest');
  }
  const m = value as Partial<BackupManifest> | null;
  if (!m || typeof m !== 'object' || typeof m.format !== 'string' || !m.format.startsWith('clos-backup/'))
    throw new BackupFormatError('not a CLOS backup: the first line is not a CLOS backup manifest');
  if (m.format !== BACKUP_FORMAT)
    throw new BackupFormatError(
      `the archive is in format ${m.format}; this CLOS reads ${BACKUP_FORMAT} (restore it with a newer CLOS)`,
    );
  if (
    !m.schema ||
    typeof m.schema.index !== 'number' ||
    typeof m.schema.tag !== 'string' ||
    !Array.isArray(m.tables) ||
    !m.auditHead ||
    (m.engine !== 'pglite' && m.engine !== 'postgres')
  )
    throw new BackupFormatError('the manifest is incomplete (schema, engine, audit head or tables missing)');
  return m as BackupManifest;
}

/** What a reader is handed: the manifest first, then rows in batches, table by table. */
export type ArchiveEntry =
  | { kind: 'manifest'; manifest: BackupManifest }
  | { kind: 'rows'; table: TableManifest; lines: string[] }
  | { kind: 'table-end'; table: TableManifest };

/**
 * Reads an archive, checking as it goes that every table holds the rows and the hash the manifest
 * names, and that nothing is missing or left over; throws {@link BackupFormatError} at the first
 * difference. Rows come in batches of at most `batchRows` lines or about `batchBytes` characters.
 */
export async function* readArchive(
  source: Readable,
  options: { batchRows?: number; batchBytes?: number } = {},
): AsyncGenerator<ArchiveEntry> {
  const batchRows = options.batchRows ?? 500;
  const batchBytes = options.batchBytes ?? 4 * 1024 * 1024;
  const lines = archiveLines(source);
  const next = async () => {
    const r = await lines.next();
    return r.done ? undefined : r.value;
  };
  const manifest = parseManifest(await next());
  yield { kind: 'manifest', manifest };
  for (const table of manifest.tables) {
    const headerLine = await next();
    let header: { table?: unknown; rows?: unknown } | null = null;
    try {
      header = JSON.parse(headerLine ?? 'null');
    } catch {
      // reported below
    }
    if (!header || header.table !== table.name || header.rows !== table.rows)
      throw new BackupFormatError(
        headerLine === undefined
          ? `the archive ends before table ${table.name}: it is truncated`
          : `expected the rows of table ${table.name} next; the archive is damaged`,
      );
    const hash = createHash('sha256');
    let batch: string[] = [];
    let size = 0;
    for (let i = 0; i < table.rows; i++) {
      const line = await next();
      if (line === undefined)
        throw new BackupFormatError(
          `the archive ends inside table ${table.name} (${i} of ${table.rows} rows): it is truncated`,
        );
      hash.update(line).update('\n');
      batch.push(line);
      size += line.length;
      if (batch.length >= batchRows || size >= batchBytes) {
        yield { kind: 'rows', table, lines: batch };
        batch = [];
        size = 0;
      }
    }
    if (hash.digest('hex') !== table.sha256)
      throw new BackupFormatError(
        `the rows of table ${table.name} do not match the manifest's SHA-256: the archive was altered or damaged`,
      );
    if (batch.length) yield { kind: 'rows', table, lines: batch };
    yield { kind: 'table-end', table };
  }
  const end = await next();
  if (end !== '{"end":true}')
    throw new BackupFormatError(
      end === undefined
        ? 'the archive has no end marker: it is truncated'
        : 'unexpected data after the last table',
    );
  if ((await next()) !== undefined) throw new BackupFormatError('unexpected data after the end marker');
}

/** Reads a whole archive file, checking every table; returns its manifest. */
export async function verifyArchiveFile(path: string): Promise<BackupManifest> {
  let manifest: BackupManifest | null = null;
  for await (const entry of readArchive(createReadStream(path)))
    if (entry.kind === 'manifest') manifest = entry.manifest;
  if (!manifest) throw new BackupFormatError('the archive is empty');
  return manifest;
}

/** Only the manifest (the first line), without reading the rest. */
export async function readManifest(source: Readable): Promise<BackupManifest> {
  const lines = archiveLines(source);
  try {
    const first = await lines.next();
    return parseManifest(first.done ? undefined : first.value);
  } finally {
    await lines.return(undefined);
  }
}
