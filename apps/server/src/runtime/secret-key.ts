import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSecretBox,
  type Database,
  generateSecretKey,
  parseSecretKey,
  type ResealResult,
  type SecretBox,
  StoredSecretsError,
  sealStoredSecrets,
  summarizeStoredSecrets,
} from '@clos/db';
import { KeyFileError, readOrCreateKeyFile } from './key-file.ts';

export const SECRET_KEY_ENV = 'CLOS_SECRET_KEY';
export const PREVIOUS_KEYS_ENV = 'CLOS_SECRET_KEY_PREVIOUS';
/** The embedded engine's key when none is given: in the data directory, mode 0600. */
export const SECRET_KEY_FILE = 'secret.key';
/** The new key of a rotation on the embedded engine, until the rotation completes. */
export const NEXT_KEY_FILE = 'secret.key.next';

const KEY_FORMAT =
  'must be 32 bytes given as base64 (44 characters, e.g. from `openssl rand -base64 32`) or as 64 hex digits';

/** The keys the environment gives: the current one (seals and opens) and decrypt-only previous ones. */
export interface SecretKeys {
  current: Buffer | undefined;
  previous: Buffer[];
}

/** A problem with the secret keys or the secrets stored under them; the server exits with code 2. */
export class SecretKeyError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/**
 * Reads CLOS_SECRET_KEY and CLOS_SECRET_KEY_PREVIOUS (one key, or several separated by commas).
 * Returns a message naming the variable when one is malformed.
 */
