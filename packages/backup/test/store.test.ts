import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Notification } from '@clos/core';
import { openTestDatabase } from '@clos/testing';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../../apps/server/test/harness.ts';
import {
  backupDatabase,
  listBackups,
  parseDestination,
  restoreFrom,
  type S3Settings,
  s3Client,
} from '../src/index.ts';
import { tempDir } from './helpers.ts';

// s3rver checks signatures made with these keys (its defaults).
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const BUCKET = 'clos-backups';

describe('backups to S3 (a local s3rver) and to a directory, with retention', { timeout: 120_000 }, () => {
  const dirs = tempDir('clos-backup-store-');
  let s3server: S3rver;
  let s3: S3Settings;
  let h: Harness;
  const notified: Notification[] = [];
  const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    mkdirSync(join(dirs.path, 's3'));
    s3server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      directory: join(dirs.path, 's3'),
      silent: true,
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await s3server.run();
    s3 = { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials };
    // The scheduled job takes credentials from the SDK's default chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    h = await startHarness(
      'pglite',
      {
        backups: {
          schedule: { at: '02:30', timezone: 'UTC' },
          to: `s3://${BUCKET}/scheduled`,
          retain: { count: 2 },
          s3: { endpoint: s3.endpoint, region: 'us-east-1' },
        },
      },
      undefined,
      { runtime: true, notifiers: [{ name: 'test', send: async (n) => void notified.push(n) }] },
    );
    for (let i = 0; i < 3; i++) await h.call('POST', '/api/v1/ideas', { title: `Stored idea ${i}` });
  });
  afterAll(async () => {
    await h?.close();
    await s3server?.close();
    process.env.AWS_ACCESS_KEY_ID = savedEnv.id;
    process.env.AWS_SECRET_ACCESS_KEY = savedEnv.secret;
    if (savedEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (savedEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    dirs.remove();
  });

  it('uploads under time-stamped names, keeps the newest n (and nothing else is touched), and restores from s3://', async () => {
    const destination = parseDestination(`s3://${BUCKET}/nightly`, dirs.path);
    // Someone else's object under the prefix: retention must leave it alone.
    const client = await s3Client(s3);
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'nightly/notes.txt', Body: Buffer.from('keep me') }),
    );
    client.destroy();
    const stored = [];
    for (const day of ['2026-03-01', '2026-03-02', '2026-03-03'])
      stored.push(
        await backupDatabase(
          h.database,
          { destination, retain: 2 },
          { s3, now: () => new Date(`${day}T02:30:00.000Z`) },
        ),
      );
    expect(stored[0]!.location).toBe(`s3://${BUCKET}/nightly/clos-20260301T023000000Z-pglite.clos-backup.gz`);
    expect(stored[2]!.deleted).toEqual([stored[0]!.location]);
    expect(await listBackups(destination, s3)).toEqual([stored[1]!.location, stored[2]!.location]);
    const all = readdirSync(join(dirs.path, 's3', BUCKET, 'nightly'));
    expect(all.some((name) => name.startsWith('notes.txt'))).toBe(true);

    const target = await openTestDatabase('pglite');
    try {
      const outcome = await restoreFrom(stored[2]!.location, { database: target }, { s3 });
      expect(outcome.status).toBe('restored');
      if (outcome.status !== 'restored') return;
      expect(outcome.audit.ok).toBe(true);
      const titles = await target.query<{ title: string }>('select title from ideas order by title');
      expect(titles.map((r) => r.title)).toEqual(['Stored idea 0', 'Stored idea 1', 'Stored idea 2']);
    } finally {
      await target.close();
    }
  });

  it('writes to a directory with the same names and retention', async () => {
    const destination = parseDestination('local-backups', dirs.path);
    const dir = join(dirs.path, 'local-backups');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'README'), 'not a backup');
    for (const day of ['2026-04-01', '2026-04-02', '2026-04-03'])
      await backupDatabase(
        h.database,
        { destination, retain: 1 },
        { now: () => new Date(`${day}T00:00:00Z`) },
      );
    expect(readdirSync(dir).sort()).toEqual(['README', 'clos-20260403T000000000Z-pglite.clos-backup.gz']);
  });

  it('runs on the schedule in clos.config.yaml as a job, once per occurrence, with retention', async () => {
    const runs: string[] = [];
    for (const day of ['2026-05-01', '2026-05-02', '2026-05-03']) {
      h.clock.set(`${day}T02:31:00.000Z`);
      runs.push(...(await h.runtime!.tick()));
      // A second tick (another worker, a restart) starts nothing more.
      expect(await h.runtime!.tick()).toEqual([]);
      await h.drain();
    }
    expect(runs).toHaveLength(3);
    const listed = await listBackups(parseDestination(`s3://${BUCKET}/scheduled`, dirs.path), s3);
    expect(listed).toEqual([
      `s3://${BUCKET}/scheduled/clos-20260502T023100000Z-pglite.clos-backup.gz`,
      `s3://${BUCKET}/scheduled/clos-20260503T023100000Z-pglite.clos-backup.gz`,
    ]);
    expect(notified).toEqual([]);
  });
});
