import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointSignatureProblem, createEd25519Signer, parseAuditPublicKey } from '@clos/audit-signing';
import { encodeCheckpointToken } from '@clos/contract';
import {
  type AuditCheckpointPorts,
  type CheckpointSink,
  chainHash,
  checkpointMessage,
  type SignedCheckpoint,
} from '@clos/core';
import { composeServices, createRepositories, nodeSecrets } from '@clos/db';
import { defaultPolicy, testEngines } from '@clos/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setUpAuditCheckpoints } from '../src/audit/checkpoint-ports.ts';
import { checkpointFileName, directorySink } from '../src/audit/directory-sink.ts';
import { webhookSink } from '../src/audit/webhook-sink.ts';
import { type Harness, startHarness } from './harness.ts';

const signer = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
const otherSigner = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);

/** A checkpoint of `claim` signed by `by`: the server's key, or an attacker's. */
function signed(
  by: typeof signer,
  claim: { sequence: number; hash: string; time?: string },
): SignedCheckpoint {
  const full = {
    sequence: claim.sequence,
    hash: claim.hash,
    time: claim.time ?? '2026-03-02T09:00:00.000Z',
    keyId: by.keyId,
  };
  return {
    format: 'clos-audit-checkpoint/1',
    ...full,
    publicKey: by.publicKey,
    signature: by.sign(checkpointMessage(full)),
  };
}

/** Sinks the tests swap between cases (each case starts a fresh log, so a fresh directory). */
const sinks: CheckpointSink[] = [];
const ports: AuditCheckpointPorts = { signer, sinks };
let dir = '';

