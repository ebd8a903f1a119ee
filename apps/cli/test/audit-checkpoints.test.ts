import { generateKeyPairSync } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEd25519Signer, publicKeyPem } from '@clos/audit-signing';
import { createClosClient } from '@clos/contract';
import { type CheckpointSink, chainHash, checkpointMessage } from '@clos/core';
import { createRepositories, nodeSecrets } from '@clos/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkpointFileContent,
  checkpointFileName,
  directorySink,
} from '../../server/src/audit/directory-sink.ts';
// The server's own test harness: the real app over a fresh embedded database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { verifyCheckpointDirectory } from '../src/audit-checkpoints.ts';
import type { Session } from '../src/context.ts';
import type { Output } from '../src/output.ts';
import { type CliResult, type CliSandbox, createSandbox, explain } from './run-clos.ts';

const signer = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
const attacker = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);

// Each `clos` run is a process start (about a second of CPU): the timeout allows for a busy machine.
describe('clos audit verify --checkpoints', { timeout: 180_000 }, () => {
  let h: Harness;
  let cli: CliSandbox;
  let dir: string;
  let url: string;
  const sinks: CheckpointSink[] = [];
  const clos = (args: string[]): Promise<CliResult> => cli.run(args);

  beforeAll(async () => {
    cli = await createSandbox();
    dir = join(cli.home, 'checkpoints');
    sinks.push(directorySink(dir));
    h = await startHarness('pglite', {}, undefined, { auditCheckpoints: { signer, sinks } });
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    cli.env = { CLOS_URL: url, CLOS_TOKEN: ADMIN_TOKEN };
  });
  afterAll(async () => {
    await h?.close();
    await cli?.cleanup();
  });

  async function ideas(n: number) {
    for (let i = 0; i < n; i++) {
      h.clock.advance(60_000);
      expect((await h.call('POST', '/api/v1/ideas', { title: `Idea ${i}` })).statusCode).toBe(201);
    }
  }
  async function takeCheckpoint(): Promise<number> {
    h.clock.advance(1000);
    const res = await h.call('GET', '/api/v1/audit/checkpoint');
    expect(res.statusCode, res.body).toBe(200);
    return res.json().checkpoint.sequence;
  }

  it('passes while the log holds every checkpoint; refuses a forged one; fails at the first bad sequence once rewound', async () => {
    await ideas(3);
    const early = await takeCheckpoint();
    await ideas(3);
    const late = await takeCheckpoint();

    const intact = await clos(['audit', 'verify', '--checkpoints', 'checkpoints']);
    expect(intact.code, explain(intact)).toBe(0);
    expect(intact.stdout).toBe(
      `audit log intact: ${late} events; all 2 checkpoints (sequences ${early}–${late}) still contained unchanged\n`,
    );

    // A checkpoint the attacker signed, dropped into the directory: refused before anything is sent.
    const forgedSeq = late + 100;
    const claim = {
      sequence: forgedSeq,
      hash: 'e'.repeat(64),
      time: '2026-03-02T12:00:00.000Z',
      keyId: attacker.keyId,
    };
    const forged = {
      format: 'clos-audit-checkpoint/1' as const,
      ...claim,
      publicKey: attacker.publicKey,
      signature: attacker.sign(checkpointMessage(claim)),
    };
    const forgedFile = join(dir, checkpointFileName(forgedSeq));
    await writeFile(forgedFile, checkpointFileContent(forged));
    const refused = await clos(['audit', 'verify', '--checkpoints', 'checkpoints']);
    expect(refused.code, explain(refused)).toBe(1);
    expect(refused.stdout).toBe(
      `checkpoint REFUSED: ${forgedFile} (sequence ${forgedSeq}) is signed by another key (key id ${attacker.keyId}), not the pinned one (${signer.keyId})\n`,
    );
    // Pinning the attacker's key instead refuses the genuine ones.
    await writeFile(join(cli.home, 'attacker.pem'), publicKeyPem(attacker.publicKey));
    const wrongPin = await clos([
      'audit',
      'verify',
      '--checkpoints',
      'checkpoints',
      '--public-key',
      'attacker.pem',
    ]);
    expect(wrongPin.code, explain(wrongPin)).toBe(1);
    expect(wrongPin.stdout).toContain(
      `${checkpointFileName(early)} (sequence ${early}) is signed by another key`,
    );
    await rm(forgedFile);

    // The database owner deletes the newest events and rewinds the head: plain verify passes.
    const keep = early + 1;
    await h.database.query('alter table audit_events disable trigger user');
    await h.database.query('alter table audit_head disable trigger user');
    await h.database.query('delete from audit_events where sequence > $1', [keep]);
    await h.database.query(
      'update audit_head set sequence = $1, hash = (select hash from audit_events where sequence = $1)',
      [keep],
    );
    await h.database.query('alter table audit_events enable trigger user');
    await h.database.query('alter table audit_head enable trigger user');

    const [plain, broken, asJson] = await Promise.all([
      clos(['audit', 'verify']),
      clos(['audit', 'verify', '--checkpoints', 'checkpoints']),
      clos(['--json', 'audit', 'verify', '--checkpoints', 'checkpoints']),
    ]);
    expect(plain.code, explain(plain)).toBe(0);
    expect(broken.code, explain(broken)).toBe(1);
    const file = join(dir, checkpointFileName(late));
    expect(broken.stdout).toMatch(
      new RegExp(
        `^audit log BROKEN at sequence ${keep + 1}: checkpoint ${late} signed at \\S+ covers events up to ${late}, but the log ends at ${keep}`,
      ),
    );
    expect(broken.stdout).toContain(`\nfailing checkpoint: ${file} (sequence ${late}, signed `);
    expect(asJson.code, explain(asJson)).toBe(1);
    expect(asJson.json()).toMatchObject({
      ok: false,
      brokenAt: keep + 1,
      count: keep,
      file,
      checkpoint: { sequence: late },
    });
  });

  it('usage errors (exit 2): no such directory, no checkpoints, no public key, --public-key alone', async () => {
    await mkdir(join(cli.home, 'empty'), { recursive: true });
    await mkdir(join(cli.home, 'keyless'), { recursive: true });
    await writeFile(join(cli.home, 'keyless', '000000000001.json'), '{}');
    const [missing, empty, keyless, alone] = await Promise.all([
      clos(['audit', 'verify', '--checkpoints', 'nowhere', '--public-key', 'checkpoints/public-key.pem']),
      clos(['audit', 'verify', '--checkpoints', 'empty', '--public-key', 'checkpoints/public-key.pem']),
      clos(['audit', 'verify', '--checkpoints', 'keyless']),
      clos(['audit', 'verify', '--public-key', 'checkpoints/public-key.pem']),
    ]);
    for (const r of [missing, empty, keyless, alone]) expect(r.code, explain(r)).toBe(2);
    expect(missing.stderr).toContain('cannot read the checkpoint directory');
    expect(empty.stderr).toContain('no checkpoint files (000000000042.json) in');
    expect(keyless.stderr).toContain('cannot read the public key');
    expect(alone.stderr).toContain('--public-key needs --checkpoints <dir>');
  });

  it('in batches, names the last checkpoint that still matches even when it sits in the previous batch', async () => {
    await h.reset();
    const fresh = join(cli.home, 'batched');
    sinks.splice(0, sinks.length, directorySink(fresh));
    const taken: number[] = [];
    for (let i = 0; i < 5; i++) {
      await ideas(1);
      taken.push(await takeCheckpoint());
    }
    // Re-signed from the event after the second checkpoint: the third is the first that fails, and it
    // opens the second batch of [1,2] [2,3] [3,4] [4,5].
    const target = taken[1]! + 1;
    const events = [];
    for await (const e of createRepositories(h.database.db, () => '').audit.iterate()) events.push(e);
    let prev = events[target - 2]!.hash;
    await h.database.query('alter table audit_events disable trigger user');
    await h.database.query('alter table audit_head disable trigger user');
    for (const e of events.slice(target - 1)) {
      const row = e.sequence === target ? { ...e, reason: 'forged' } : e;
      const hash = chainHash(nodeSecrets.sha256, prev, row);
      await h.database.query(
        'update audit_events set reason = $1, prev_hash = $2, hash = $3 where sequence = $4',
        [row.reason, prev, hash, e.sequence],
      );
      prev = hash;
    }
    await h.database.query('update audit_head set hash = $1', [prev]);
    await h.database.query('alter table audit_events enable trigger user');
    await h.database.query('alter table audit_head enable trigger user');

    const lines: string[] = [];
    const out = { json: false, line: (text = '') => lines.push(text), note: () => {} } as unknown as Output;
    const session: Session = {
      out,
      globals: {},
      runtime: { env: {}, cwd: cli.home, exitCode: 0 },
      client: async () => createClosClient({ url, token: ADMIN_TOKEN }),
    };
    const code = await verifyCheckpointDirectory(session, { checkpoints: 'batched', batch: 2 });
    expect(code).toBe(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^audit log BROKEN at sequence ${target}: event ${taken[2]} no longer has the hash checkpoint ${taken[2]} signed .* after event ${taken[1]}, the last checkpoint that still matches$`,
      ),
    );
    expect(lines[1]).toContain(`failing checkpoint: ${join(fresh, checkpointFileName(taken[2]!))}`);
  });
});
