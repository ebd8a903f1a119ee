import { chmodSync, constants, copyFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createSecretBox,
  type Database,
  generateSecretKey,
  lockDataDir,
  openPglite,
  openPostgres,
  parseSecretKey,
  rotateStoredSecrets,
  StoredSecretsError,
  secretKeyId,
} from '@clos/db';
import { KeyFileError, readOrCreateKeyFile } from './key-file.ts';
import {
  NEXT_KEY_FILE,
  PREVIOUS_KEYS_ENV,
  readKeyFile,
  readSecretKeys,
  SECRET_KEY_ENV,
  SECRET_KEY_FILE,
  SecretKeyError,
  type SecretKeys,
  storedSecretsAdvice,
} from './secret-key.ts';

export interface RotateOptions {
  /** PostgreSQL; the embedded database in `dataDir` when absent. */
  databaseUrl: string | undefined;
  dataDir: string;
  keys: SecretKeys;
}

export { DataDirLockedError } from '@clos/db';
export { SecretKeyError } from './secret-key.ts';

/**
 * The database and keys the server would use with this environment: DATABASE_URL, else the data
 * directory (`dataDir`, else CLOS_DATA_DIR, else ./.clos, as the server's own flags resolve it).
 */
export function rotateOptionsFrom(
  env: NodeJS.ProcessEnv,
  cwd: string,
  dataDir: string | undefined,
): RotateOptions {
  const keys = readSecretKeys(env);
  if (typeof keys === 'string') throw new SecretKeyError(keys);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(cwd, dataDir ?? env.CLOS_DATA_DIR ?? '.clos'),
    keys,
  };
}

export interface RotateReport {
  engine: 'pglite' | 'postgres';
  /** The key every stored secret is now encrypted under. */
  keyId: string;
  /** Secrets re-encrypted under it, and those that already were. */
  reencrypted: number;
  unchanged: number;
  /** Embedded engine with its key file: the new file, and where the old key was kept. */
  keyFile?: { path: string; previous: string };
}

/**
 * `clos secrets rotate`: re-encrypts every stored secret under the current key, in one transaction.
 *
 * - CLOS_SECRET_KEY set (required on PostgreSQL): it is the new key; the old one must be among
 *   CLOS_SECRET_KEY_PREVIOUS (or, on the embedded engine, be the data directory's key file).
 * - Embedded engine without it: a new key is generated into `secret.key.next`, the secrets are
 *   re-encrypted under it, the old `secret.key` is kept as `secret.key.<keyId>.old`, and the new key
 *   becomes `secret.key`. Every step can be repeated: an interrupted rotation is finished by running
 *   it again (the server, meanwhile, refuses to start and says so).
 *
 * On the embedded engine it takes the data directory's lock: the server must be stopped.
 */
export async function rotateSecrets(options: RotateOptions): Promise<RotateReport> {
  if (options.databaseUrl) {
    if (!options.keys.current)
      throw new SecretKeyError(
        `${SECRET_KEY_ENV} is not set: set it to the new key, and ${PREVIOUS_KEYS_ENV} to the key the secrets are encrypted with now`,
      );
    const box = createSecretBox({ current: options.keys.current, previous: options.keys.previous });
    // Not migrating: this runs beside servers of the deployed version, which own the schema.
    const database = await openPostgres(options.databaseUrl, { poolMax: 2, migrate: false });
    try {
      const result = await rotate(database, box, undefined);
      return { engine: 'postgres', keyId: box.keyId, ...result };
    } finally {
      await database.close();
    }
  }

  const unlock = lockDataDir(options.dataDir);
  try {
    const keyPath = join(options.dataDir, SECRET_KEY_FILE);
    const fileKey = existsSync(keyPath) ? readKeyFile(keyPath) : undefined;
    if (options.keys.current) {
      // Moving from the key file to CLOS_SECRET_KEY (or rotating an environment key): the file's key
      // still opens what it encrypted.
      const box = createSecretBox({
        current: options.keys.current,
        previous: [...options.keys.previous, ...(fileKey ? [fileKey] : [])],
      });
      const result = await withPglite(options.dataDir, (database) => rotate(database, box, options.dataDir));
      return { engine: 'pglite', keyId: box.keyId, ...result };
    }
    if (!fileKey)
      throw new SecretKeyError(
        `no key to rotate from: ${keyPath} does not exist (the server creates it at its first start) and ${SECRET_KEY_ENV} is not set`,
      );
    const nextPath = join(options.dataDir, NEXT_KEY_FILE);
    let next: Buffer | null;
    try {
      // Kept from an interrupted rotation: the secrets may already be encrypted under it.
      next = parseSecretKey(readOrCreateKeyFile(nextPath, generateSecretKey).value);
    } catch (e) {
      if (e instanceof KeyFileError) throw new SecretKeyError(e.message);
      throw e;
    }
    if (!next) throw new SecretKeyError(`${nextPath} does not hold a secret key: delete it and run again`);
    const box = createSecretBox({ current: next, previous: [fileKey, ...options.keys.previous] });
    const result = await withPglite(options.dataDir, (database) => rotate(database, box, options.dataDir));
    // The database now needs the new key: keep the old one beside it, then put the new one in place
    // (a rename, so `secret.key` is always one whole key).
    const previous = join(options.dataDir, `${SECRET_KEY_FILE}.${secretKeyId(fileKey)}.old`);
    if (!existsSync(previous)) copyFileSync(keyPath, previous, constants.COPYFILE_EXCL);
    else if (!parseSecretKey(readFileSync(previous, 'utf8'))?.equals(fileKey))
      throw new SecretKeyError(`${previous} exists and holds another key: move it away and run again`);
    chmodSync(previous, 0o600);
    renameSync(nextPath, keyPath);
    return { engine: 'pglite', keyId: box.keyId, ...result, keyFile: { path: keyPath, previous } };
  } finally {
    unlock();
  }
}

async function withPglite<T>(dataDir: string, work: (database: Database) => Promise<T>): Promise<T> {
  if (!existsSync(join(dataDir, 'PG_VERSION')))
    throw new SecretKeyError(`${dataDir} holds no CLOS database (start the server once, or pass --data-dir)`);
  const database = await openPglite(dataDir, { migrate: false });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

async function rotate(
  database: Database,
  box: ReturnType<typeof createSecretBox>,
  dataDir: string | undefined,
): Promise<{ reencrypted: number; unchanged: number }> {
  try {
    const { changed, unchanged } = await rotateStoredSecrets(database, box);
    return { reencrypted: changed, unchanged };
  } catch (e) {
    if (e instanceof StoredSecretsError) throw new SecretKeyError(e.message, storedSecretsAdvice(e, dataDir));
    throw e;
  }
}