describe.each(testEngines())('signed audit checkpoints on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { auditCheckpoints: ports });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    dir = await mkdtemp(join(tmpdir(), 'clos-checkpoints-'));
    sinks.splice(0, sinks.length, directorySink(dir));
    await ideas(5);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function ideas(n: number) {
    for (let i = 0; i < n; i++) {
      h.clock.advance(60_000);
      const res = await h.call('POST', '/api/v1/ideas', { title: `Idea ${randomUUID().slice(0, 8)}` });
      expect(res.statusCode).toBe(201);
    }
    // As the relay would moments after those commits (this harness runs none).
    await h.sealAudit();
  }

  async function checkpoint() {
    h.clock.advance(1000);
    const res = await h.call('GET', '/api/v1/audit/checkpoint');
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  const verify = async (token?: string) =>
    (await h.call('GET', `/api/v1/audit/verify${token ? `?checkpoint=${token}` : ''}`)).json();
  const verifyMany = async (checkpoints: SignedCheckpoint[]) =>
    h.call('POST', '/api/v1/audit/verify', { checkpoints });

  /** SQL run as the database owner would: with every guard trigger on the log set aside. */
  async function asOwner(...statements: [string, unknown[]?][]) {
    // Tampering is with the sealed chain: the events written so far are in it first.
    await h.sealAudit();
    await h.database.query('alter table audit_events disable trigger user');
    await h.database.query('alter table audit_head disable trigger user');
    try {
      for (const [sql, params] of statements) await h.database.query(sql, params ?? []);
    } finally {
      await h.database.query('alter table audit_events enable trigger user');
      await h.database.query('alter table audit_head enable trigger user');
    }
  }

  const hashAt = async (sequence: number) =>
    (
      await h.database.query<{ hash: string }>('select hash from audit_events where sequence = $1', [
        sequence,
      ])
    )[0]!.hash;

  it('signs the head, writes it and the public key to the directory, and returns it once per head', async () => {
    const head = (
      await h.database.query<{ sequence: number; hash: string }>('select sequence, hash from audit_head')
    )[0]!;
    const first = await checkpoint();
    expect(first).toMatchObject({
      created: true,
      exported: true,
      exports: [{ sink: `directory ${dir}`, ok: true }],
      checkpoint: {
        format: 'clos-audit-checkpoint/1',
        sequence: Number(head.sequence),
        hash: head.hash,
        keyId: signer.keyId,
        publicKey: signer.publicKey,
        time: h.clock.now().toISOString(),
      },
    });
    expect(first.token).toBe(encodeCheckpointToken(first.checkpoint));

    const pinned = parseAuditPublicKey(await readFile(join(dir, 'public-key.pem'), 'utf8'), 'public-key.pem');
    const file = JSON.parse(await readFile(join(dir, checkpointFileName(first.checkpoint.sequence)), 'utf8'));
    const { token, ...onFile } = file;
    expect(onFile).toEqual(first.checkpoint);
    expect(token).toBe(first.token);
    expect(checkpointSignatureProblem(onFile, pinned)).toBeNull();
    expect(checkpointSignatureProblem(onFile, parseAuditPublicKey(publicPem(otherSigner), 'other'))).toMatch(
      /another key/,
    );

    // The head has not moved: the same checkpoint, no new file.
    const again = await checkpoint();
    expect(again).toMatchObject({
      created: false,
      exported: true,
      exports: [],
      checkpoint: first.checkpoint,
    });
    await ideas(1);
    const next = await checkpoint();
    expect(next).toMatchObject({ created: true, checkpoint: { sequence: first.checkpoint.sequence + 1 } });
    expect((await readdir(dir)).sort()).toEqual(
      [
        checkpointFileName(first.checkpoint.sequence),
        checkpointFileName(next.checkpoint.sequence),
        'public-key.pem',
      ].sort(),
    );
    expect(await verify(first.token)).toEqual({ ok: true, count: next.checkpoint.sequence, checkpoints: 1 });
    expect((await verifyMany([first.checkpoint, next.checkpoint])).json()).toEqual({
      ok: true,
      count: next.checkpoint.sequence,
      checkpoints: 2,
    });
  });

  it('(1) newest rows deleted and audit_head rewound: plain verify passes, the checkpoint fails at the first deleted row', async () => {
    const { checkpoint: cp, token } = await checkpoint();
    const keep = cp.sequence - 3;
    await asOwner(
      ['delete from audit_events where sequence > $1', [keep]],
      [
        'update audit_head set sequence = $1, hash = (select hash from audit_events where sequence = $1)',
        [keep],
      ],
    );
    expect(await verify()).toEqual({ ok: true, count: keep, unsealed: 0 });
    expect(await verify(token)).toMatchObject({
      ok: false,
      brokenAt: keep + 1,
      count: keep,
      checkpoints: 1,
      checkpoint: { sequence: cp.sequence, hash: cp.hash, time: cp.time },
    });
    // CLOS will not sign the rewound head: it does not extend the checkpoint it signed before.
    const refused = await h.call('GET', '/api/v1/audit/checkpoint');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'conflict', details: { brokenAt: keep + 1 } });
    expect(refused.json().error.message).toContain('behind the last checkpoint');
  });

  it('(1b) rewound, then written to again: the checkpoints fail, and the directory keeps the hash it was given', async () => {
    const early = await checkpoint();
    await ideas(2);
    const late = await checkpoint();
    const [e, l] = [early.checkpoint.sequence, late.checkpoint.sequence];
    // The owner also deletes CLOS's own record of the late checkpoint, so CLOS will sign again.
    await asOwner(
      ['delete from audit_events where sequence > $1', [e]],
      [
        'update audit_head set sequence = $1, hash = (select hash from audit_events where sequence = $1)',
        [e],
      ],
      ['delete from audit_checkpoints where sequence > $1', [e]],
    );
    await ideas(2);
    expect(await verify()).toEqual({ ok: true, count: l, unsealed: 0 });
    expect((await verifyMany([early.checkpoint, late.checkpoint])).json()).toMatchObject({
      ok: false,
      brokenAt: e + 1,
      count: e,
      checkpoint: { sequence: l },
    });
    // The new head extends the early checkpoint, so CLOS signs it; the directory, which never
    // overwrites, refuses a second hash for sequence l, and the export is left to retry (and fail).
    const again = await checkpoint();
    expect(again).toMatchObject({ created: true, exported: false, checkpoint: { sequence: l } });
    expect(again.exports[0].error).toContain('the log was rewritten');
    const onFile = JSON.parse(await readFile(join(dir, checkpointFileName(l)), 'utf8'));
    expect(onFile.hash).toBe(late.checkpoint.hash);
  });

  it('(2) a truncated tail (newest rows deleted, head left) and an emptied log are reported from the first missing row', async () => {
    const { checkpoint: cp, token } = await checkpoint();
    await asOwner(['delete from audit_events where sequence >= $1', [cp.sequence - 1]]);
    expect(await verify(token)).toMatchObject({ ok: false, brokenAt: cp.sequence - 1 });

    await asOwner(
      ['truncate audit_events'],
      [`update audit_head set sequence = 0, hash = '${'0'.repeat(64)}'`],
    );
    expect(await verify()).toEqual({ ok: true, count: 0, unsealed: 0 });
    expect(await verify(token)).toMatchObject({
      ok: false,
      brokenAt: 1,
      count: 0,
      checkpoint: { sequence: cp.sequence },
    });
  });

  it('(3) an edited row is reported at that row', async () => {
    const { token } = await checkpoint();
    await asOwner([`update audit_events set after = '{"title":"Forged"}' where sequence = 4`]);
    expect(await verify(token)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'event content does not match its hash',
    });
  });

  it('(4) a re-signed chain (row edited, every later hash and the head recomputed) passes plain verify, not the checkpoints', async () => {
    const before = await checkpoint();
    await ideas(3);
    const after = await checkpoint();
    const target = before.checkpoint.sequence + 1;

    // The forger's rewrite: the row changed, then every hash from it on, then the head.
    const events = [];
    for await (const e of createRepositories(h.database.db, randomUUID).audit.iterate()) events.push(e);
    let prev = events[target - 2]!.hash;
    const statements: [string, unknown[]][] = [];
    for (const e of events.slice(target - 1)) {
      const row = e.sequence === target ? { ...e, after: { title: 'Forged' } } : e;
      const hash = chainHash(nodeSecrets.sha256, prev, row);
      statements.push([
        'update audit_events set after = $1::jsonb, prev_hash = $2, hash = $3 where sequence = $4',
        [JSON.stringify(row.after), prev, hash, e.sequence],
      ]);
      prev = hash;
    }
    statements.push(['update audit_head set hash = $1', [prev]]);
    await asOwner(...statements);
    expect(await hashAt(after.checkpoint.sequence)).not.toBe(after.checkpoint.hash);

    expect(await verify()).toEqual({ ok: true, count: events.length, unsealed: 0 });
    // The checkpoint before the edit still matches; the one after does not: blamed from the edited row.
    expect((await verifyMany([after.checkpoint, before.checkpoint])).json()).toMatchObject({
      ok: false,
      brokenAt: target,
      count: target - 1,
      checkpoints: 2,
      checkpoint: { sequence: after.checkpoint.sequence },
    });
    expect(await verify(before.token)).toMatchObject({ ok: true });
    // A re-signed checkpoint of the forged head (the forger's own key) is refused outright.
    const forged = signed(otherSigner, { sequence: events.length, hash: prev });
    const refused = await h.call('GET', `/api/v1/audit/verify?checkpoint=${encodeCheckpointToken(forged)}`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details).toEqual([
      {
        path: 'querystring.checkpoint',
        message: `is signed by another key (key id ${otherSigner.keyId}); this server's audit key is ${signer.keyId}`,
      },
    ]);
  });

  it('refuses forged and altered checkpoints and malformed tokens, naming the field, and changes nothing', async () => {
    const { checkpoint: good } = await checkpoint();
    const forged = signed(otherSigner, { sequence: good.sequence, hash: good.hash });
    // The server's key and id claimed, but signed by another key.
    const impostor = { ...forged, keyId: signer.keyId, publicKey: signer.publicKey };
    const altered = { ...good, hash: 'f'.repeat(64) };
    const many = await verifyMany([good, forged, impostor, altered]);
    expect(many.statusCode).toBe(400);
    expect(many.json().error.details).toEqual([
      { path: 'body.checkpoints.1', message: expect.stringContaining('is signed by another key') },
      { path: 'body.checkpoints.2', message: expect.stringContaining('does not match its content') },
      { path: 'body.checkpoints.3', message: expect.stringContaining('does not match its content') },
    ]);

    const bad = async (query: string) => {
      const res = await h.call('GET', `/api/v1/audit/verify?${query}`);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().error.details[0];
    };
    expect(await bad('checkpoint=not%20a%20token')).toEqual({
      path: 'querystring.checkpoint',
      message: expect.stringContaining('is not a checkpoint token'),
    });
    const notACheckpoint = Buffer.from(JSON.stringify({ ...good, sequence: -1 })).toString('base64url');
    expect(await bad(`checkpoint=${notACheckpoint}`)).toEqual({
      path: 'querystring.checkpoint',
      message: expect.stringContaining('holds an invalid checkpoint: sequence'),
    });
    expect((await bad(`checkpoint=${'a'.repeat(1001)}`)).path).toBe('querystring.checkpoint');
    expect((await bad('other=1')).path).toBe('querystring.other');

    const empty = await verifyMany([]);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.details[0].path).toBe('body.checkpoints');
    const extra = await h.call('POST', '/api/v1/audit/verify', { checkpoints: [{ ...good, note: 'x' }] });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.details[0].path).toBe('body.checkpoints.0.note');
    expect(await h.database.query('select count(*)::int as n from audit_checkpoints')).toEqual([{ n: 1 }]);
  });

  it('audit_head refuses direct UPDATE, DELETE and TRUNCATE while appends keep moving it', async () => {
    const head = async () =>
      (
        await h.database.query<{ sequence: number; hash: string }>(
          'select sequence::int as sequence, hash from audit_head',
        )
      )[0]!;
    const start = await head();
    await expect(
      h.database.query(
        'update audit_head set sequence = sequence - 1, hash = (select hash from audit_events where sequence = $1)',
        [start.sequence - 1],
      ),
    ).rejects.toThrow(/audit_head is append-only/);
    await expect(h.database.query(`update audit_head set hash = '${'f'.repeat(64)}'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(h.database.query('update audit_head set sequence = sequence + 1')).rejects.toThrow(
      /must point at an event of the log/,
    );
    await expect(h.database.query('delete from audit_head')).rejects.toThrow(/append-only/);
    await expect(h.database.query('truncate audit_head')).rejects.toThrow(/append-only/);
    await expect(
      h.database.query(`insert into audit_head (id, sequence, hash) values (2, 0, '${'0'.repeat(64)}')`),
    ).rejects.toThrow(/one row/);
    expect(await head()).toEqual(start);

    await ideas(2);
    const moved = await head();
    expect(moved.sequence).toBe(start.sequence + 2);
    expect(moved.hash).toBe(await hashAt(moved.sequence));
    expect(await verify()).toEqual({ ok: true, count: moved.sequence, unsealed: 0 });
  });

  it('answers 503 naming CLOS_AUDIT_SIGNING_KEY where no key is configured (PostgreSQL without it)', async () => {
    const setup = setUpAuditCheckpoints({
      policy: defaultPolicy(),
      signingKey: undefined,
      dataDir: null,
      defaultDir: dir,
      cwd: dir,
    });
    expect(setup.ports.signer).toBeNull();
    const services = composeServices({
      database: h.database,
      policy: defaultPolicy(),
      clock: h.clock,
      auditCheckpoints: setup.ports,
    });
    const ctx = {
      actor: { userId: null, tokenId: null, role: 'admin' as const, podIds: [], label: 'test' },
      requestId: null,
    };
    await expect(services.auditCheckpoints.take(ctx)).rejects.toMatchObject({
      code: 'service_unavailable',
      message: expect.stringContaining('set CLOS_AUDIT_SIGNING_KEY'),
    });
    expect(await services.auditCheckpoints.periodic(h.clock.now())).toEqual({ status: 'off' });
  });
});

describe.each(testEngines())('checkpoint routes without a signing key on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    const setup = setUpAuditCheckpoints({
      policy: defaultPolicy(),
      signingKey: undefined,
      dataDir: null,
      defaultDir: tmpdir(),
      cwd: tmpdir(),
    });
    h = await startHarness(engine, {}, undefined, { auditCheckpoints: setup.ports });
  });
  afterAll(() => h.close());

  it('503 on the checkpoint routes; plain verify still works', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/audit/checkpoint'],
      [
        'GET',
        `/api/v1/audit/verify?checkpoint=${encodeCheckpointToken(signed(signer, { sequence: 1, hash: 'a'.repeat(64) }))}`,
      ],
      [
        'POST',
        '/api/v1/audit/verify',
        { checkpoints: [signed(signer, { sequence: 1, hash: 'a'.repeat(64) })] },
      ],
    ] as const) {
      const res = await h.call(method, url, body);
      expect(res.statusCode, url).toBe(503);
      expect(res.json().error).toMatchObject({
        code: 'service_unavailable',
        message: expect.stringContaining('CLOS_AUDIT_SIGNING_KEY'),
      });
    }
    expect((await h.call('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
  });
});

/** A local receiver for the webhook sink: records bodies; answers with `status`, or holds requests. */
async function receiver() {
  const received: SignedCheckpoint[] = [];
  const held: ServerResponse[] = [];
  let status = 200;
  let hold = false;
  let onRequest: (() => void) | null = null;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      received.push(JSON.parse(body));
      onRequest?.();
      if (hold) held.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`,
    received,
    setStatus: (s: number) => {
      status = s;
    },
    holdNext() {
      hold = true;
      return new Promise<void>((r) => {
        onRequest = r;
      });
    },
    release() {
      hold = false;
      onRequest = null;
      for (const res of held.splice(0)) res.writeHead(200).end();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.each(testEngines())('periodic checkpoints and exports on %s', (engine) => {
  let h: Harness;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    hook = await receiver();
    h = await startHarness(engine, {}, undefined, { runtime: true, auditCheckpoints: ports });
  });
  afterAll(async () => {
    await h.close();
    await hook.close();
  });
  beforeEach(async () => {
    await h.reset();
    dir = await mkdtemp(join(tmpdir(), 'clos-checkpoints-'));
    sinks.splice(0, sinks.length, directorySink(dir), webhookSink(hook.url, { timeoutSeconds: 10 }));
    hook.received.splice(0);
    hook.setStatus(200);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = async () => (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.json')).sort();
  const headSequence = async () =>
    Number((await h.database.query<{ sequence: number }>('select sequence from audit_head'))[0]!.sequence);
  const write = async () => {
    const res = await h.call('POST', '/api/v1/ideas', { title: `Idea ${randomUUID().slice(0, 8)}` });
    expect(res.statusCode).toBe(201);
    // Sealed as the relay would (this harness runs none): the head moves with it.
    await h.sealAudit();
  };

  it('takes one checkpoint per interval when the head moved, skips an unchanged head, and posts it to the webhook', async () => {
    h.clock.set('2026-03-02T09:05:00.000Z');
    await h.runtime!.tick();
    const first = await headSequence();
    expect(await files()).toEqual([checkpointFileName(first)]);
    expect(hook.received.map((c) => c.sequence)).toEqual([first]);
    expect(
      checkpointSignatureProblem(hook.received[0]!, parseAuditPublicKey(publicPem(signer), 'pinned')),
    ).toBeNull();

    // Same interval, head moved: already done for this interval.
    await write();
    h.clock.set('2026-03-02T09:40:00.000Z');
    await h.runtime!.tick();
    expect(await files()).toHaveLength(1);

    // Next interval: the moved head is signed.
    h.clock.set('2026-03-02T10:00:30.000Z');
    await h.runtime!.tick();
    const second = await headSequence();
    expect(await files()).toEqual([checkpointFileName(first), checkpointFileName(second)]);

    // Head unchanged through the next interval: nothing new (signing it again would vouch for nothing).
    h.clock.set('2026-03-02T11:00:30.000Z');
    await h.runtime!.tick();
    expect(await files()).toHaveLength(2);
    expect(hook.received.map((c) => c.sequence)).toEqual([first, second]);
  });

  it('processes ticking at once take the interval’s checkpoint once', async () => {
    const processes = [1, 2, 3].map(() =>
      composeServices({
        database: h.database,
        policy: h.services.policy,
        clock: h.clock,
        auditCheckpoints: ports,
      }),
    );
    const now = new Date('2026-03-02T12:00:00.000Z');
    const outcomes = await Promise.all(processes.map((p) => p.auditCheckpoints.periodic(now)));
    // One takes it; each other one finds the interval claimed, or (if it looks after the first one
    // stored its checkpoint) the head already signed: either way nothing more is signed.
    const statuses = outcomes.map((o) => o.status);
    expect(statuses.filter((s) => s === 'taken')).toHaveLength(1);
    for (const status of statuses.filter((s) => s !== 'taken'))
      expect(['interval-done', 'unchanged']).toContain(status);
    expect(await h.database.query('select count(*)::int as n from audit_checkpoints')).toEqual([{ n: 1 }]);
    expect(await files()).toHaveLength(1);

    // The next interval, claimed by a process still walking the log (its checkpoint not stored yet):
    // the others leave it to that one, even though the head moved.
    await write();
    await h.database.query('insert into job_keys (key, created_at) values ($1, now())', [
      `audit-checkpoint:${signer.keyId}:2026-03-02T13:00:00.000Z`,
    ]);
    expect(await processes[0]!.auditCheckpoints.periodic(new Date('2026-03-02T13:30:00.000Z'))).toEqual({
      status: 'interval-done',
    });
    expect(await files()).toHaveLength(1);
  });

  it('retries a failed export with backoff, without holding up writes', async () => {
    hook.setStatus(503);
    h.clock.set('2026-03-02T09:05:00.000Z');
    const outcome = await h.services.auditCheckpoints.periodic(h.clock.now());
    expect(outcome).toMatchObject({
      status: 'taken',
      exports: [
        { sink: `directory ${dir}`, ok: true },
        { sink: `webhook ${new URL(hook.url).origin}`, ok: false, error: 'answered 503' },
      ],
    });
    const pending = async () =>
      h.database.query<{ exported: boolean; attempts: number; error: string | null }>(
        'select exported_at is not null as exported, export_attempts as attempts, last_export_error as error from audit_checkpoints',
      );
    expect(await pending()).toEqual([
      { exported: false, attempts: 1, error: expect.stringContaining('answered 503') },
    ]);

    // Not due yet (30 s backoff): no new attempt.
    h.clock.advance(10_000);
    expect(await h.services.auditCheckpoints.retryExports(h.clock.now())).toEqual([]);
    expect(hook.received).toHaveLength(1);

    // Due, and the receiver is back; meanwhile a slow receiver does not hold up a write.
    hook.setStatus(200);
    h.clock.advance(30_000);
    const arrived = hook.holdNext();
    const retry = h.services.auditCheckpoints.retryExports(h.clock.now());
    await arrived;
    await write();
    hook.release();
    expect((await retry).map((r) => r.exports.every((e) => e.ok))).toEqual([true]);
    expect(await pending()).toEqual([{ exported: true, attempts: 2, error: null }]);
    const sequence = await headSequence();
    expect(hook.received.map((c) => c.sequence)).toEqual([sequence - 1, sequence - 1]);
  });

  it('does not sign a log that no longer extends its last checkpoint', async () => {
    for (let i = 0; i < 4; i++) await write();
    h.clock.set('2026-03-02T09:05:00.000Z');
    const taken = await h.services.auditCheckpoints.periodic(h.clock.now());
    expect(taken.status).toBe('taken');
    const keep = (await headSequence()) - 2;
    await h.sealAudit();
    await h.database.query('alter table audit_events disable trigger user');
    await h.database.query('alter table audit_head disable trigger user');
    try {
      await h.database.query('delete from audit_events where sequence > $1', [keep]);
      await h.database.query(
        'update audit_head set sequence = $1, hash = (select hash from audit_events where sequence = $1)',
        [keep],
      );
    } finally {
      await h.database.query('alter table audit_events enable trigger user');
      await h.database.query('alter table audit_head enable trigger user');
    }
    h.clock.set('2026-03-02T10:05:00.000Z');
    expect(await h.services.auditCheckpoints.periodic(h.clock.now())).toMatchObject({
      status: 'refused',
      brokenAt: keep + 1,
      reason: expect.stringContaining('behind the last checkpoint'),
    });
    expect(await files()).toHaveLength(1);
  });
});

function publicPem(s: typeof signer): string {
  return `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(s.publicKey, 'base64url')]).toString('base64')}\n-----END PUBLIC KEY-----\n`;
}
