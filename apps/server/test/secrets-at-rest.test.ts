import { execFile } from 'node:child_process';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Webhook } from '@clos/core';
import {
  composeServices,
  createRepositories,
  createSecretBox,
  type Database,
  openPglite,
  rotateStoredSecrets,
  type SecretBox,
  SecretBoxError,
  StoredSecretsError,
  secretKeyId,
} from '@clos/db';
import { defaultPolicy, openTestDatabase, testEngines } from '@clos/testing';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { parseServerOptions, UsageError } from '../src/runtime/options.ts';
import { prepareSecrets, readSecretKeys, SecretKeyError } from '../src/runtime/secret-key.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';
import { exitCode, spawnServer, tempDirs } from './server-process.ts';

const run = promisify(execFile);

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function startReceiver() {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function verifies(r: Received, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-clos-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Every byte a backup of the database would hold: `pg_dump` of the PostgreSQL database; the whole
 * data directory of PGlite (tables, indexes and write-ahead log), checkpointed first so the table
 * files hold what the log does.
 */
async function dumpDatabase(database: Database): Promise<Buffer> {
  if (database.engine === 'pglite') {
    const client = (database as Database & { client: PGlite }).client;
    await client.query('checkpoint');
    return Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
  }
  const url = (database as Database & { url: string }).url;
  const { stdout } = await run('/usr/bin/pg_dump', ['--dbname', url, '--no-owner'], {
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  return stdout;
}

const storedSecrets = async (database: Database) =>
  Object.fromEntries(
    (await database.query<{ id: string; secret: string }>('select id, secret from webhooks order by id')).map(
      (r) => [r.id, r.secret],
    ),
  );

/** A webhook written through the repository, i.e. sealed by `box` as the server would. */
async function insertWebhook(
  database: Database,
  box: SecretBox,
  secret: string,
  url = 'https://receiver.test/x',
) {
  const webhook: Webhook = {
    id: randomUUID(),
    url,
    events: ['*'],
    secret,
    description: null,
    active: false,
    createdBy: null,
    createdAt: new Date('2026-03-01T00:00:00Z'),
    disabledAt: null,
  };
  await createRepositories(database.db, randomUUID, { secretBox: box }).webhooks.insert(webhook);
  return webhook.id;
}

const readSecret = (database: Database, box: SecretBox | undefined, id: string) =>
  createRepositories(database.db, randomUUID, { secretBox: box })
    .webhooks.byId(id)
    .then((w) => w?.secret);

async function rejection<E>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}`);
}

describe.each(testEngines())('secrets at rest on %s', (engine) => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startHarness(
      engine,
      { webhooks: { retryDelaySeconds: 1, allowPrivateNetworks: ['127.0.0.0/8'] } },
      undefined,
      { runtime: true },
    );
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await h.reset();
    receiver.received.length = 0;
  });

  it('stores a webhook secret only encrypted: no dump holds it, deliveries still sign with it', async () => {
    const secret = `whsec_dump_probe_${randomBytes(12).toString('hex')}`;
    const created = await h.call('POST', '/api/v1/webhooks', {
      url: `${receiver.base}/hook`,
      events: ['idea.submitted'],
      secret,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().secretHint).toBe(`…${secret.slice(-4)}`);

    const stored = (await storedSecrets(h.database))[created.json().id]!;
    expect(stored).toMatch(/^enc:v1:[\w-]{8}:[\w-]{16}:[\w-]+$/);
    expect(stored).not.toContain(secret);

    const dump = await dumpDatabase(h.database);
    // The dump does hold the row (its ciphertext), and nowhere the secret.
    expect(dump.includes(Buffer.from(stored))).toBe(true);
    expect(dump.includes(Buffer.from(secret))).toBe(false);

    expect((await h.call('POST', '/api/v1/ideas', { title: 'Signed after encryption' })).statusCode).toBe(
      201,
    );
    await h.drain();
    expect(receiver.received).toHaveLength(1);
    expect(verifies(receiver.received[0]!, secret)).toBe(true);
  });

  it('never signs with a secret copied from another row: the tag check refuses it', async () => {
    const register = (path: string, secret: string) =>
      h.call('POST', '/api/v1/webhooks', { url: `${receiver.base}${path}`, events: ['*'], secret });
    const a = (await register('/a', 'secret-of-webhook-a-0001')).json();
    const b = (await register('/b', 'secret-of-webhook-b-0002')).json();
    await h.database.query(
      'update webhooks set secret = (select secret from webhooks where id = $1) where id = $2',
      [a.id, b.id],
    );

    const read = await h.call('GET', `/api/v1/webhooks/${b.id}`);
    expect(read.statusCode).toBe(500);
    expect(read.body).not.toContain('0001');

    await h.call('POST', '/api/v1/ideas', { title: 'Only a is signed' });
    await h.drain();
    expect(receiver.received.map((r) => r.path)).toEqual(['/a']);
    expect(verifies(receiver.received[0]!, 'secret-of-webhook-a-0001')).toBe(true);
    // b's attempt is logged as failed, with the reason, and nothing was sent for it.
    const log = (await h.call('GET', `/api/v1/webhooks/${b.id}/deliveries`)).json().items;
    expect(log).toEqual([
      expect.objectContaining({
        status: 'failed',
        statusCode: null,
        error: expect.stringContaining(`webhooks.secret:${b.id} does not decrypt`),
      }),
    ]);
  });

  it('encrypts secrets stored before encryption, once, at start-up; a wrong key stops the start', async () => {
    const key = randomBytes(32);
    const legacy = ['legacy-plain-secret-0001', 'legacy-plain-secret-0002'];
    for (const secret of legacy)
      await h.database.query(
        `insert into webhooks (id, url, events, secret, active, created_at) values ($1, 'https://receiver.test/old', '["*"]', $2, false, now())`,
        [randomUUID(), secret],
      );

    const first = await prepareSecrets(h.database, {
      keys: { current: key, previous: [] },
      dataDir: undefined,
    });
    expect(first.source).toBe('env');
    expect(first.resealed).toEqual({ changed: 2, unchanged: 0 });
    const sealed = await storedSecrets(h.database);
    for (const [id, value] of Object.entries(sealed)) {
      expect(value.startsWith(`enc:v1:${secretKeyId(key)}:`)).toBe(true);
      expect(legacy).toContain(await readSecret(h.database, first.box, id));
    }
    // Idempotent: a second start (or a second process starting at once) changes nothing.
    const again = await prepareSecrets(h.database, {
      keys: { current: key, previous: [] },
      dataDir: undefined,
    });
    expect(again.resealed).toEqual({ changed: 0, unchanged: 2 });
    expect(await storedSecrets(h.database)).toEqual(sealed);
    if (engine === 'postgres') {
      // pg_dump holds live rows only; a physical copy may keep the old values (docs/webhooks.md).
      const dump = await dumpDatabase(h.database);
      for (const secret of legacy) expect(dump.includes(Buffer.from(secret))).toBe(false);
    }

    const other = randomBytes(32);
    const wrong = await rejection(
      prepareSecrets(h.database, { keys: { current: other, previous: [] }, dataDir: undefined }),
      SecretKeyError,
    );
    expect(wrong.message).toBe(
      `2 stored secrets cannot be decrypted with the key given (${secretKeyId(other)}); it needs key ${secretKeyId(key)}`,
    );
    expect(wrong.problems.join('\n')).toContain('CLOS_SECRET_KEY_PREVIOUS');
    expect(await storedSecrets(h.database)).toEqual(sealed);
    // Read through a repository, the wrong key is an error, never a wrong secret.
    const wrongRead = await rejection(
      readSecret(h.database, createSecretBox({ current: other }), Object.keys(sealed)[0]!),
      SecretBoxError,
    );
    expect(wrongRead.reason).toBe('unknown_key');
  });

  it('refuses to start when a stored value was altered or moved, naming the row', async () => {
    const key = randomBytes(32);
    const box = createSecretBox({ current: key });
    const a = await insertWebhook(h.database, box, 'secret-of-webhook-a-0001');
    const b = await insertWebhook(h.database, box, 'secret-of-webhook-b-0002');
    await h.database.query(
      'update webhooks set secret = (select secret from webhooks where id = $1) where id = $2',
      [a, b],
    );
    const error = await rejection(
      prepareSecrets(h.database, { keys: { current: key, previous: [] }, dataDir: undefined }),
      SecretKeyError,
    );
    expect(error.message).toContain('1 stored secret cannot be decrypted');
    expect(error.problems[0]).toBe(
      `webhooks.secret:${b} does not decrypt under key ${box.keyId}: the value was altered, or copied from another row`,
    );
    expect(error.problems.join('\n')).toContain('restore the row from a backup');
  });

  it('without a key nothing secret is stored: registering is refused (503) naming CLOS_SECRET_KEY', async () => {
    // What a PostgreSQL process started without CLOS_SECRET_KEY runs: no box.
    const empty = await prepareSecrets(h.database, { keys: undefined, dataDir: undefined });
    expect(empty).toEqual({ box: undefined, source: 'none', resealed: null });
    const services = composeServices({ database: h.database, policy: defaultPolicy(), clock: h.clock });
    const app = await buildApp({ services, database: h.database });
    try {
      const refused = await app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: {
          url: 'https://receiver.example.com/hook',
          events: ['*'],
          secret: 'a-secret-of-16-chars-or-more',
        },
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error).toMatchObject({ code: 'service_unavailable' });
      expect(refused.json().error.message).toContain('set CLOS_SECRET_KEY');
      // Bad input is still named first; and nothing was stored or audited.
      const bad = await app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { url: 'ftp://x', events: ['*'], secret: 'a-secret-of-16-chars-or-more' },
      });
      expect(bad.statusCode).toBe(400);
      expect(await storedSecrets(h.database)).toEqual({});
      expect((await h.call('GET', '/api/v1/audit?action=webhook.created')).json().items).toEqual([]);
    } finally {
      await app.close();
    }

    // Once one is stored, a process without the key refuses to start, saying what to set.
    expect(
      (
        await h.call('POST', '/api/v1/webhooks', {
          url: `${receiver.base}/k`,
          events: ['*'],
          secret: 'a-secret-of-16-chars-or-more',
        })
      ).statusCode,
    ).toBe(201);
    const refused = await rejection(
      prepareSecrets(h.database, { keys: undefined, dataDir: undefined }),
      SecretKeyError,
    );
    expect(refused.message).toBe(
      '1 secret is stored in the database (webhook signing secrets), but CLOS_SECRET_KEY is not set',
    );
    expect(refused.problems[0]).toMatch(
      /^set CLOS_SECRET_KEY to the key they were encrypted with, the same on every server and worker process \(key id [\w-]{8}\)$/,
    );
    const previousOnly = await rejection(
      prepareSecrets(h.database, {
        keys: { current: undefined, previous: [randomBytes(32)] },
        dataDir: undefined,
      }),
      SecretKeyError,
    );
    expect(previousOnly.message).toContain('CLOS_SECRET_KEY_PREVIOUS is set but CLOS_SECRET_KEY is not');
  });

  it('rotates: processes read old and new keys meanwhile, then every secret moves under the new key at once', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const before = createSecretBox({ current: oldKey });
    const ids = [
      await insertWebhook(h.database, before, 'rotating-secret-0001'),
      await insertWebhook(h.database, before, 'rotating-secret-0002'),
    ];
    // Processes restarted with CLOS_SECRET_KEY=new and CLOS_SECRET_KEY_PREVIOUS=old read both, and
    // write under the new key.
    const during = createSecretBox({ current: newKey, previous: [oldKey] });
    expect(await readSecret(h.database, during, ids[0]!)).toBe('rotating-secret-0001');
    ids.push(await insertWebhook(h.database, during, 'rotating-secret-0003'));
    expect((await storedSecrets(h.database))[ids[2]!]!.startsWith(`enc:v1:${during.keyId}:`)).toBe(true);

    expect(await rotateStoredSecrets(h.database, during)).toEqual({ changed: 2, unchanged: 1 });
    const after = createSecretBox({ current: newKey });
    for (const [i, id] of ids.entries())
      expect(await readSecret(h.database, after, id)).toBe(`rotating-secret-000${i + 1}`);
    expect(await rotateStoredSecrets(h.database, during)).toEqual({ changed: 0, unchanged: 3 });
    // The old key alone no longer opens anything.
    expect((await rejection(readSecret(h.database, before, ids[0]!), SecretBoxError)).keyId).toBe(
      after.keyId,
    );

    // One value under a key nobody gave: the rotation changes nothing at all.
    await insertWebhook(h.database, createSecretBox({ current: randomBytes(32) }), 'stray-secret-0004');
    const snapshot = await storedSecrets(h.database);
    const failed = await rejection(
      rotateStoredSecrets(h.database, createSecretBox({ current: randomBytes(32), previous: [newKey] })),
      StoredSecretsError,
    );
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0]!.reason).toBe('unknown_key');
    expect(await storedSecrets(h.database)).toEqual(snapshot);
  });
});

describe('the secret key', () => {
  const dirs = tempDirs('clos-secret-key-');
  afterAll(() => dirs.removeAll());

  it('is read from CLOS_SECRET_KEY (base64 or hex) and CLOS_SECRET_KEY_PREVIOUS, naming a bad one', () => {
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    expect(readSecretKeys({})).toEqual({ current: undefined, previous: [] });
    expect(
      readSecretKeys({
        CLOS_SECRET_KEY: a.toString('base64'),
        CLOS_SECRET_KEY_PREVIOUS: `${b.toString('hex')}, ${c.toString('base64url')}`,
      }),
    ).toEqual({ current: a, previous: [b, c] });
    expect(readSecretKeys({ CLOS_SECRET_KEY: 'hunter2' })).toBe(
      'CLOS_SECRET_KEY: must be 32 bytes given as base64 (44 characters, e.g. from `openssl rand -base64 32`) or as 64 hex digits',
    );
    expect(readSecretKeys({ CLOS_SECRET_KEY_PREVIOUS: `${b.toString('hex')},nope` })).toMatch(
      /^CLOS_SECRET_KEY_PREVIOUS: key 2 must be 32 bytes/,
    );
    expect(() =>
      parseServerOptions([], { CLOS_SECRET_KEY: randomBytes(16).toString('base64') }, '/srv'),
    ).toThrow(UsageError);
    const parsed = parseServerOptions([], { CLOS_SECRET_KEY: a.toString('hex') }, '/srv');
    expect(parsed !== 'help' && parsed.secretKeys).toEqual({ current: a, previous: [] });
  });

  it('is generated once into <data-dir>/secret.key (0600) on the embedded engine without CLOS_SECRET_KEY', async () => {
    const dir = dirs.make();
    const database = await openPglite(join(dir, 'db'));
    try {
      const first = await prepareSecrets(database, { keys: undefined, dataDir: dir });
      const path = join(dir, 'secret.key');
      expect(first).toMatchObject({ source: 'file', keyFile: { path, created: true } });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
      expect(first.box!.keyId).toBe(secretKeyId(key));

      const id = await insertWebhook(database, first.box!, 'kept-across-restarts-0001');
      const second = await prepareSecrets(database, { keys: undefined, dataDir: dir });
      expect(second).toMatchObject({ source: 'file', keyFile: { path, created: false } });
      expect(await readSecret(database, second.box, id)).toBe('kept-across-restarts-0001');

      // CLOS_SECRET_KEY wins over the file, and must open what the file's key encrypted.
      const other = randomBytes(32);
      const refused = await rejection(
        prepareSecrets(database, { keys: { current: other, previous: [] }, dataDir: dir }),
        SecretKeyError,
      );
      expect(refused.message).toContain(`it needs key ${secretKeyId(key)}`);
      const moving = await prepareSecrets(database, {
        keys: { current: other, previous: [key] },
        dataDir: dir,
      });
      expect(moving.source).toBe('env');

      writeFileSync(path, 'not a key\n');
      const broken = await rejection(
        prepareSecrets(database, { keys: undefined, dataDir: dir }),
        SecretKeyError,
      );
      expect(broken.message).toBe(
        `${path} does not hold a secret key: it must be 32 bytes given as base64 (44 characters, e.g. from \`openssl rand -base64 32\`) or as 64 hex digits`,
      );
    } finally {
      await database.close();
    }
    const withEnv = dirs.make();
    const database2 = await openPglite(undefined);
    try {
      await prepareSecrets(database2, { keys: { current: randomBytes(32), previous: [] }, dataDir: withEnv });
      expect(existsSync(join(withEnv, 'secret.key'))).toBe(false);
    } finally {
      await database2.close();
    }
  });

  it('makes a server exit 2 naming CLOS_SECRET_KEY when it is malformed', async () => {
    const server = spawnServer(['--data-dir', dirs.make(), '--port', '0'], {
      env: { CLOS_SECRET_KEY: 'correct horse battery staple' },
    });
    expect(await exitCode(server)).toBe(2);
    expect(server.stderr()).toContain('clos-server: CLOS_SECRET_KEY: must be 32 bytes given as base64');
  });
});

describe.skipIf(!process.env.CLOS_TEST_DATABASE_URL)('PostgreSQL processes without CLOS_SECRET_KEY', () => {
  let database: Database & { url: string };
  const dirs = tempDirs('clos-secret-pg-');
  beforeAll(async () => {
    database = (await openTestDatabase('postgres')) as Database & { url: string };
    await insertWebhook(database, createSecretBox({ current: randomBytes(32) }), 'stored-before-0001');
  });
  afterAll(async () => {
    await database?.close();
    dirs.removeAll();
  });

  it.each([
    ['a server', ['--port', '0']],
    ['a worker', ['--worker-only']],
  ])('%s refuses to start (exit 2) while secrets are stored, saying what to set', async (_what, args) => {
    const server = spawnServer(args, {
      cwd: dirs.make(),
      env: { DATABASE_URL: database.url, CLOS_SECRET_KEY: '' },
    });
    expect(await exitCode(server)).toBe(2);
    expect(server.stderr()).toContain(
      'clos-server: 1 secret is stored in the database (webhook signing secrets), but CLOS_SECRET_KEY is not set',
    );
    expect(server.stderr()).toContain('the same on every server and worker process');
  });
});
