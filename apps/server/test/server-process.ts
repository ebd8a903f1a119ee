import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const MAIN = join(ROOT, 'apps/server/src/main.ts');
/** The compiled entry, built from the sources under test before the run (scripts/test-setup.ts). */
export const COMPILED_MAIN = join(ROOT, 'apps/server/dist/main.js');
// Resolved here: a server may run in a temporary directory (to read its own clos.config.yaml), where
// `--import tsx` would not resolve by name.
const TSX = import.meta.resolve('tsx');

/**
 * A real server process and what it printed: the compiled server (what a production install runs)
 * unless `source` asks for `apps/server/src/main.ts` through tsx (what `npm start` runs).
 */
export interface ServerProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams, for messages that may go to either. */
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts the server with `args`. The environment is the test's, without DATABASE_URL or
 * CLOS_ADMIN_TOKEN unless `env` sets them, and with info logs (the listening URL is read from them).
 */
export function spawnServer(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; source?: boolean } = {},
): ServerProcess {
  const entry = options.source ? ['--import', TSX, MAIN] : ['--enable-source-maps', COMPILED_MAIN];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, DATABASE_URL: '', CLOS_ADMIN_TOKEN: '', CLOS_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let both = '';
  child.stdout!.on('data', (d) => {
    out += d;
    both += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
    both += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, output: () => both, exited };
}

/** The URL the server logged once listening; throws if it exits first or takes too long. */
export async function listeningUrl(s: ServerProcess, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const url = s.stdout().match(/"url":"(http:\/\/[^"]+)"/)?.[1];
    if (url) return url;
    if (s.child.exitCode !== null) throw new Error(`server exited early: ${s.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  s.child.kill('SIGKILL');
  throw new Error(`server did not start: ${s.stdout()} ${s.stderr()}`);
}

/** The exit code of a process expected to stop by itself; kills it and fails if it does not. */
export async function exitCode(s: ServerProcess, timeoutMs = 60_000): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      s.child.kill('SIGKILL');
      reject(new Error(`the process did not exit within ${timeoutMs} ms: ${s.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([s.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends SIGTERM and waits for the exit code, killing the process if it does not stop in time. */
export async function stopServer(s: ServerProcess, timeoutMs = 30_000): Promise<number | null> {
  if (s.child.exitCode !== null) return s.child.exitCode;
  s.child.kill('SIGTERM');
  const killer = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
  const code = await s.exited;
  clearTimeout(killer);
  return code;
}

/** Polls `probe` until it gives a truthy value. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Temporary directories, removed by `removeAll` (call it in afterAll). */
export function tempDirs(prefix: string) {
  const dirs: string[] = [];
  return {
    make(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    removeAll(): void {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
