import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuditKeyError,
  auditKeyId,
  checkpointSignatureProblem,
  createEd25519Signer,
  generateAuditSigningKeyPem,
  parseAuditPublicKey,
  parseAuditSigningKey,
  publicKeyPem,
  rawPublicKey,
} from '@clos/audit-signing';
import { checkpointMessage, type SignedCheckpoint } from '@clos/core';
import { defaultPolicy } from '@clos/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseServerOptions, UsageError } from '../runtime/options.ts';
import { AUDIT_KEY_FILE, setUpAuditCheckpoints } from './checkpoint-ports.ts';

function checkpointBy(signer: ReturnType<typeof createEd25519Signer>, sequence = 3): SignedCheckpoint {
  const claim = { sequence, hash: 'a'.repeat(64), time: '2026-03-02T09:00:00.000Z', keyId: signer.keyId };
  return {
    format: 'clos-audit-checkpoint/1',
    ...claim,
    publicKey: signer.publicKey,
    signature: signer.sign(checkpointMessage(claim)),
  };
}

describe('audit signing keys', () => {
  it('reads PKCS#8 PEM and a base64 or base64url 32-byte seed as the same key', () => {
    const seed = randomBytes(32);
    const fromB64 = parseAuditSigningKey(seed.toString('base64'), 'env');
    const fromB64url = parseAuditSigningKey(`  ${seed.toString('base64url')}\n`, 'env');
    const pem = fromB64.export({ format: 'pem', type: 'pkcs8' }).toString();
    const fromPem = parseAuditSigningKey(pem, 'env');
    expect(rawPublicKey(fromB64url)).toBe(rawPublicKey(fromB64));
    expect(rawPublicKey(fromPem)).toBe(rawPublicKey(fromB64));
    expect(rawPublicKey(parseAuditSigningKey(generateAuditSigningKeyPem(), 'file'))).toMatch(/^[\w-]{43}$/);
  });

  it('refuses anything else, naming the source and the accepted formats', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    for (const [value, problem] of [
      ['not a key!', 'not base64'],
      [randomBytes(16).toString('base64'), 'decodes to 16 bytes, not 32'],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', ''],
      [rsa.toString(), 'is a rsa key'],
    ] as const) {
      const error = (() => {
        try {
          parseAuditSigningKey(value, 'CLOS_AUDIT_SIGNING_KEY');
        } catch (e) {
          return e as Error;
        }
        throw new Error(`accepted ${value}`);
      })();
      expect(error).toBeInstanceOf(AuditKeyError);
      expect(error.message).toMatch(/^CLOS_AUDIT_SIGNING_KEY: /);
      expect(error.message).toContain('Ed25519 private key as PKCS#8 PEM');
      expect(error.message).toContain(problem);
    }
  });

  it('CLOS_AUDIT_SIGNING_KEY is parsed with the other options: a bad one is a usage error (exit 2)', () => {
    const seed = randomBytes(32).toString('base64');
    const options = parseServerOptions([], { CLOS_AUDIT_SIGNING_KEY: seed }, '/srv');
    expect(options !== 'help' && options.auditSigningKey && rawPublicKey(options.auditSigningKey)).toBe(
      rawPublicKey(parseAuditSigningKey(seed, 'x')),
    );
    const without = parseServerOptions([], {}, '/srv');
    expect(without !== 'help' && 'auditSigningKey' in without).toBe(false);
    expect(() => parseServerOptions([], { CLOS_AUDIT_SIGNING_KEY: 'abc' }, '/srv')).toThrow(UsageError);
    expect(() => parseServerOptions([], { CLOS_AUDIT_SIGNING_KEY: 'abc' }, '/srv')).toThrow(
      /^CLOS_AUDIT_SIGNING_KEY: must be an Ed25519 private key/,
    );
  });

  it('signs checkpoints that verify under the pinned public key only, and not once altered', () => {
    const signer = createEd25519Signer(parseAuditSigningKey(randomBytes(32).toString('base64'), 'k'));
    const other = createEd25519Signer(parseAuditSigningKey(randomBytes(32).toString('base64'), 'k'));
    const pinned = parseAuditPublicKey(publicKeyPem(signer.publicKey), 'public-key.pem');
    expect(signer.keyId).toBe(auditKeyId(signer.publicKey));
    expect(signer.keyId).toMatch(/^[0-9a-f]{16}$/);

    const good = checkpointBy(signer);
    expect(signer.verify(checkpointMessage(good), good.signature)).toBe(true);
    expect(checkpointSignatureProblem(good, pinned)).toBeNull();
    // Another key's checkpoint carries its own (valid) key: refused because it is not the pinned one.
    expect(checkpointSignatureProblem(checkpointBy(other), pinned)).toContain('is signed by another key');
    expect(checkpointSignatureProblem({ ...good, sequence: 4 }, pinned)).toContain(
      'does not match its content',
    );
    expect(checkpointSignatureProblem({ ...good, signature: good.signature.slice(0, 40) }, pinned)).toContain(
      'does not match',
    );
    expect(() => parseAuditPublicKey('nonsense', 'pinned.pem')).toThrow(
      /pinned.pem: is not a PEM public key/,
    );
  });
});

