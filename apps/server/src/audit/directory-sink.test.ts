import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEd25519Signer,
  parseAuditPublicKey,
  parseAuditSigningKey,
  rawPublicKey,
} from '@clos/audit-signing';
import { decodeCheckpointToken } from '@clos/contract';
import { checkpointMessage, type SignedCheckpoint } from '@clos/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointFileName, directorySink, PUBLIC_KEY_FILE } from './directory-sink.ts';

const newSigner = () => createEd25519Signer(parseAuditSigningKey(randomBytes(32).toString('base64'), 'k'));

function checkpoint(
  signer: ReturnType<typeof newSigner>,
  sequence: number,
  hash: string,
  time = '2026-03-02T09:00:00.000Z',
) {
  const claim = { sequence, hash, time, keyId: signer.keyId };
  return {
    format: 'clos-audit-checkpoint/1' as const,
    ...claim,
    publicKey: signer.publicKey,
    signature: signer.sign(checkpointMessage(claim)),
  } satisfies SignedCheckpoint;
}

describe('directory sink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'clos-sink-')), 'nested', 'checkpoints');
  });
  afterEach(() => rm(join(dir, '..', '..'), { recursive: true, force: true }));

  it('writes one file per checkpoint, named by sequence, plus the public key once; no temporary files remain', async () => {
    const signer = newSigner();
    const sink = directorySink(dir);
    const a = checkpoint(signer, 7, 'a'.repeat(64));
    const b = checkpoint(signer, 1234, 'b'.repeat(64));
    await sink.export(a);
    await sink.export(b);
    expect((await readdir(dir)).sort()).toEqual(['000000000007.json', '000000001234.json', PUBLIC_KEY_FILE]);
    expect(checkpointFileName(42)).toBe('000000000042.json');
    const onFile = JSON.parse(await readFile(join(dir, '000000000007.json'), 'utf8'));
    const { token, ...fields } = onFile;
    expect(fields).toEqual(a);
    expect(decodeCheckpointToken(token)).toEqual({ ok: true, checkpoint: a });
    const pinned = parseAuditPublicKey(await readFile(join(dir, PUBLIC_KEY_FILE), 'utf8'), PUBLIC_KEY_FILE);
    expect(rawPublicKey(pinned)).toBe(signer.publicKey);
  });

  it('a retry, or a re-signature of the same head, succeeds and leaves the first file as it was', async () => {
    const signer = newSigner();
    const sink = directorySink(dir);
    const first = checkpoint(signer, 7, 'a'.repeat(64));
    await sink.export(first);
    const before = await readFile(join(dir, '000000000007.json'), 'utf8');
    await sink.export(first);
    await sink.export(checkpoint(signer, 7, 'a'.repeat(64), '2026-03-02T10:00:00.000Z'));
    expect(await readFile(join(dir, '000000000007.json'), 'utf8')).toBe(before);
  });

  it('never overwrites: another hash at a sequence on file is refused as a rewritten log', async () => {
    const signer = newSigner();
    const sink = directorySink(dir);
    await sink.export(checkpoint(signer, 7, 'a'.repeat(64)));
    await expect(sink.export(checkpoint(signer, 7, 'c'.repeat(64)))).rejects.toThrow(
      /already holds checkpoint 7 with hash a{64}, and the log now has c{64} there: the log was rewritten/,
    );
    expect(JSON.parse(await readFile(join(dir, '000000000007.json'), 'utf8')).hash).toBe('a'.repeat(64));
    await writeFile(join(dir, '000000000009.json'), 'not json');
    await expect(sink.export(checkpoint(signer, 9, 'a'.repeat(64)))).rejects.toThrow(
      /is not a checkpoint file/,
    );
  });

  it('a directory belongs to one key: another key’s checkpoint is refused', async () => {
    await directorySink(dir).export(checkpoint(newSigner(), 1, 'a'.repeat(64)));
    const other = newSigner();
    await expect(directorySink(dir).export(checkpoint(other, 2, 'b'.repeat(64)))).rejects.toThrow(
      /holds checkpoints of another key .* give each key its own directory/,
    );
    expect(await readdir(dir)).not.toContain('000000000002.json');
  });

  it('concurrent exports of one checkpoint both succeed and write it once', async () => {
    const signer = newSigner();
    const c = checkpoint(signer, 5, 'd'.repeat(64));
    await Promise.all([
      directorySink(dir).export(c),
      directorySink(dir).export(c),
      directorySink(dir).export(c),
    ]);
    expect((await readdir(dir)).sort()).toEqual(['000000000005.json', PUBLIC_KEY_FILE]);
  });
});
