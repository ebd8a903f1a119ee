import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSecretBox,
  generateSecretKey,
  isSealed,
  openSecret,
  parseSecretKey,
  SecretBoxError,
  SecretKeyMissingError,
  sealSecret,
  secretKeyId,
} from './secret-box.ts';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const PLACE = 'webhooks.secret:0b7a7c7e-6f43-4a8e-9d7c-3a3f1c0d9e01';

function failure(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SecretBoxError) return e;
    throw e;
  }
  throw new Error('expected a SecretBoxError, got a value');
}

describe('secret box', () => {
  it('seals as enc:v1:<keyId>:<iv>:<ciphertext+tag> and opens back, a fresh IV each time', () => {
    const box = createSecretBox({ current: keyA });
    const sealed = box.seal('whsec_recognisable_0123456789', PLACE);
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealed.split(':')[2]).toBe(box.keyId);
    expect(sealed).not.toContain('whsec_recognisable');
    expect(isSealed(sealed)).toBe(true);
    expect(box.open(sealed, PLACE)).toBe('whsec_recognisable_0123456789');
    expect(box.seal('whsec_recognisable_0123456789', PLACE)).not.toBe(sealed);
  });

  it('round-trips any text, and never opens an altered value (property)', () => {
    const box = createSecretBox({ current: keyA });
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.nat(),
        fc.nat(255),
        (plain, at, xor) => {
          const sealed = box.seal(plain, PLACE);
          expect(box.open(sealed, PLACE)).toBe(plain);
          // Flip bits somewhere in the IV, ciphertext or tag: the tag check refuses it.
          const [prefix, version, id, iv, data] = sealed.split(':') as [
            string,
            string,
            string,
            string,
            string,
          ];
          const bytes = Buffer.concat([Buffer.from(iv, 'base64url'), Buffer.from(data, 'base64url')]);
          const i = at % bytes.length;
          bytes[i] = bytes[i]! ^ (xor || 1);
          const altered = [
            prefix,
            version,
            id,
            bytes.subarray(0, 12).toString('base64url'),
            bytes.subarray(12).toString('base64url'),
          ].join(':');
          expect(failure(() => box.open(altered, PLACE)).reason).toBe('tampered');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('binds a value to its place: copied to another row it does not decrypt', () => {
    const box = createSecretBox({ current: keyA });
    const sealed = box.seal('s3cret-s3cret-s3cret', PLACE);
    const moved = failure(() => box.open(sealed, 'webhooks.secret:another-row'));
    expect(moved.reason).toBe('tampered');
    expect(moved.message).toContain('copied from another row');
  });

  it('says which key a value needs when the key given is another, never returning garbage', () => {
    const sealed = createSecretBox({ current: keyA }).seal('s3cret-s3cret-s3cret', PLACE);
    const wrong = createSecretBox({ current: keyB });
    const error = failure(() => wrong.open(sealed, PLACE));
    expect(error.reason).toBe('unknown_key');
    expect(error.keyId).toBe(secretKeyId(keyA));
    expect(error.message).toContain(`under key ${secretKeyId(keyA)}`);
    expect(error.message).toContain(secretKeyId(keyB));
    // A forged key id does not help: the id picks the key, the tag still checks it.
    const [p, v, , iv, data] = sealed.split(':');
    const relabelled = [p, v, wrong.keyId, iv, data].join(':');
    expect(failure(() => wrong.open(relabelled, PLACE)).reason).toBe('tampered');
  });

  it('opens with a previous key during a rotation, and seals only with the current one', () => {
    const old = createSecretBox({ current: keyA }).seal('rotating-secret-value', PLACE);
    const rotating = createSecretBox({ current: keyB, previous: [keyA] });
    expect(rotating.keyIds).toEqual([secretKeyId(keyB), secretKeyId(keyA)]);
    expect(rotating.open(old, PLACE)).toBe('rotating-secret-value');
    const resealed = rotating.seal('rotating-secret-value', PLACE);
    expect(rotating.keyIdOf(resealed)).toBe(secretKeyId(keyB));
    expect(createSecretBox({ current: keyB }).open(resealed, PLACE)).toBe('rotating-secret-value');
  });

  it('refuses truncated values and formats it does not know', () => {
    const box = createSecretBox({ current: keyA });
    const sealed = box.seal('s3cret-s3cret-s3cret', PLACE);
    expect(failure(() => box.open(sealed.slice(0, 30), PLACE)).reason).toBe('malformed');
    expect(failure(() => box.open(`${sealed}:extra`, PLACE)).reason).toBe('malformed');
    const future = failure(() => box.open(sealed.replace('enc:v1:', 'enc:v2:'), PLACE));
    expect(future.reason).toBe('unsupported_version');
    expect(future.message).toContain('v2');
  });

  it('names keys by an id derived from them', () => {
    expect(secretKeyId(keyA)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(secretKeyId(Buffer.from(keyA))).toBe(secretKeyId(keyA));
    expect(secretKeyId(keyB)).not.toBe(secretKeyId(keyA));
    expect(() => createSecretBox({ current: randomBytes(16) })).toThrow('32 bytes');
  });
});

describe('parseSecretKey', () => {
  it('takes 32 bytes as base64 (padded or not, either alphabet) or 64 hex digits', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
    expect(parseSecretKey(`  ${key.toString('hex')}\n`)).toEqual(key);
    expect(parseSecretKey(key.toString('hex').toUpperCase())).toEqual(key);
    expect(parseSecretKey(generateSecretKey())).toHaveLength(32);
  });

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'correct horse battery staple',
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(32).toString('hex').slice(1),
      randomBytes(24).toString('hex'),
      `${randomBytes(32).toString('base64').slice(0, 43)}!`,
    ])
      expect(parseSecretKey(bad), bad).toBeNull();
  });
});

describe('at the storage boundary', () => {
  it('refuses to store a secret without a key (503 service_unavailable naming CLOS_SECRET_KEY)', () => {
    expect(() => sealSecret(undefined, 's3cret-s3cret-s3cret', PLACE)).toThrow(SecretKeyMissingError);
    const error = new SecretKeyMissingError();
    expect(error.code).toBe('service_unavailable');
    expect(error.message).toContain('CLOS_SECRET_KEY');
  });

  it('reads plain values written before encryption as they are; sealed ones need a key', () => {
    expect(openSecret(undefined, 'legacy-plain-secret', PLACE)).toBe('legacy-plain-secret');
    const box = createSecretBox({ current: keyA });
    expect(openSecret(box, 'legacy-plain-secret', PLACE)).toBe('legacy-plain-secret');
    const sealed = box.seal('s3cret-s3cret-s3cret', PLACE);
    expect(openSecret(box, sealed, PLACE)).toBe('s3cret-s3cret-s3cret');
    expect(failure(() => openSecret(undefined, sealed, PLACE)).message).toContain('CLOS_SECRET_KEY');
  });
});