export function readSecretKeys(env: NodeJS.ProcessEnv): SecretKeys | string {
  const raw = env[SECRET_KEY_ENV]?.trim();
  const current = raw ? parseSecretKey(raw) : undefined;
  if (current === null) return `${SECRET_KEY_ENV}: ${KEY_FORMAT}`;
  const previous: Buffer[] = [];
  const list = (env[PREVIOUS_KEYS_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const [i, item] of list.entries()) {
    const key = parseSecretKey(item);
    if (!key)
      return `${PREVIOUS_KEYS_ENV}: ${list.length > 1 ? `key ${i + 1} ` : ''}${KEY_FORMAT} (several keys are separated by commas)`;
    previous.push(key);
  }
  return { current, previous };
}

/** Reads a key file, naming the file when its content is not a key. */
export function readKeyFile(path: string): Buffer {
  const key = parseSecretKey(readFileSync(path, 'utf8'));
  if (!key) throw new SecretKeyError(`${path} does not hold a secret key: it ${KEY_FORMAT}`);
  return key;
}

export interface PreparedSecrets {
  /** Absent only on PostgreSQL without a key while no secret is stored. */
  box: SecretBox | undefined;
  source: 'env' | 'file' | 'none';
  keyFile?: { path: string; created: boolean };
  /** What start-up did to the stored secrets. */
  resealed: ResealResult | null;
}

/**
 * Loads the key every process needs to read and write stored secrets, then checks the secrets
 * stored: plain ones (written before encryption existed) are encrypted, and every encrypted one must
 * open with the keys given, so a wrong key stops the start instead of signing with garbage.
 *
 * - CLOS_SECRET_KEY given: that key, on either engine.
 * - Embedded engine without it: `<dataDir>/secret.key`, created (0600) at the first start.
 * - PostgreSQL without it: refused when any secret is stored (every process must share one key, so
 *   none can be made up here); otherwise the server starts and refuses to store secrets (503).
 */
export async function prepareSecrets(
  database: Database,
  options: { keys: SecretKeys | undefined; dataDir: string | undefined },
): Promise<PreparedSecrets> {
  const keys = options.keys ?? { current: undefined, previous: [] };
  let box: SecretBox | undefined;
  let source: PreparedSecrets['source'] = 'none';
  let keyFile: PreparedSecrets['keyFile'];
  if (keys.current) {
    box = createSecretBox({ current: keys.current, previous: keys.previous });
    source = 'env';
  } else if (database.engine === 'pglite' && options.dataDir) {
    const path = join(options.dataDir, SECRET_KEY_FILE);
    let file: ReturnType<typeof readOrCreateKeyFile>;
    try {
      file = readOrCreateKeyFile(path, generateSecretKey);
    } catch (e) {
      if (e instanceof KeyFileError) throw new SecretKeyError(e.message);
      throw e;
    }
    const key = parseSecretKey(file.value);
    if (!key) throw new SecretKeyError(`${path} does not hold a secret key: it ${KEY_FORMAT}`);
    box = createSecretBox({ current: key, previous: keys.previous });
    source = 'file';
    keyFile = { path, created: file.created };
  } else {
    if (keys.previous.length)
      throw new SecretKeyError(
        `${PREVIOUS_KEYS_ENV} is set but ${SECRET_KEY_ENV} is not: set ${SECRET_KEY_ENV} to the current key`,
      );
    const stored = await summarizeStoredSecrets(database.db);
    if (stored.total > 0)
      throw new SecretKeyError(
        `${stored.total} secret${stored.total === 1 ? ' is' : 's are'} stored in the database (webhook signing secrets), but ${SECRET_KEY_ENV} is not set`,
        [
          `set ${SECRET_KEY_ENV} to the key they were encrypted with, the same on every server and worker process${
            Object.keys(stored.byKey).length
              ? ` (key id${Object.keys(stored.byKey).length > 1 ? 's' : ''} ${Object.keys(stored.byKey).join(', ')})`
              : ''
          }`,
          stored.plain === stored.total
            ? `they were stored before encryption existed: set ${SECRET_KEY_ENV} to a new key (${KEY_FORMAT}) and they are encrypted under it at start-up`
            : 'without the key they cannot be read, and webhooks could not be signed',
        ],
      );
    return { box: undefined, source, resealed: null };
  }

  try {
    const resealed = await sealStoredSecrets(database, box);
    return { box, source, ...(keyFile ? { keyFile } : {}), resealed };
  } catch (e) {
    if (!(e instanceof StoredSecretsError)) throw e;
    throw new SecretKeyError(e.message, storedSecretsAdvice(e, options.dataDir));
  }
}

/** What to do about secrets that do not open: which rows, which keys, and the way out. */
export function storedSecretsAdvice(error: StoredSecretsError, dataDir: string | undefined): string[] {
  const lines = error.failures.slice(0, 10).map((f) => f.message);
  if (error.failures.length > 10) lines.push(`… and ${error.failures.length - 10} more`);
  if (dataDir && existsSync(join(dataDir, NEXT_KEY_FILE)))
    lines.push(
      `${join(dataDir, NEXT_KEY_FILE)} exists: a \`clos secrets rotate\` was interrupted; run it again to finish it`,
    );
  if (error.failures.some((f) => f.reason === 'unknown_key'))
    lines.push(
      `start with the key they were encrypted with (${SECRET_KEY_ENV}, or the data directory's ${SECRET_KEY_FILE}); to move to a new key, give the old one in ${PREVIOUS_KEYS_ENV} and run \`clos secrets rotate\` (docs/configuration.md)`,
    );
  if (error.failures.some((f) => f.reason === 'tampered' || f.reason === 'malformed'))
    lines.push(
      'a value that was altered or copied between rows cannot be recovered: restore the row from a backup, or delete that webhook (and its deliveries) and register it again',
    );
  return lines;
}

/** The start-up log line about the key in use (its id and where it came from, never the key). */
export function logSecrets(
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
  prepared: PreparedSecrets,
): void {
  if (!prepared.box)
    logger.warn(
      { source: 'none' },
      `no ${SECRET_KEY_ENV}: webhooks cannot be registered (their secrets are stored encrypted) until it is set on every process`,
    );
  else logger.info(describeSecrets(prepared), 'secrets at rest are encrypted');
}

function describeSecrets(prepared: PreparedSecrets): Record<string, unknown> {
  return {
    keyId: prepared.box?.keyId ?? null,
    source:
      prepared.source === 'env'
        ? SECRET_KEY_ENV
        : prepared.source === 'file'
          ? prepared.keyFile?.path
          : 'none',
    ...(prepared.box && prepared.box.keyIds.length > 1
      ? { previousKeyIds: prepared.box.keyIds.slice(1) }
      : {}),
    ...(prepared.keyFile?.created ? { created: true } : {}),
    ...(prepared.resealed?.changed ? { encryptedAtStart: prepared.resealed.changed } : {}),
  };
}
