/**
 * `npm run bench:startup`: what the compiled build saves at start-up, in one run — `clos --version`
 * and `clos --help` compiled (apps/cli/dist) against the TypeScript sources through tsx (what every
 * `clos` run cost before the build existed), and the server's time from spawn to a 200 from /readyz
 * on an existing embedded database, compiled against `npm start`'s tsx, with its resident memory once
 * ready. Runs `npm run build` first. Variants alternate so background load hits them alike. Not run in
 * CI. See docs/benchmarks.md#the-compiled-build.
 *
 * Environment: STARTUP_RUNS (default 15 CLI runs per variant), STARTUP_SERVER_RUNS (default 5).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envNumber, printMachine } from './machine.ts';
import { markdownTable } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Math.round(envNumber('STARTUP_RUNS', 15));
const SERVER_RUNS = Math.round(envNumber('STARTUP_SERVER_RUNS', 5));
const BIN = join(ROOT, 'apps/cli/bin/clos.js');
const TSX = import.meta.resolve('tsx');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

function timeCli(args: string[], source: boolean): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...(source ? { CLOS_CLI_SOURCE: '1' } : {}) },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`clos ${args.join(' ')} failed: ${result.stderr}`);
  return performance.now() - started;
}

/** Spawn to the first 200 from /readyz, and the resident memory then (from /proc). */
async function timeServer(dataDir: string, compiled: boolean): Promise<{ readyMs: number; rssMb: number }> {
  const entry = compiled
    ? ['--enable-source-maps', join(ROOT, 'apps/server/dist/main.js')]
    : ['--import', TSX, join(ROOT, 'apps/server/src/main.ts')];
  const port = 47_000 + Math.floor(Math.random() * 1000);
  const started = performance.now();
  const child = spawn(process.execPath, [...entry, '--data-dir', dataDir, '--port', String(port)], {
    env: { ...process.env, CLOS_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error('the server exited');
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - started;
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    return { readyMs, rssMb: rssKb / 1024 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main() {
  const build = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'scripts/build.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(1);
  printMachine(`STARTUP_RUNS=${RUNS}, STARTUP_SERVER_RUNS=${SERVER_RUNS}`);

  const cli: Record<string, number[]> = {};
  for (let i = 0; i < RUNS; i++)
    for (const args of [['--version'], ['--help']])
      for (const source of [false, true]) {
        const key = `clos ${args.join(' ')}|${source ? 'sources through tsx' : 'compiled'}`;
        cli[key] = [...(cli[key] ?? []), timeCli(args, source)];
      }
  const cliRows = Object.entries(cli).map(([key, times]) => {
    const [command, variant] = key.split('|');
    return [command!, variant!, median(times).toFixed(0), p90(times).toFixed(0)];
  });
  console.log(`\n${RUNS} runs each, wall time from spawn to exit:\n`);
  console.log(markdownTable(['command', 'variant', 'median ms', 'p90 ms'], cliRows));

  // An existing embedded database: created (migrated) once, then every start opens it.
  const dataDir = mkdtempSync(join(tmpdir(), 'clos-bench-startup-'));
  try {
    await timeServer(dataDir, true);
    const server: Record<string, { readyMs: number; rssMb: number }[]> = {};
    for (let i = 0; i < SERVER_RUNS; i++)
      for (const compiled of [true, false]) {
        const variant = compiled ? 'compiled (node apps/server/dist/main.js)' : 'sources (npm start, tsx)';
        server[variant] = [...(server[variant] ?? []), await timeServer(dataDir, compiled)];
      }
    const rows = Object.entries(server).map(([variant, runs]) => [
      variant,
      median(runs.map((r) => r.readyMs)).toFixed(0),
      Math.max(...runs.map((r) => r.readyMs)).toFixed(0),
      median(runs.map((r) => r.rssMb)).toFixed(0),
    ]);
    console.log(`\nServer on an existing embedded database, ${SERVER_RUNS} starts each:\n`);
    console.log(markdownTable(['server', 'ready median ms', 'ready max ms', 'RSS when ready MB'], rows));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
