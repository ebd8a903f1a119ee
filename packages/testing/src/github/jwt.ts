import { createPublicKey, generateKeyPairSync, type KeyObject, verify } from 'node:crypto';

/**
 * A fresh RSA key pair for a test GitHub App. The private key is PKCS#1 ("BEGIN RSA PRIVATE KEY"),
 * the format GitHub hands out when an App's key is generated, so the code under test meets the same
 * PEM it will meet in production.
 */
export function generateAppKey(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privateKey, publicKey };
}

/** GitHub's own wording for each way an App JWT is refused (`@octokit/auth-app` matches the time ones). */
export const JWT_MESSAGES = {
  undecodable: 'A JSON web token could not be decoded',
  iat: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  exp: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooFar: "'Expiration time' claim ('exp') is too far in the future",
} as const;

export interface JwtCheck {
  appId: number;
  /** Also accepted as `iss`: GitHub takes an App's client id there too. */
  clientId?: string;
  key: KeyObject;
  /** Seconds since the epoch, as the fake's clock reads it. */
  nowSeconds: number;
  skewSeconds: number;
}

export type JwtResult =
  | { ok: true; claims: { iss: string; iat: number; exp: number } }
  | { ok: false; message: string };

export function publicKeyObject(pem: string): KeyObject {
  return createPublicKey(pem);
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Checks an App JWT the way GitHub does: RS256 signature, issuer, and a window of at most ten minutes. */
export function verifyAppJwt(token: string, check: JwtCheck): JwtResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, message: JWT_MESSAGES.undecodable };
  const [head = '', body = '', signature = ''] = parts;
  const header = decodePart(head);
  const claims = decodePart(body);
  if (!header || !claims || header.alg !== 'RS256') return { ok: false, message: JWT_MESSAGES.undecodable };
  let valid = false;
  try {
    valid = verify(
      'RSA-SHA256',
      Buffer.from(`${head}.${body}`),
      check.key,
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, message: JWT_MESSAGES.undecodable };
  const iss = claims.iss;
  const issuer = typeof iss === 'number' || typeof iss === 'string' ? String(iss) : undefined;
  if (issuer === undefined || (issuer !== String(check.appId) && issuer !== check.clientId)) {
    return { ok: false, message: JWT_MESSAGES.undecodable };
  }
  const { iat, exp } = claims;
  const now = check.nowSeconds;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + check.skewSeconds) {
    return { ok: false, message: JWT_MESSAGES.iat };
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp < now - check.skewSeconds) {
    return { ok: false, message: JWT_MESSAGES.exp };
  }
  if (exp - iat > 600 || exp > now + 600 + check.skewSeconds)
    return { ok: false, message: JWT_MESSAGES.tooFar };
  return { ok: true, claims: { iss: issuer, iat, exp } };
}
