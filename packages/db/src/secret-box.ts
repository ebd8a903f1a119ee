import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { DomainError } from '@clos/core';

/**
 * Secrets at rest (webhook signing secrets now, integration credentials later) are stored as
 *
 *   enc:v1:<keyId>:<iv>:<ciphertext+tag>        (iv and ciphertext in base64url)
 *
 * AES-256-GCM with a random 96-bit IV per value. The key id names the key (so a rotation, or a server
 * started with the wrong key, says which key a value needs instead of failing vaguely), and the
 * additional authenticated data binds each value to its place (`webhooks.secret:<row id>`): a
 * ciphertext copied to another row, or altered, fails the tag check instead of decrypting.
 */
export const SEALED_VERSION = 'v1';
const SEALED = /^enc:v\d+:/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type SecretBoxFailure = 'unknown_key' | 'tampered' | 'malformed' | 'unsupported_version';

/** A stored secret that cannot be opened: never a wrong plaintext, always this. */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxFailure,
    message: string,
    readonly keyId: string | null = null,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface SecretBox {
  /** The id of the key new values are sealed under. */
  readonly keyId: string;
  /** Ids of every key this box opens with: the current one first, then the decrypt-only ones. */
  readonly keyIds: readonly string[];
  /** Encrypts `plain` under the current key, bound to `place` (e.g. `webhooks.secret:<id>`). */
  seal(plain: string, place: string): string;
  /** Decrypts a sealed value stored at `place`; throws `SecretBoxError` when it cannot. */
  open(sealed: string, place: string): string;
  /** The id of the key a sealed value was written with (null for a plain value). */
  keyIdOf(stored: string): string | null;
}

/** Whether a stored value is sealed (rather than plain text written before encryption existed). */
export const isSealed = (stored: string): boolean => SEALED.test(stored);

/** A short public name for a key: HMAC-derived, so it tells nothing about the key itself. */
export function secretKeyId(key: Uint8Array): string {
  return createHmac('sha256', key).update('clos secret key id').digest('base64url').slice(0, 8);
}

/** A fresh random key, in the base64 form CLOS_SECRET_KEY and the key file take. */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Reads a key given as text: 32 bytes as base64 (standard or URL-safe alphabet, padding optional)
 * or as 64 hex digits. Returns null for anything else, so the caller can name its source.
 */
export function parseSecretKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return null;
}

const aad = (keyId: string, place: string) => Buffer.from(`enc:${SEALED_VERSION}:${keyId}|${place}`, 'utf8');

/**
 * A box over the current key (seals and opens) and any previous keys (open only, so processes keep
 * reading values not yet re-encrypted during a rotation).
 */
export function createSecretBox(keys: { current: Uint8Array; previous?: readonly Uint8Array[] }): SecretBox {
  const all = [keys.current, ...(keys.previous ?? [])];
  for (const key of all)
    if (key.length !== KEY_BYTES)
      throw new Error(`a secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
  const byId = new Map<string, Uint8Array>();
  for (const key of all) {
    const id = secretKeyId(key);
    if (!byId.has(id)) byId.set(id, key);
  }
  const keyId = secretKeyId(keys.current);

  function parse(stored: string) {
    const parts = stored.split(':');
    if (!isSealed(stored)) throw new SecretBoxError('malformed', 'not a sealed value');
    if (parts[1] !== SEALED_VERSION)
      throw new SecretBoxError(
        'unsupported_version',
        `sealed with format ${parts[1]}, which this version of CLOS does not know (it reads ${SEALED_VERSION}): run the newer version`,
      );
    const [, , id, iv, data] = parts;
    const ivBytes = Buffer.from(iv ?? '', 'base64url');
    const dataBytes = Buffer.from(data ?? '', 'base64url');
    if (parts.length !== 5 || !id || ivBytes.length !== IV_BYTES || dataBytes.length < TAG_BYTES)
      throw new SecretBoxError('malformed', 'the sealed value is truncated or malformed', id ?? null);
    return { id, iv: ivBytes, data: dataBytes };
  }

  return {
    keyId,
    keyIds: [...byId.keys()],
    seal(plain, place) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
      cipher.setAAD(aad(keyId, place));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `enc:${SEALED_VERSION}:${keyId}:${iv.toString('base64url')}:${data.toString('base64url')}`;
    },
    open(sealed, place) {
      const { id, iv, data } = parse(sealed);
      const key = byId.get(id);
      if (!key)
        throw new SecretBoxError(
          'unknown_key',
          `${place} was encrypted under key ${id}, which is not among the keys given (${[...byId.keys()].join(', ')})`,
          id,
        );
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(aad(id, place));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(data.subarray(0, data.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretBoxError(
          'tampered',
          `${place} does not decrypt under key ${id}: the value was altered, or copied from another row`,
          id,
        );
      }
    },
    keyIdOf(stored) {
      return isSealed(stored) ? (stored.split(':')[2] ?? null) : null;
    },
  };
}

/** What a process without a key answers when asked to store a secret (a 503 at the API). */
export class SecretKeyMissingError extends DomainError {
  constructor() {
    super(
      'service_unavailable',
      'this server has no secret key, so it cannot store secrets encrypted: set CLOS_SECRET_KEY (32 random bytes, base64 or hex) on every server and worker process and restart them (docs/configuration.md)',
    );
  }
}

/** Seals for storage; without a box nothing secret is stored at all. */
export function sealSecret(box: SecretBox | undefined, plain: string, place: string): string {
  if (!box) throw new SecretKeyMissingError();
  return box.seal(plain, place);
}

/**
 * Opens a stored value. A plain one (written before encryption, or by a process of the previous
 * version during a rolling upgrade) is returned as it is; start-up encrypts those.
 */
export function openSecret(box: SecretBox | undefined, stored: string, place: string): string {
  if (!isSealed(stored)) return stored;
  if (!box)
    throw new SecretBoxError(
      'unknown_key',
      `${place} is encrypted, but this process has no secret key: set CLOS_SECRET_KEY to the key the other processes use`,
    );
  return box.open(stored, place);
}
