import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestSchema } from '../../../packages/backup/src/index.ts';
import { throwawayPostgres } from '../../../packages/backup/test/helpers.ts';
import { parseServerOptions } from '../../server/src/runtime/options.ts';
import { type RunningServer, startServer } from '../../server/src/server.ts';
import { tempDirs } from '../../server/test/server-process.ts';
import { type CliSandbox, createSandbox, explain } from './run-clos.ts';

const TOKEN = 'clos_backup_cli_admin_token_0123456789';

describe('clos backup and clos restore', { timeout: 180_000 }, () => {
  let cli: CliSandbox;
  let server: RunningServer | null = null;
  const dirs = tempDirs('clos-backup-cli-');
  let dataDir: string;
  let work: string;
  beforeAll(async () => {
    cli = await createSandbox({ inProcess: true });
    dataDir = dirs.make();
    work = dirs.make();
    const options = parseServerOptions(
      ['--data-dir', dataDir, '--port', '0'],
      { CLOS_ADMIN_TOKEN: TOKEN, CLOS_LOG_LEVEL: 'error' },
      dataDir,
    );
    if (options === 'help') throw new Error('unexpected');
    server = await startServer(options, dataDir);
    for (let i = 0; i < 3; i++) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/ideas',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { title: `CLI idea ${i}` },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    cli.env = { CLOS_URL: server.url, CLOS_TOKEN: TOKEN };
  });
  afterAll(async () => {
    await server?.close();
    await cli?.cleanup();
    dirs.removeAll();
  });

  it('backs up a running embedded server through its API, and refuses to open its locked data directory', async () => {
    const out = join(work, 'running.clos-backup.gz');
    const taken = await cli.run(['backup', '--out', out]);
    expect(taken.code, explain(taken)).toBe(0);
    expect(taken.stdout).toMatch(new RegExp(`^backup written to ${out} \\(`));
    expect(taken.stdout).toContain(`schema ${latestSchema().tag}; pglite`);
    expect(existsSync(out)).toBe(true);

    const locked = await cli.run(['backup', '--out', join(work, 'direct.gz'), '--data-dir', dataDir]);
    expect(locked.code, explain(locked)).toBe(1);
    expect(locked.stderr).toContain('another CLOS process');
    expect(existsSync(join(work, 'direct.gz'))).toBe(false);
  });

  it('refuses a backup to anyone but an administrator', async () => {
    const user = await server!.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { email: 'viewer@example.com', name: 'Viewer', role: 'viewer' },
    });
    expect(user.statusCode, user.body).toBe(201);
    const token = await server!.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { name: 'viewer', role: 'viewer', user: 'viewer@example.com' },
    });
    expect(token.statusCode, token.body).toBe(201);
    const refused = await cli.run(['backup', '--out', join(work, 'lead.gz')], {
      env: { CLOS_TOKEN: token.json().value },
    });
    expect(refused.code, explain(refused)).toBe(3);
    expect(refused.stderr).toContain('backups:create');
    expect(existsSync(join(work, 'lead.gz'))).toBe(false);
  });

  it('restores into a new data directory and verifies the audit chain; a second restore there is refused', async () => {
    const archive = join(work, 'running.clos-backup.gz');
    const target = join(work, 'restored');
    const restored = await cli.run(['restore', archive, '--data-dir', target]);
    expect(restored.code, explain(restored)).toBe(0);
    expect(restored.stdout).toMatch(/^restored \d+ rows in \d+ tables into data directory /);
    expect(restored.stdout).toMatch(/audit chain verified: \d+ events, 0 signed checkpoints/);

    const again = await cli.run(['restore', archive, '--data-dir', target, '--json']);
    expect(again.code, explain(again)).toBe(1);
    expect(again.stderr).toContain('restore refused');
    expect(again.json()).toMatchObject({ status: 'refused', reason: 'not_empty' });
  });

  it('says what is wrong with the flags or the archive (exit 2)', async () => {
    const noTarget = await cli.run(['restore', join(work, 'running.clos-backup.gz')]);
    expect(noTarget.code, explain(noTarget)).toBe(2);
    const noOut = await cli.run(['backup']);
    expect(noOut.code, explain(noOut)).toBe(2);
    const junk = join(work, 'junk.gz');
    writeFileSync(junk, 'not gzip at all');
    const bad = await cli.run(['restore', junk, '--data-dir', join(work, 'never')]);
    expect(bad.code, explain(bad)).toBe(2);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('backs up a stopped data directory directly to a directory, keeping the newest --retain', async () => {
    await server?.close();
    server = null;
    const to = join(work, 'nightly');
    for (let i = 0; i < 2; i++) {
      const run = await cli.run(['backup', '--to', to, '--retain', '1', '--data-dir', dataDir, '--json']);
      expect(run.code, explain(run)).toBe(0);
      expect(run.json()).toMatchObject({ manifest: { engine: 'pglite' } });
    }
    expect(readdirSync(to).filter((n) => n.endsWith('.clos-backup.gz'))).toHaveLength(1);
  });

  it.skipIf(!process.env.CLOS_TEST_DATABASE_URL)(
    'restores the embedded backup into PostgreSQL (needs CLOS_TEST_DATABASE_URL)',
    async () => {
      const db = await throwawayPostgres();
      try {
        const run = await cli.run([
          'restore',
          join(work, 'running.clos-backup.gz'),
          '--database-url',
          db.url,
        ]);
        expect(run.code, explain(run)).toBe(0);
        expect(run.stdout).toContain('audit chain verified');
        expect(run.stdout).toContain('on pglite');
      } finally {
        await db.drop();
      }
    },
  );
});
