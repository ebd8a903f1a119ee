import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createEd25519Signer } from '@clos/audit-signing';
import type { AuditCheckpointPorts } from '@clos/core';
import type { Database } from '@clos/db';
import { type Engine, openTestDatabase, testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerOptions } from '../../../apps/server/src/runtime/options.ts';
import { startServer } from '../../../apps/server/src/server.ts';
import { type Harness, startHarness } from '../../../apps/server/test/harness.ts';
import {
  BackupFormatError,
  backupDatabase,
  type DatabaseTarget,
  latestSchema,
  readManifest,
  restoreFrom,
} from '../src/index.ts';
import { openDataDir, openUrl, startWriter, tableContents, tempDir, throwawayPostgres } from './helpers.ts';

const ports: AuditCheckpointPorts = {
  signer: createEd25519Signer(generateKeyPairSync('ed25519').privateKey),
  sinks: [],
};
const hasPostgres = Boolean(process.env.CLOS_TEST_DATABASE_URL);
const ADMIN = 'clos_test_admin_token_0123456789abcdef';

/** A fresh restore target of `engine`, and how to open and remove it. */
async function newTarget(engine: Engine, dirs: ReturnType<typeof tempDir>) {
  if (engine === 'pglite') {
    const dataDir = join(dirs.path, `restored-${randomUUID().slice(0, 8)}`);
    return {
      target: { dataDir } as DatabaseTarget,
      open: () => openDataDir(dataDir),
      serverArgs: ['--data-dir', dataDir],
      env: {},
      drop: async () => {},
    };
  }
  const db = await throwawayPostgres();
  return {
    target: { databaseUrl: db.url } as DatabaseTarget,
    open: () => openUrl(db.url),
    serverArgs: [],
    env: { DATABASE_URL: db.url },
    drop: db.drop,
  };
}

