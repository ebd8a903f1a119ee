import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class KeyFileError extends Error {}

/**
 * A key kept in a file of the data directory (the embedded engine's default when no key is given in
 * the environment). Created once with O_EXCL and mode 0600, so two starters cannot write different
 * keys and nobody but the owner can read it; an existing file is read, never replaced. A file that
 * others can read is made private again (it was copied or restored carelessly), not refused: refusing
 * would stop the server over something the owner can see and fix with this same chmod.
 */
export function readOrCreateKeyFile(
  path: string,
  generate: () => string,
): { value: string; created: boolean; path: string } {
  mkdirSync(dirname(path), { recursive: true });
  try {
    const fd = openSync(path, 'wx', 0o600);
    const value = generate();
    try {
      writeFileSync(fd, `${value}\n`);
    } finally {
      closeSync(fd);
    }
    return { value, created: true, path };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) chmodSync(path, 0o600);
  const value = readFileSync(path, 'utf8').trim();
  if (!value)
    throw new KeyFileError(
      `${path} is empty: restore the key from a backup (what it encrypted or signed cannot be read without it)`,
    );
  return { value, created: false, path };
}
