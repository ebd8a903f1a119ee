/**
 * The operations the CLI, the server route and the scheduled job call: each one opens, does its
 * work and cleans up its temporary files, whatever happens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@clos/db';
import { takeBackup } from './dump.ts';
import type { BackupManifest } from './format.ts';
import { type DatabaseTarget, openDatabaseTarget, type RestoreOutcome, restoreBackup } from './restore.ts';
import { type Destination, downloadBackup, type S3Settings, type Stored, storeBackup } from './store.ts';

export interface BackupResult extends Stored {
  manifest: BackupManifest;
  snapshotMs: number;
}

/** Backs up an open database to a file path or a destination (directory or S3 prefix). */
export async function backupDatabase(
  database: Database,
  to: { file: string } | { destination: Destination; retain?: number | undefined },
  options: { s3?: S3Settings | undefined; tmpDir?: string | undefined; now?: (() => Date) | undefined } = {},
): Promise<BackupResult> {
  const taken = await takeBackup(database, { tmpDir: options.tmpDir, now: options.now });
  try {
    const stored =
      'file' in to
        ? { location: to.file, bytes: await taken.writeTo(to.file), deleted: [] }
        : await storeBackup(taken, to.destination, { retain: to.retain, s3: options.s3 });
    return { ...stored, manifest: taken.manifest, snapshotMs: taken.snapshotMs };
  } finally {
    await taken.dispose();
  }
}

/** Opens a data directory (locked) or a PostgreSQL URL, backs it up, closes it. */
export async function backupTarget(
  target: DatabaseTarget,
  to: Parameters<typeof backupDatabase>[1],
  options: Parameters<typeof backupDatabase>[2] = {},
): Promise<BackupResult> {
  const opened = await openDatabaseTarget(target, { mustExist: true });
  try {
    return await backupDatabase(opened.database, to, options);
  } finally {
    await opened.close();
  }
}

/** Restores from a local file or `s3://bucket/key` (downloaded to a temporary file first). */
export async function restoreFrom(
  source: string,
  target: DatabaseTarget,
  options: { s3?: S3Settings | undefined } = {},
): Promise<RestoreOutcome> {
  if (!source.startsWith('s3://')) return restoreBackup(source, target);
  const dir = await mkdtemp(join(tmpdir(), 'clos-restore-'));
  try {
    const file = join(dir, 'archive.gz');
    await downloadBackup(source, file, options.s3);
    return await restoreBackup(file, target);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
