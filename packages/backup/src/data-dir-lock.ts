/**
 * The embedded database belongs to one process at a time. This takes the same lock the server takes
 * (`clos.lock` in the data directory, a pid file created with O_EXCL, a dead holder's lock taken
 * over through a rename), so a direct backup or restore never opens a data directory a running
 * server holds, and a server never starts on one being restored. The server's own copy lives in
 * apps/server/src/runtime/data-dir-lock.ts, which this package may not import; both follow this protocol.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `another CLOS process (pid ${pid}) is using the data directory ${dir}: back up a running server through its API (clos backup --out FILE, without --data-dir), or stop it first`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locks `dir` (creating it); returns the release function. */
export function lockDataDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'clos.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new DataDirInUseError(dir, pid);
      try {
        renameSync(file, `${file}.stale-${process.pid}`);
        unlinkSync(`${file}.stale-${process.pid}`);
      } catch {
        // another process won the takeover; retry and see
      }
    }
  }
  throw new Error(`could not lock the data directory ${dir}`);
}
