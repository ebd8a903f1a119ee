/**
 * What the PostgreSQL benchmarks (pg.ts, statements.ts) share: a fresh database on the server under
 * test, and the compiled CLOS server started on it as a production install runs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ADMIN_TOKEN } from './seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

export async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < 120_000) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${output()}`);
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200)
        return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server not ready: ${output()}`);
}

export interface Running {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function track(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return () => out.slice(-4000);
}

export const stopChild = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
};

/** One compiled CLOS server (what a production install runs) on `databaseUrl`. */
export async function startClosProcess(
  databaseUrl: string,
  cwd: string,
  nodeArgs: string[] = [],
): Promise<Running & { readyMs: number }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, join(ROOT, 'apps/server/dist/main.js'), '--port', String(port), '--host', '127.0.0.1'],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        DATABASE_URL: databaseUrl,
        CLOS_ADMIN_TOKEN: ADMIN_TOKEN,
        CLOS_RATE_LIMIT_PER_MINUTE: '0',
        CLOS_RATE_LIMIT_IP_PER_MINUTE: '0',
        CLOS_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = track(child);
  const url = `http://127.0.0.1:${port}`;
  const readyMs = await waitReady(url, child, output);
  return { url, pid: child.pid!, readyMs, stop: () => stopChild(child) };
}

/** A new database on the server at `adminUrl` (a role that may create databases), and its dropping. */
export async function createDatabase(
  adminUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}
