import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Another live process holds the data directory; `advice` says what the caller should do instead. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
    advice = 'stop it first, or start this one with another --data-dir',
  ) {
    super(`another CLOS process (pid ${pid}) is using the data directory ${dir}; ${advice}`);
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

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it. The
 * lock is a pid file created with O_EXCL; a lock left by a dead process (kill -9, power loss) is
 * taken over, through a rename so two starters cannot both take it. The server takes it before
 * opening PGlite, and so do `clos secrets rotate` and a direct `clos backup` or `clos restore`.
 */
export function lockDataDir(dir: string, options: { advice?: string } = {}): () => void {
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
      if (Number.isInteger(pid) && pid > 0 && alive(pid))
        throw new DataDirLockedError(dir, pid, options.advice);
      try {
        renameSync(file, `${file}.stale-${process.pid}`);
        unlinkSync(`${file}.stale-${process.pid}`);
      } catch {
        // another starter won the takeover; retry and see
      }
    }
  }
  throw new Error(`could not lock the data directory ${dir}`);
}