async function withDatabase<T>(open: () => Promise<Database>, work: (d: Database) => Promise<T>) {
  const database = await open();
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

describe.each(testEngines())('backup and restore on %s', { timeout: 120_000 }, (engine) => {
  let h: Harness;
  const dirs = tempDir('clos-backup-test-');
  const drops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { auditCheckpoints: ports });
    const pod = await h.call('POST', '/api/v1/pods', { slug: 'core', name: 'Core', timezone: 'UTC' });
    expect(pod.statusCode, pod.body).toBe(201);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(60_000);
      expect((await h.call('POST', '/api/v1/ideas', { title: `Seed idea ${i}` })).statusCode).toBe(201);
    }
    await h.userWithToken('developer', { pods: ['core'] });
    const signed = await h.call('GET', '/api/v1/audit/checkpoint');
    expect(signed.statusCode, signed.body).toBe(200);
  });
  afterAll(async () => {
    await h?.close();
    for (const drop of drops) await drop();
    dirs.remove();
  });

  it('takes a consistent snapshot while a writer runs; after it stops, a restore equals the source table for table, with the audit chain and checkpoints verified, and the server starts on it', async () => {
    // A writer appending ideas (each with its audit event) and a WIP lock now and then.
    const writer = startWriter(async (i) => {
      const res =
        i % 3 === 0
          ? await h.call('POST', '/api/v1/pods/core/wip/pull-request/locks', { itemId: `pr-${i}` })
          : await h.call('POST', '/api/v1/ideas', { title: `Busy ${i}` });
      if (res.statusCode >= 500) throw new Error(res.body);
    });
    const during = join(dirs.path, 'during.clos-backup.gz');
    let taken: Awaited<ReturnType<typeof backupDatabase>>;
    try {
      // Let the writer get going first, then back up in the middle of it and sign a checkpoint too.
      await new Promise((resolve) => setTimeout(resolve, 50));
      taken = await backupDatabase(h.database, { file: during });
      // One write certainly after the snapshot, so the head moved since the first checkpoint and the
      // source now holds events the archive does not.
      expect((await h.call('POST', '/api/v1/ideas', { title: 'After the snapshot' })).statusCode).toBe(201);
      expect((await h.call('GET', '/api/v1/audit/checkpoint')).statusCode).toBe(200);
    } finally {
      const writes = await writer.stop();
      expect(writes).toBeGreaterThan(0);
    }
    // The manifest says what the archive holds.
    const manifest = await readManifest(createReadStream(during));
    expect(manifest).toMatchObject({
      format: 'clos-backup/1',
      engine,
      schema: latestSchema(),
      closVersion: JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
        .version,
    });
    expect(manifest.auditHead.sequence).toBeGreaterThan(5);
    const audit = manifest.tables.find((t) => t.name === 'audit_events');
    expect(audit?.rows).toBe(manifest.auditHead.sequence);
    expect(taken.manifest).toEqual(manifest);
    // Every base table of the schema is in it (read from the catalog, so none is forgotten).
    const sourceTables = Object.keys(await tableContents(h.database)).sort();
    expect(manifest.tables.map((t) => t.name).sort()).toEqual(sourceTables);

    // The mid-write snapshot is consistent: its head matches its log, which verifies. (Restored into
    // an open, already migrated database: creating a data directory costs seconds of CPU.)
    const mid = await openTestDatabase(engine);
    const midRestore = await restoreFrom(during, { database: mid }).finally(() => mid.close());
    expect(midRestore.status).toBe('restored');
    if (midRestore.status !== 'restored') return;
    expect(midRestore.audit).toMatchObject({ ok: true, events: manifest.auditHead.sequence });

    // After the writer stopped: back up again, restore, compare every table row for row.
    const after = join(dirs.path, 'after.clos-backup.gz');
    await backupDatabase(h.database, { file: after });
    const target = await newTarget(engine, dirs);
    drops.push(target.drop);
    const restored = await restoreFrom(after, target.target);
    expect(restored.status).toBe('restored');
    if (restored.status !== 'restored') return;
    expect(restored.audit.ok, JSON.stringify(restored.audit)).toBe(true);
    expect(restored.audit.checkpoints).toBeGreaterThanOrEqual(2);
    expect(restored.audit.keyIds).toEqual([ports.signer!.keyId]);
    const source = await tableContents(h.database);
    const copy = await withDatabase(target.open, tableContents);
    expect(Object.keys(copy).sort()).toEqual(Object.keys(source).sort());
    for (const table of Object.keys(source)) expect(copy[table], table).toEqual(source[table]);
    expect(source.audit_events!.length).toBeGreaterThan(manifest.auditHead.sequence);

    // The checkpoints signed before the backup still verify through the restored server's API.
    const options = parseServerOptions(
      [...target.serverArgs, '--port', '0'],
      { CLOS_LOG_LEVEL: 'error', ...target.env },
      dirs.path,
    );
    if (options === 'help') throw new Error('unexpected');
    const server = await startServer(options, dirs.path);
    try {
      const ideas = await server.app.inject({
        method: 'GET',
        url: '/api/v1/ideas?limit=200',
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(ideas.statusCode, ideas.body).toBe(200);
      const sourceIdeas = await h.call('GET', '/api/v1/ideas?limit=200');
      expect(
        ideas
          .json()
          .items.map((i: { id: string }) => i.id)
          .sort(),
      ).toEqual(
        sourceIdeas
          .json()
          .items.map((i: { id: string }) => i.id)
          .sort(),
      );
      const verify = await server.app.inject({
        method: 'GET',
        url: '/api/v1/audit/verify',
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      // Pending audit rows came across too: the restored server's relay seals them (or is about to).
      const verdict = verify.json();
      expect(verdict, verify.body).toMatchObject({ ok: true });
      expect(verdict.count + verdict.unsealed).toBe(
        source.audit_events!.length + source.audit_pending!.length,
      );
      // A new idea gets the next key (sequences were moved past the restored rows).
      const created = await server.app.inject({
        method: 'POST',
        url: '/api/v1/ideas',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { title: 'After the restore' },
      });
      expect(created.statusCode, created.body).toBe(201);
    } finally {
      await server.close();
    }

    // A restore into a target that now holds rows is refused, and changes nothing there.
    const before = await withDatabase(target.open, tableContents);
    const again = await restoreFrom(after, target.target);
    expect(again).toMatchObject({ status: 'refused', reason: 'not_empty' });
    expect(await withDatabase(target.open, tableContents)).toEqual(before);
  });

  it('refuses a backup from a newer schema before touching the target', async () => {
    const file = join(dirs.path, 'newer.clos-backup.gz');
    await backupDatabase(h.database, { file });
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const manifest = JSON.parse(lines[0]!);
    manifest.schema = { index: latestSchema().index + 1, tag: '9999_from_the_future' };
    manifest.closVersion = '9.0.0';
    lines[0] = JSON.stringify(manifest);
    writeFileSync(file, gzipSync(lines.join('\n')));
    const target = await newTarget(engine, dirs);
    drops.push(target.drop);
    const outcome = await restoreFrom(file, target.target);
    expect(outcome).toMatchObject({ status: 'refused', reason: 'newer_schema' });
    if (outcome.status === 'refused') expect(outcome.message).toContain('9.0.0');
    if ('dataDir' in target.target) expect(existsSync(target.target.dataDir)).toBe(false);
    else
      await withDatabase(target.open, async (d) =>
        expect(await d.query(`select 1 from pg_tables where schemaname = 'public'`)).toEqual([]),
      );
  });

  it('refuses an altered archive before touching the target', async () => {
    const file = join(dirs.path, 'altered.clos-backup.gz');
    await backupDatabase(h.database, { file });
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    // One idea's title changed in the archive: its table's hash no longer matches the manifest.
    writeFileSync(file, gzipSync(text.replace('Seed idea 3', 'Seed idea X')));
    const target = await newTarget(engine, dirs);
    drops.push(target.drop);
    await expect(restoreFrom(file, target.target)).rejects.toThrow(BackupFormatError);
    // Cut short mid-table: that table's rows no longer match the manifest.
    writeFileSync(file, gzipSync(text.slice(0, Math.floor(text.length * 0.8))));
    await expect(restoreFrom(file, target.target)).rejects.toThrow(BackupFormatError);
    // Cut short after the last table: only the end marker is missing.
    const withoutEnd = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1);
    writeFileSync(file, gzipSync(withoutEnd));
    await expect(restoreFrom(file, target.target)).rejects.toThrow(/truncated/);
    if ('dataDir' in target.target) expect(existsSync(target.target.dataDir)).toBe(false);
  });
});

describe.skipIf(!hasPostgres)('moving from the embedded engine to PostgreSQL', { timeout: 120_000 }, () => {
  const dirs = tempDir('clos-backup-move-');
  let h: Harness;
  afterAll(async () => {
    await h?.close();
    dirs.remove();
  });

  it('restores an embedded backup into PostgreSQL, every table equal and the audit chain verified', async () => {
    h = await startHarness('pglite', {}, undefined, { auditCheckpoints: ports });
    expect(
      (await h.call('POST', '/api/v1/pods', { slug: 'move', name: 'Move', timezone: 'UTC' })).statusCode,
    ).toBe(201);
    for (let i = 0; i < 4; i++) await h.call('POST', '/api/v1/ideas', { title: `Moving idea ${i}` });
    await h.call('POST', '/api/v1/pods/move/wip/pull-request/locks', { itemId: 'pr-1' });
    expect((await h.call('GET', '/api/v1/audit/checkpoint')).statusCode).toBe(200);
    const file = join(dirs.path, 'embedded.clos-backup.gz');
    const taken = await backupDatabase(h.database, { file });
    expect(taken.manifest.engine).toBe('pglite');
    const db = await throwawayPostgres();
    try {
      const outcome = await restoreFrom(file, { databaseUrl: db.url });
      expect(outcome.status).toBe('restored');
      if (outcome.status !== 'restored') return;
      expect(outcome.audit).toMatchObject({ ok: true, checkpoints: 1 });
      const source = await tableContents(h.database);
      const copy = await withDatabase(() => openUrl(db.url), tableContents);
      for (const table of Object.keys(source)) expect(copy[table], table).toEqual(source[table]);
    } finally {
      await db.drop();
    }
  });
});