describe('setUpAuditCheckpoints', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clos-audit-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const setUp = (overrides: Partial<Parameters<typeof setUpAuditCheckpoints>[0]> = {}) =>
    setUpAuditCheckpoints({
      policy: defaultPolicy(),
      signingKey: undefined,
      dataDir: dir,
      defaultDir: dir,
      cwd: dir,
      ...overrides,
    });

  it('embedded without a key: creates audit-signing.key (0600) once, and keeps signing with it', async () => {
    const first = setUp();
    expect(first.keyFile).toEqual({ path: join(dir, AUDIT_KEY_FILE), created: true });
    expect((await stat(join(dir, AUDIT_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, AUDIT_KEY_FILE), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = setUp();
    expect(again.keyFile?.created).toBe(false);
    expect(again.ports.signer?.keyId).toBe(first.ports.signer?.keyId);
    expect(first.directory).toBe(join(dir, 'audit-checkpoints'));
    expect(first.ports.signer && first.ports.sinks.map((s) => s.name)).toEqual([
      `directory ${join(dir, 'audit-checkpoints')}`,
    ]);
  });

  it('CLOS_AUDIT_SIGNING_KEY wins over the key file; a configured directory and webhook are used', () => {
    const key = parseAuditSigningKey(randomBytes(32).toString('base64'), 'env');
    const setup = setUp({
      signingKey: key,
      policy: defaultPolicy({
        audit: { checkpoints: { directory: 'elsewhere', webhookUrl: 'https://audit.example.com/in' } },
      }),
    });
    expect(setup.keyFile).toBeUndefined();
    expect(setup.ports.signer?.publicKey).toBe(rawPublicKey(key));
    expect(setup.ports.signer && setup.ports.sinks.map((s) => s.name)).toEqual([
      `directory ${join(dir, 'elsewhere')}`,
      'webhook https://audit.example.com',
    ]);
  });

  it('PostgreSQL without a key, or checkpoints turned off: unavailable, saying why, and no key file', async () => {
    const postgres = setUp({ dataDir: null });
    expect(postgres.ports).toEqual({
      signer: null,
      unavailable: expect.stringContaining('set CLOS_AUDIT_SIGNING_KEY'),
    });
    const off = setUp({ policy: defaultPolicy({ audit: { checkpoints: { enabled: false } } }) });
    expect(off.ports).toEqual({
      signer: null,
      unavailable: expect.stringContaining('audit.checkpoints.enabled'),
    });
    await expect(stat(join(dir, AUDIT_KEY_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('a key file that holds no key stops start-up with AuditKeyError naming the file', async () => {
    await writeFile(join(dir, AUDIT_KEY_FILE), 'garbage\n', { mode: 0o600 });
    expect(() => setUp()).toThrow(AuditKeyError);
    expect(() => setUp()).toThrow(join(dir, AUDIT_KEY_FILE));
  });
});
