import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRepositories, createSecretBox, type Database, generateSecretKey, secretKeyId } from '@clos/db';
import { openTestDatabase } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerOptions } from '../../server/src/runtime/options.ts';
import { type RunningServer, startServer } from '../../server/src/server.ts';
import { tempDirs } from '../../server/test/server-process.ts';
import { type CliSandbox, createSandbox, explain } from './run-clos.ts';

const TOKEN = 'clos_secrets_cli_admin_token_0123456789';
const keyIdOfFile = (path: string) => secretKeyId(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'));

// Each `clos` run is a process start (about a second of CPU): the timeout allows for a busy machine.
describe('clos secrets rotate', { timeout: 180_000 }, () => {
  let cli: CliSandbox;
  const dirs = tempDirs('clos-secrets-cli-');
  beforeAll(async () => {
    cli = await createSandbox({ inProcess: true });
  });
  afterAll(async () => {
    await cli?.cleanup();
    dirs.removeAll();
  });

  describe('on the embedded engine', () => {
    let dir: string;
    let server: RunningServer | null = null;
    const start = async () => {
      const options = parseServerOptions(
        ['--data-dir', dir, '--port', '0'],
        { CLOS_ADMIN_TOKEN: TOKEN, CLOS_LOG_LEVEL: 'error' },
        dir,
      );
      if (options === 'help') throw new Error('unexpected');
      server = await startServer(options, dir);
      return server;
    };
    const stop = async () => {
      await server?.close();
      server = null;
    };
    afterAll(stop);

    it('re-encrypts under a new key file, keeping the old key, once the server is stopped', async () => {
      dir = dirs.make();
      let running = await start();
      const keyPath = join(dir, 'secret.key');
      const oldKeyId = keyIdOfFile(keyPath);
      const created = await running.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { url: 'https://receiver.example.com/hook', events: ['*'], secret: 'rotate-me-please-0042' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;

      const locked = await cli.run(['secrets', 'rotate', '--data-dir', dir]);
      expect(locked.code, explain(locked)).toBe(1);
      expect(locked.stderr).toContain('another CLOS process');
      expect(locked.stderr).toContain('stop the server, rotate, then start it again');
      await stop();

      const rotated = await cli.run(['secrets', 'rotate', '--data-dir', dir]);
      expect(rotated.code, explain(rotated)).toBe(0);
      const newKeyId = keyIdOfFile(keyPath);
      expect(newKeyId).not.toBe(oldKeyId);
      const previous = join(dir, `secret.key.${oldKeyId}.old`);
      expect(rotated.stdout).toBe(
        `1 stored secret re-encrypted under key ${newKeyId}\nnew key in ${keyPath}; the previous key is kept in ${previous}\n`,
      );
      expect(keyIdOfFile(previous)).toBe(oldKeyId);
      expect(statSync(previous).mode & 0o777).toBe(0o600);
      expect(statSync(keyPath).mode & 0o777).toBe(0o600);
      expect(existsSync(join(dir, 'secret.key.next'))).toBe(false);

      // The server starts with the new key (its start-up check opens every secret) and still has it.
      running = await start();
      const [row] = await running.database.query<{ secret: string }>(
        'select secret from webhooks where id = $1',
        [id],
      );
      expect(row!.secret.startsWith(`enc:v1:${newKeyId}:`)).toBe(true);
      const read = await running.app.inject({
        method: 'GET',
        url: `/api/v1/webhooks/${id}`,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(read.json().secretHint).toBe('…0042');
      await stop();
    });

    it('finishes an interrupted rotation with the key it had started with', async () => {
      // As left by a rotation killed after writing its new key: the run that follows must use it.
      const next = generateSecretKey();
      writeFileSync(join(dir, 'secret.key.next'), `${next}\n`, { mode: 0o600 });
      const again = await cli.run(['--json', 'secrets', 'rotate', '--data-dir', dir]);
      expect(again.code, explain(again)).toBe(0);
      expect(again.json()).toMatchObject({
        engine: 'pglite',
        keyId: secretKeyId(Buffer.from(next, 'base64')),
        reencrypted: 1,
        unchanged: 0,
      });
      expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(next);
    });

    it('refuses a data directory without a key or a database', async () => {
      const empty = await cli.run(['secrets', 'rotate', '--data-dir', dirs.make()]);
      expect(empty.code, explain(empty)).toBe(2);
      expect(empty.stderr).toContain('no key to rotate from');
    });
  });

  describe.skipIf(!process.env.CLOS_TEST_DATABASE_URL)('on PostgreSQL', () => {
    let database: Database & { url: string };
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    beforeAll(async () => {
      database = (await openTestDatabase('postgres')) as Database & { url: string };
      await createRepositories(database.db, randomUUID, {
        secretBox: createSecretBox({ current: oldKey }),
      }).webhooks.insert({
        id: randomUUID(),
        url: 'https://receiver.example.com/hook',
        events: ['*'],
        secret: 'rotate-me-please-0042',
        description: null,
        active: true,
        createdBy: null,
        createdAt: new Date(),
        disabledAt: null,
      });
    });
    afterAll(async () => {
      await database?.close();
    });

    it('needs the new key in CLOS_SECRET_KEY and the current one in CLOS_SECRET_KEY_PREVIOUS', async () => {
      const rotate = (env: Record<string, string>) =>
        cli.run(['secrets', 'rotate'], { env: { DATABASE_URL: database.url, ...env } });
      const noKey = await rotate({});
      expect(noKey.code, explain(noKey)).toBe(2);
      expect(noKey.stderr).toContain('CLOS_SECRET_KEY is not set: set it to the new key');
      const badKey = await rotate({ CLOS_SECRET_KEY: 'hunter2' });
      expect(badKey.code, explain(badKey)).toBe(2);
      expect(badKey.stderr).toContain('clos: CLOS_SECRET_KEY: must be 32 bytes');

      const withoutOld = await rotate({ CLOS_SECRET_KEY: newKey.toString('base64') });
      expect(withoutOld.code, explain(withoutOld)).toBe(2);
      expect(withoutOld.stderr).toContain(
        `clos: 1 stored secret cannot be decrypted with the key given (${secretKeyId(newKey)}); it needs key ${secretKeyId(oldKey)}`,
      );

      const rotated = await cli.run(['--json', 'secrets', 'rotate'], {
        env: {
          DATABASE_URL: database.url,
          CLOS_SECRET_KEY: newKey.toString('hex'),
          CLOS_SECRET_KEY_PREVIOUS: oldKey.toString('base64'),
        },
      });
      expect(rotated.code, explain(rotated)).toBe(0);
      expect(rotated.json()).toEqual({
        engine: 'postgres',
        keyId: secretKeyId(newKey),
        reencrypted: 1,
        unchanged: 0,
      });
      const [webhook] = (
        await createRepositories(database.db, randomUUID, {
          secretBox: createSecretBox({ current: newKey }),
        }).webhooks.list({
          limit: 10,
        })
      ).items;
      expect(webhook!.secret).toBe('rotate-me-please-0042');
    });
  });
});
