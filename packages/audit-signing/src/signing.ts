import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { type AuditSigner, checkpointMessage, type SignedCheckpoint } from '@clos/core';

/**
 * Ed25519 for audit checkpoints, with node:crypto. The key is given as PKCS#8 PEM (what
 * `openssl genpkey -algorithm ed25519` writes, and what CLOS writes to `audit-signing.key`) or as the
 * 32-byte private seed in base64 or base64url (one line, handy in an environment variable).
 */

export class AuditKeyError extends Error {}

// DER prefixes of an Ed25519 key: PKCS#8 around a 32-byte seed, SPKI around a 32-byte public key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const KEY_FORMATS =
  'an Ed25519 private key as PKCS#8 PEM (openssl genpkey -algorithm ed25519) or its 32-byte seed in base64 (openssl rand -base64 32)';

/** The private key `text` holds; throws {@link AuditKeyError} naming the accepted formats. */
export function parseAuditSigningKey(text: string, source: string): KeyObject {
  const value = text.trim();
  let key: KeyObject;
  try {
    if (value.startsWith('-----BEGIN')) key = createPrivateKey({ key: value, format: 'pem' });
    else {
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) throw new Error('not base64');
      const seed = Buffer.from(value.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
      if (seed.length !== 32) throw new Error(`decodes to ${seed.length} bytes, not 32`);
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    }
  } catch (error) {
    throw new AuditKeyError(`${source}: must be ${KEY_FORMATS} (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditKeyError(`${source}: is a ${key.asymmetricKeyType} key; must be ${KEY_FORMATS}`);
  return key;
}

/** A new private key as PKCS#8 PEM (what CLOS writes to the data directory's key file). */
export function generateAuditSigningKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trim();
}

/** The raw 32-byte public key, base64url (the `publicKey` of checkpoints). */
export function rawPublicKey(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new AuditKeyError('not an Ed25519 key');
  return jwk.x;
}

/** First 16 hex digits of the SHA-256 of the raw public key. */
export function auditKeyId(rawPublicKeyBase64url: string): string {
  return createHash('sha256')
    .update(Buffer.from(rawPublicKeyBase64url, 'base64url'))
    .digest('hex')
    .slice(0, 16);
}

/** The public key as SPKI PEM, the form operators pin (`public-key.pem`, `--public-key`). */
export function publicKeyPem(rawPublicKeyBase64url: string): string {
  const der = Buffer.concat([SPKI_PREFIX, Buffer.from(rawPublicKeyBase64url, 'base64url')]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' })
    .export({ format: 'pem', type: 'spki' })
    .toString();
}

/** A pinned public key from PEM (SPKI, or a private key whose public half is meant). */
export function parseAuditPublicKey(text: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (error) {
    throw new AuditKeyError(`${source}: is not a PEM public key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditKeyError(`${source}: is a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}

export function createEd25519Signer(privateKey: KeyObject): AuditSigner {
  const publicKey = rawPublicKey(privateKey);
  const publicKeyObject = createPublicKey(privateKey);
  return {
    keyId: auditKeyId(publicKey),
    publicKey,
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('base64url'),
    verify: (message, signature) => verifySignature(publicKeyObject, message, signature),
  };
}

function verifySignature(key: KeyObject, message: string, signature: string): boolean {
  const bytes = Buffer.from(signature, 'base64url');
  return bytes.length === 64 && verify(null, Buffer.from(message, 'utf8'), key, bytes);
}

/**
 * Why `checkpoint` is not to be trusted under the `pinned` public key, or null when it is: its key
 * must be the pinned one (never only the key the checkpoint itself carries) and its signature valid.
 */
export function checkpointSignatureProblem(checkpoint: SignedCheckpoint, pinned: KeyObject): string | null {
  const raw = rawPublicKey(pinned);
  if (checkpoint.publicKey !== raw || checkpoint.keyId !== auditKeyId(raw))
    return `is signed by another key (key id ${checkpoint.keyId}), not the pinned one (${auditKeyId(raw)})`;
  if (!verifySignature(pinned, checkpointMessage(checkpoint), checkpoint.signature))
    return 'has a signature that does not match its content: it was altered';
  return null;
}
