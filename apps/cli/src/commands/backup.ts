/**
 * `clos backup` and `clos restore` (docs/backup.md). A backup of a running server goes through its
 * API (the embedded engine's data directory belongs to the server process); with `--data-dir` or
 * `--database-url` the CLI opens the database itself. A restore always opens its target itself: it
 * must be empty, and nothing else may be using it. `@clos/backup` (database drivers, the AWS SDK) is
 * loaded inside the actions only, so `clos --version` and every other command stay quick.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, EXIT, usageError } from '@clos/cli-kit';
import type { Command } from 'commander';
import { action, type Runtime, type Session, wholeNumber } from '../context.ts';
import { resolveConnection } from '../profiles.ts';

type Backup = typeof import('@clos/backup');

interface BackupOptions {
  out?: string;
  to?: string;
  dataDir?: string;
  databaseUrl?: string;
  retain?: number;
}

interface RestoreOptions {
  dataDir?: string;
  databaseUrl?: string;
}

const S3_HELP = `
S3 (--to s3://bucket/prefix, restore s3://bucket/key): credentials from the AWS SDK's default chain
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role); AWS_REGION (default
us-east-1); CLOS_S3_ENDPOINT for an S3-compatible store (MinIO, …). Details: docs/backup.md.`;

export function registerBackupCommands(program: Command, runtime: Runtime): void {
  program
    .command('backup')
    .description(
      'a consistent, compressed backup of the whole database: from the running server (its API), or directly with --data-dir / --database-url',
    )
    .option('--out <file>', 'write the archive to this file')
    .option('--to <destination>', 'a directory or s3://bucket/prefix: written under a time-stamped name')
    .option('--retain <n>', 'with --to: keep only the newest n backups there', wholeNumber(1, 100_000))
    .option(
      '--data-dir <dir>',
      'back up this embedded data directory directly (no server may be running on it)',
    )
    .option('--database-url <url>', 'back up this PostgreSQL database directly')
    .addHelpText('after', S3_HELP)
    .action(
      action<BackupOptions>(runtime, async (s, o) => {
        if (Boolean(o.out) === Boolean(o.to))
          throw usageError('give exactly one of --out FILE and --to DESTINATION');
        if (o.dataDir && o.databaseUrl) throw usageError('give --data-dir or --database-url, not both');
        if (o.retain && !o.to) throw usageError('--retain goes with --to');
        const backup = await import('@clos/backup');
        const cwd = s.runtime.cwd;
        const s3 = s3Settings(s.runtime.env);
        const to = o.to
          ? { destination: parseDestination(backup, o.to, cwd), retain: o.retain }
          : { file: resolve(cwd, o.out!) };
        const result = await guard(backup, async () => {
          if (o.dataDir || o.databaseUrl) {
            const target = o.dataDir
              ? { dataDir: resolve(cwd, o.dataDir) }
              : { databaseUrl: postgresUrl(o.databaseUrl!) };
            return backup.backupTarget(target, to, { s3 });
          }
          return backupThroughServer(s, backup, to, s3);
        });
        const m = result.manifest;
        if (s.out.json)
          return s.out.printJson({
            location: result.location,
            bytes: result.bytes,
            deleted: result.deleted,
            manifest: { ...m, tables: m.tables.map(({ name, rows, sha256 }) => ({ name, rows, sha256 })) },
          });
        const rows = m.tables.reduce((n, t) => n + t.rows, 0);
        s.out.line(`backup written to ${result.location} (${formatBytes(result.bytes)})`);
        s.out.line(
          `  ${m.tables.length} tables, ${rows} rows; audit head ${m.auditHead.sequence}; schema ${m.schema.tag}; ${m.engine}; CLOS ${m.closVersion}; taken ${m.createdAt}`,
        );
        for (const gone of result.deleted) s.out.line(`  deleted older backup ${gone}`);
      }),
    );

  program
    .command('restore')
    .description(
      'restore a backup (a file or s3://bucket/key) into an EMPTY data directory or PostgreSQL database, then verify the audit chain',
    )
    .argument('<source>', 'the archive: a file or s3://bucket/key')
    .option('--data-dir <dir>', 'a new (or empty) embedded data directory')
    .option('--database-url <url>', 'an empty PostgreSQL database')
    .addHelpText(
      'after',
      `
Refused: a target holding any row, and a backup whose schema is newer than this CLOS's migrations.
The keys are not in a backup: copy secret.key (and audit-signing.key) from the old data directory,
or start the server with the same CLOS_SECRET_KEY. Exit 1 when the audit chain does not verify.${S3_HELP}`,
    )
    .action(
      action<RestoreOptions>(runtime, async (s, o, command) => {
        const source = command.args[0]!;
        if (Boolean(o.dataDir) === Boolean(o.databaseUrl))
          throw usageError('give the target: exactly one of --data-dir DIR and --database-url URL');
        const backup = await import('@clos/backup');
        const cwd = s.runtime.cwd;
        const target = o.dataDir
          ? { dataDir: resolve(cwd, o.dataDir) }
          : { databaseUrl: postgresUrl(o.databaseUrl!) };
        const from = source.startsWith('s3://') ? source : resolve(cwd, source);
        const outcome = await guard(backup, () =>
          backup.restoreFrom(from, target, { s3: s3Settings(s.runtime.env) }),
        );
        if (outcome.status === 'refused')
          throw new CliError(`restore refused: ${outcome.message}`, EXIT.failed, [], {
            status: outcome.status,
            reason: outcome.reason,
            message: outcome.message,
            ...(outcome.tables ? { tables: outcome.tables } : {}),
          });
        const m = outcome.manifest;
        const { audit } = outcome;
        if (s.out.json) {
          s.out.printJson({
            status: outcome.status,
            rows: outcome.rows,
            schema: outcome.schema,
            audit,
            manifest: { ...m, tables: m.tables.map(({ name, rows }) => ({ name, rows })) },
          });
        } else {
          s.out.line(
            `restored ${outcome.rows} rows in ${m.tables.length} tables into ${backup.describeTarget(target)}`,
          );
          s.out.line(
            `  backup taken ${m.createdAt} on ${m.engine} by CLOS ${m.closVersion} (schema ${m.schema.tag}; now ${outcome.schema.tag})`,
          );
          if (audit.ok)
            s.out.line(
              `  audit chain verified: ${audit.events} events, ${audit.checkpoints} signed checkpoint${audit.checkpoints === 1 ? '' : 's'}${audit.keyIds.length ? ` (key ${audit.keyIds.join(', ')})` : ''}`,
            );
        }
        if (!audit.ok)
          throw new CliError(
            `the restored audit chain does not verify: ${audit.reason} (at event ${audit.brokenAt})`,
            EXIT.failed,
            [
              'the data was restored as the archive holds it; do not put it into service before finding out why',
            ],
          );
      }),
    );
}

/** Operator settings for S3 from the environment (what `clos` reads; the server reads its config file). */
function s3Settings(env: NodeJS.ProcessEnv) {
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  return {
    endpoint: env.CLOS_S3_ENDPOINT || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    credentials,
  };
}

function postgresUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw usageError('--database-url: must start with postgres:// or postgresql://');
  return url;
}

function parseDestination(backup: Backup, text: string, cwd: string) {
  try {
    return backup.parseDestination(text, cwd);
  } catch (error) {
    if (error instanceof backup.DestinationError) throw usageError(error.message);
    throw error;
  }
}

/** The library's expected faults as exit codes and advice. */
async function guard<T>(backup: Backup, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof backup.BackupFormatError) throw usageError(error.message);
    if (error instanceof backup.MissingDatabaseError || error instanceof backup.DestinationError)
      throw usageError(error.message);
    if (error instanceof backup.DataDirLockedError) throw new CliError(error.message, EXIT.failed);
    if (error instanceof backup.NewerSchemaError) throw new CliError(error.message, EXIT.failed);
    const name = (error as { name?: string }).name;
    // The AWS SDK's service errors (no such bucket, access denied) carry the service's own message.
    if (name && (error as { $metadata?: unknown }).$metadata !== undefined)
      throw new CliError(`S3: ${name}: ${(error as Error).message}`, EXIT.unreachable);
    throw error;
  }
}

/** Downloads the archive from the server, checks it whole, then writes it where it was asked. */
async function backupThroughServer(
  s: Session,
  backup: Backup,
  to: { file: string } | { destination: import('@clos/backup').Destination; retain?: number | undefined },
  s3: ReturnType<typeof s3Settings>,
) {
  const connection = await resolveConnection(s.globals.profile, s.runtime.env);
  // Appended, not resolved: a server behind a path prefix keeps it (as the typed client does).
  const url = `${connection.url.replace(/\/+$/, '')}/api/v1/admin/backup`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        'user-agent': 'clos-cli',
        ...(connection.token ? { authorization: `Bearer ${connection.token}` } : {}),
      },
    });
  } catch (error) {
    throw new CliError(`cannot reach ${connection.url}: ${(error as Error).message}`, EXIT.unreachable, [
      'is the server running? For a stopped server, back up its data directly: --data-dir DIR or --database-url URL',
    ]);
  }
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    const message = body?.error?.message ?? `HTTP ${response.status}`;
    throw new CliError(
      `the server refused the backup: ${message}`,
      response.status === 400 || response.status === 404 ? EXIT.usage : EXIT.unreachable,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'clos-download-'));
  try {
    const file = join(dir, 'archive.gz');
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      createWriteStream(file, { mode: 0o600 }),
    );
    // Checked whole before it is called a backup: a download cut short must not pass for one.
    const manifest = await backup.verifyArchiveFile(file);
    if ('file' in to) {
      const partial = `${to.file}.partial`;
      const bytes = await backup.archiveFile(file, manifest).writeTo(partial);
      await rename(partial, to.file);
      return { location: to.file, bytes, deleted: [] as string[], manifest };
    }
    const stored = await backup.storeBackup(backup.archiveFile(file, manifest), to.destination, {
      retain: to.retain,
      s3,
    });
    return { ...stored, manifest };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
