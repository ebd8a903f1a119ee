/**
 * Where backups go and come from: a local directory or S3 (`s3://bucket/prefix`, or any
 * S3-compatible store through an endpoint override). Credentials come from the AWS SDK's default
 * chain unless given. The endpoint and bucket are the operator's own settings (config file, flags,
 * environment), never a user's input, so outbound calls here need no address guard.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { TakenBackup } from './dump.ts';
import type { BackupManifest } from './format.ts';

/** What can be stored: a backup just taken, or an archive file (one downloaded from a server). */
export type ArchiveSource = Pick<TakenBackup, 'manifest' | 'writeTo'>;

/** An archive already on disk, as something {@link storeBackup} can write out. */
export function archiveFile(path: string, manifest: BackupManifest): ArchiveSource {
  return {
    manifest,
    async writeTo(to) {
      await copyFile(path, to);
      return (await stat(to)).size;
    },
  };
}

export interface S3Settings {
  /** An S3-compatible endpoint (MinIO, a test server); AWS's own when absent. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Explicit keys; the SDK's default chain (environment, profile, instance role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

export type Destination = { kind: 's3'; bucket: string; prefix: string } | { kind: 'dir'; path: string };

export class DestinationError extends Error {}

/** `s3://bucket/prefix` or a directory (relative to `cwd`). */
export function parseDestination(text: string, cwd: string): Destination {
  if (text.startsWith('s3://')) {
    const { bucket, key } = parseS3Url(text);
    return { kind: 's3', bucket, prefix: key.replace(/\/+$/, '') };
  }
  return { kind: 'dir', path: resolve(cwd, text) };
}

export function parseS3Url(text: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text);
  if (!match?.[1]) throw new DestinationError(`${text}: must be s3://bucket/key`);
  return { bucket: match[1], key: match[2] ?? '' };
}

// Loaded on first use: the SDK is large, and the server and the CLI load this package for more than S3.
const sdk = () => import('@aws-sdk/client-s3');

export async function s3Client(settings: S3Settings = {}): Promise<S3Client> {
  const { S3Client } = await sdk();
  return new S3Client({
    region: settings.region ?? 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // Plain PUTs with a known length: accepted by every S3-compatible store (no aws-chunked bodies).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const NAME = /^clos-(\d{8}T\d{9}Z)-(pglite|postgres)\.clos-backup\.gz$/;

/** `clos-20261204T201259123Z-pglite.clos-backup.gz`: names sort in time order. */
export function backupFileName(manifest: Pick<BackupManifest, 'createdAt' | 'engine'>): string {
  const stamp = manifest.createdAt.replace(/[-:.]/g, '');
  return `clos-${stamp}-${manifest.engine}.clos-backup.gz`;
}

export interface Stored {
  /** Where it went: a path or an s3:// URL. */
  location: string;
  bytes: number;
  /** Older backups deleted by the retention rule. */
  deleted: string[];
}

/**
 * Writes the backup under its time-stamped name; then, if `retain` is given, deletes all but the
 * newest `retain` CLOS backups at the destination (only files named like ours; nothing else is touched).
 */
export async function storeBackup(
  backup: ArchiveSource,
  destination: Destination,
  options: { retain?: number | undefined; s3?: S3Settings | undefined } = {},
): Promise<Stored> {
  const name = backupFileName(backup.manifest);
  if (destination.kind === 'dir') {
    mkdirSync(destination.path, { recursive: true });
    const path = join(destination.path, name);
    // Written beside and renamed, so a half-written archive never carries a backup's name.
    const partial = `${path}.partial`;
    const bytes = await backup.writeTo(partial);
    await rename(partial, path);
    const deleted = options.retain ? await pruneDirectory(destination.path, options.retain) : [];
    return { location: path, bytes, deleted };
  }
  const client = await s3Client(options.s3);
  try {
    const key = destination.prefix ? `${destination.prefix}/${name}` : name;
    const bytes = await uploadArchive(client, backup, destination.bucket, key);
    const deleted = options.retain ? await pruneS3(client, destination, options.retain) : [];
    return { location: `s3://${destination.bucket}/${key}`, bytes, deleted };
  } finally {
    client.destroy();
  }
}

async function uploadArchive(client: S3Client, backup: ArchiveSource, bucket: string, key: string) {
  // A PUT needs its length up front: the archive is compressed to a file next to the rows first.
  const dir = await mkdtemp(join(tmpdir(), 'clos-upload-'));
  try {
    const file = join(dir, 'archive.gz');
    const bytes = await backup.writeTo(file);
    const { PutObjectCommand } = await sdk();
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: bytes,
        ContentType: 'application/gzip',
      }),
    );
    return bytes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function pruneDirectory(dir: string, retain: number): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => NAME.test(n)).sort();
  const doomed = names.slice(0, Math.max(0, names.length - retain));
  for (const name of doomed) await rm(join(dir, name), { force: true });
  return doomed.map((name) => join(dir, name));
}

async function listS3(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const { ListObjectsV2Command } = await sdk();
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix ? `${prefix}/` : undefined,
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function pruneS3(
  client: S3Client,
  destination: { bucket: string; prefix: string },
  retain: number,
): Promise<string[]> {
  const base = destination.prefix ? `${destination.prefix}/` : '';
  const keys = (await listS3(client, destination.bucket, destination.prefix))
    // Only our own archives directly under the prefix.
    .filter((k) => k.startsWith(base) && NAME.test(k.slice(base.length)))
    .sort();
  const doomed = keys.slice(0, Math.max(0, keys.length - retain));
  const { DeleteObjectsCommand } = await sdk();
  for (let i = 0; i < doomed.length; i += 1000)
    await client.send(
      new DeleteObjectsCommand({
        Bucket: destination.bucket,
        Delete: { Objects: doomed.slice(i, i + 1000).map((Key) => ({ Key })) },
      }),
    );
  return doomed.map((k) => `s3://${destination.bucket}/${k}`);
}

/** Lists the CLOS backups at a destination, oldest first. */
export async function listBackups(destination: Destination, s3?: S3Settings): Promise<string[]> {
  if (destination.kind === 'dir') {
    if (!existsSync(destination.path)) return [];
    return (await readdir(destination.path))
      .filter((n) => NAME.test(n))
      .sort()
      .map((n) => join(destination.path, n));
  }
  const client = await s3Client(s3);
  try {
    const base = destination.prefix ? `${destination.prefix}/` : '';
    return (await listS3(client, destination.bucket, destination.prefix))
      .filter((k) => k.startsWith(base) && NAME.test(k.slice(base.length)))
      .sort()
      .map((k) => `s3://${destination.bucket}/${k}`);
  } finally {
    client.destroy();
  }
}

/** Downloads `s3://bucket/key` to `path`. */
export async function downloadBackup(url: string, path: string, s3?: S3Settings): Promise<number> {
  const { bucket, key } = parseS3Url(url);
  if (!key) throw new DestinationError(`${url}: name the backup object (s3://bucket/key)`);
  const client = await s3Client(s3);
  try {
    const { GetObjectCommand } = await sdk();
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) throw new DestinationError(`${url}: empty response`);
    await pipeline(object.Body as Readable, createWriteStream(path, { mode: 0o600 }));
    return (await stat(path)).size;
  } finally {
    client.destroy();
  }
}
