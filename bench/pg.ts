/**
 * `npm run bench:pg`: the write path on PostgreSQL, side by side in one run — CLOS with one API
 * process, CLOS with two, and the raw-SQL baseline (bench/baseline-pg.ts: the statements CLOS runs,
 * behind a bare Fastify, no auth or validation) — each in a process of its own on a fresh database of
 * the server at CLOS_BENCH_DATABASE_URL. Scenarios: acquire and release on one pod and spread over
 * eight, pod status, a 90/10 read/write mix over eight pods at full speed and at 300 req/s (seed
 * §9). Reports throughput, p50/p95/p99, errors, CPU per request of the server processes and of
 * PostgreSQL, and the ratios the targets are stated in. Not run in CI. See docs/benchmarks.md.
 *
 * Environment: CLOS_BENCH_DATABASE_URL (required; a role that may create databases),
 * BENCH_DURATION (seconds per scenario, default 10), BENCH_RATE (the paced mix, default 300),
 * BENCH_TARGETS (which of one,two,baseline to run; default all), BENCH_PROFILE (a directory: the
 * one-process server writes a V8 CPU profile of its whole run there, summarised at the end; the
 * profiler slows it, so take throughput from a run without it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchPodSlugs } from './baseline.ts';
import { type LoadJob, type LoadResult, startLoadGenerator } from './load.ts';
import { envNumber, printMachine } from './machine.ts';
import { createDatabase, type Running, startClosProcess, stopChild, track } from './pg-processes.ts';
import { type CpuProfile, formatSummary, summarizeProfile } from './profile.ts';
import { seedClos } from './seed.ts';
import { markdownTable, ms, ratio, rps, summarize } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_URL = process.env.CLOS_BENCH_DATABASE_URL ?? '';
if (!ADMIN_URL) {
  console.error(
    'bench:pg: set CLOS_BENCH_DATABASE_URL to a PostgreSQL server (a role that may create databases)',
  );
  process.exit(2);
}
const SECONDS = envNumber('BENCH_DURATION', 10);
const RATE = Math.round(envNumber('BENCH_RATE', 300));
const EXTRA_PODS = 7;
const PODS = benchPodSlugs(EXTRA_PODS);
const PR_LIMIT = 10_000_000;
const WRITE_CONNECTIONS = 10;
const READ_CONNECTIONS = 20;
const TSX = import.meta.resolve('tsx');
const MS_PER_JIFFY = 10;
const TARGETS = new Set((process.env.BENCH_TARGETS ?? 'one,two,baseline').split(','));
const PROFILE_DIR = process.env.BENCH_PROFILE;

// ------------------------------------------------------------------ processes and their CPU

/** utime + stime, and with `children`, the CPU of its exited children (the postmaster's backends). */
function jiffiesOf(pid: number, children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
  } catch {
    return 0;
  }
}

/** Every PostgreSQL process on the machine (the server under test is this machine's). */
function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function machineBusyMs(): number {
  const [, user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq!) * MS_PER_JIFFY;
}

interface CpuMark {
  at: number;
  servers: number;
  postgres: number;
  machine: number;
}

const mark = (serverPids: number[]): CpuMark => ({
  at: performance.now(),
  servers: serverPids.reduce((sum, pid) => sum + jiffiesOf(pid), 0) * MS_PER_JIFFY,
  // Backends come and go (pools close idle connections): the postmaster's children's time keeps theirs.
  postgres: postgresPids().reduce((sum, pid) => sum + jiffiesOf(pid, true), 0) * MS_PER_JIFFY,
  machine: machineBusyMs(),
});

async function startBaselineProcess(databaseUrl: string, cwd: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    ['--import', TSX, join(ROOT, 'bench/baseline-pg.ts'), databaseUrl, String(EXTRA_PODS), String(PR_LIMIT)],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = track(child);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const line = /http:\/\/127\.0\.0\.1:\d+/.exec(output());
      if (line) resolve(line[0]);
    });
    child.once('exit', (code) => reject(new Error(`baseline exited (${code}): ${output()}`)));
  });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

// ------------------------------------------------------------------ scenarios

interface Target {
  name: string;
  urls: string[];
  pids: number[];
  headers: Record<string, string>;
}

type Measured = LoadResult & { serverCpuMs: number; postgresCpuMs: number; machineCores: number };

const merge = (label: string, parts: LoadResult[]): LoadResult => {
  const statuses: Record<string, number> = {};
  for (const p of parts)
    for (const [code, n] of Object.entries(p.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  const seconds = Math.max(...parts.map((p) => p.seconds));
  const total = parts.reduce((s, p) => s + p.total, 0);
  return {
    label,
    seconds,
    total,
    rps: parts.reduce((s, p) => s + p.rps, 0),
    latencies: parts.flatMap((p) => p.latencies),
    statuses,
    errors: parts.reduce((s, p) => s + p.errors, 0),
    timeouts: parts.reduce((s, p) => s + p.timeouts, 0),
    ids: parts.flatMap((p) => p.ids),
    cpuMs: parts.reduce((s, p) => s + p.cpuMs, 0),
  };
};

const generators = [startLoadGenerator(), startLoadGenerator()];

/** Runs `job` against every process of the target at once, the connections and rate split evenly. */
async function measure(
  t: Target,
  job: (url: string, share: number, index: number) => LoadJob,
): Promise<Measured> {
  const before = mark(t.pids);
  const parts = await Promise.all(t.urls.map((url, i) => generators[i]!.run(job(url, 1 / t.urls.length, i))));
  const after = mark(t.pids);
  const result = merge(parts[0]!.label, parts);
  return {
    ...result,
    serverCpuMs: after.servers - before.servers,
    postgresCpuMs: after.postgres - before.postgres,
    machineCores: (after.machine - before.machine) / (after.at - before.at),
  };
}

const acquirePaths = (pods: readonly string[]) => pods.map((p) => `/api/v1/pods/${p}/wip/pull-request/locks`);

function acquire(t: Target, pods: readonly string[], prefix: string, seconds: number) {
  return measure(t, (url, share, i) => ({
    label: `${t.name} acquire ×${pods.length}`,
    url,
    method: 'POST',
    headers: t.headers,
    connections: Math.max(1, Math.round(WRITE_CONNECTIONS * share)),
    duration: seconds,
    paths: acquirePaths(pods),
    uniqueItemPrefix: `${prefix}-${i}`,
    captureIds: true,
  }));
}

function release(t: Target, ids: string[], pods: number) {
  const shares = t.urls.map((_, i) => ids.filter((_, j) => j % t.urls.length === i));
  return measure(t, (url, share, i) => ({
    label: `${t.name} release ×${pods}`,
    url,
    method: 'DELETE',
    headers: t.headers,
    connections: Math.max(1, Math.round(WRITE_CONNECTIONS * share)),
    amount: shares[i]!.length,
    maxSeconds: SECONDS * 3,
    paths: shares[i]!.map((id) => `/api/v1/wip-locks/${id}`),
  }));
}

function status(t: Target) {
  return measure(t, (url, share) => ({
    label: `${t.name} status`,
    url,
    method: 'GET',
    headers: t.headers,
    connections: Math.max(1, Math.round(READ_CONNECTIONS * share)),
    duration: SECONDS,
    path: '/api/v1/pods/bench/status',
  }));
}

/** Nine status reads then one acquire, the pods taken in turn: 90 % reads, 10 % writes. */
function mixed(t: Target, prefix: string, rate?: number) {
  const sequence: LoadJob['sequence'] = [];
  for (let i = 0; i < 80; i++)
    sequence.push(
      i % 10 === 9
        ? { method: 'POST', path: acquirePaths(PODS)[Math.floor(i / 10) % PODS.length]!, itemPrefix: prefix }
        : { method: 'GET', path: `/api/v1/pods/${PODS[i % PODS.length]}/status` },
    );
  return measure(t, (url, share, i) => ({
    label: `${t.name} mixed${rate ? ` @ ${rate}/s` : ''}`,
    url,
    method: 'GET',
    headers: t.headers,
    connections: Math.max(1, Math.round(READ_CONNECTIONS * share)),
    ...(rate ? { overallRate: Math.round(rate * share) } : {}),
    duration: SECONDS,
    sequence: sequence.map((s) => (s.itemPrefix ? { ...s, itemPrefix: `${prefix}-${i}` } : s)),
  }));
}

interface Results {
  acquire1: Measured;
  release1: Measured;
  acquire8: Measured;
  release8: Measured;
  status: Measured;
  mixed: Measured;
  paced: Measured;
}

async function runScenarios(t: Target, tag: string): Promise<Results> {
  console.log(`\n${t.name}: ${t.urls.join(', ')}`);
  // Warm-up (JIT, pools, plans), not reported.
  const warm = await acquire(t, PODS, `${tag}-warm`, 2);
  await release(t, warm.ids, PODS.length);
  await status(t);
  const acquire1 = await acquire(t, ['bench'], `${tag}-one`, SECONDS);
  const release1 = await release(t, acquire1.ids, 1);
  const acquire8 = await acquire(t, PODS, `${tag}-eight`, SECONDS);
  const release8 = await release(t, acquire8.ids, PODS.length);
  const statusResult = await status(t);
  const mixedResult = await mixed(t, `${tag}-mix`);
  const paced = await mixed(t, `${tag}-paced`, RATE);
  return {
    acquire1,
    release1,
    acquire8,
    release8,
    status: statusResult,
    mixed: mixedResult,
    paced,
  };
}

// ------------------------------------------------------------------ report

const failures = (r: LoadResult) =>
  Object.entries(r.statuses)
    .filter(([code]) => Number(code) >= 400)
    .reduce((s, [, n]) => s + n, 0) +
  r.errors +
  r.timeouts;

function report(
  all: { name: string; results: Results }[],
  idle: { engine: string; readyMs: number; rssMb: number }[],
) {
  printMachine(
    `PostgreSQL at CLOS_BENCH_DATABASE_URL (${postgresPids().length} processes); ${SECONDS} s per scenario; writes over ${WRITE_CONNECTIONS} connections, reads and mixes over ${READ_CONNECTIONS}; paced mix at ${RATE} req/s`,
  );
  const scenarios: [string, keyof Results][] = [
    ['acquire, 1 pod', 'acquire1'],
    ['release, 1 pod', 'release1'],
    ['acquire, 8 pods', 'acquire8'],
    ['release, 8 pods', 'release8'],
    ['pod status', 'status'],
    ['mixed 90/10, 8 pods', 'mixed'],
    [`mixed 90/10 @ ${RATE}/s`, 'paced'],
  ];
  console.log('\n## Results\n');
  const rows: string[][] = [];
  for (const [label, key] of scenarios)
    for (const { name, results } of all) {
      const r = results[key];
      const s = summarize(r.latencies);
      rows.push([
        label,
        name,
        rps(r.rps),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        `${failures(r)} of ${r.total}`,
        ms(r.serverCpuMs / r.total),
        ms(r.postgresCpuMs / r.total),
        r.machineCores.toFixed(2),
      ]);
    }
  console.log(
    markdownTable(
      [
        'Scenario',
        'Target',
        'req/s',
        'p50',
        'p95',
        'p99',
        'Errors',
        'Server CPU/req',
        'PostgreSQL CPU/req',
        'Machine cores busy',
      ],
      rows,
    ),
  );

  const get = (name: string) => all.find((a) => a.name === name)?.results;
  const one = get('CLOS ×1');
  const two = get('CLOS ×2');
  const base = get('baseline');
  console.log('\n## Targets (ratios from this run)\n');
  const line = (ok: boolean, text: string) => console.log(`- ${ok ? 'PASS' : 'MISS'} ${text}`);
  if (one && base) {
    for (const [label, key] of [
      ['acquire, 1 pod', 'acquire1'],
      ['release, 1 pod', 'release1'],
      ['acquire, 8 pods', 'acquire8'],
      ['release, 8 pods', 'release8'],
    ] as const) {
      const r = one[key].rps / base[key].rps;
      line(
        r >= 0.6,
        `${label}: CLOS ${rps(one[key].rps)} ÷ baseline ${rps(base[key].rps)} = ${ratio(one[key].rps, base[key].rps)} (target ≥ 0.6×)`,
      );
    }
  }
  if (one) {
    const r = one.acquire8.rps / one.acquire1.rps;
    line(
      r >= 2,
      `acquire over 8 pods ÷ 1 pod, CLOS ×1: ${ratio(one.acquire8.rps, one.acquire1.rps)} (target ≥ 2×)`,
    );
  }
  if (base) console.log(`- (baseline, same ratio: ${ratio(base.acquire8.rps, base.acquire1.rps)})`);
  if (one && two) {
    const r = two.mixed.rps / one.mixed.rps;
    line(
      r >= 1.4,
      `2 processes ÷ 1 on the 8-pod mix: ${ratio(two.mixed.rps, one.mixed.rps)} (target ≥ 1.4× where CPU allows; machine cores busy ${one.mixed.machineCores.toFixed(2)} → ${two.mixed.machineCores.toFixed(2)} of ${os.cpus().length})`,
    );
  }
  if (one) {
    const s = summarize(one.paced.latencies);
    const errorRate = failures(one.paced) / Math.max(1, one.paced.total);
    line(
      s.p95 < 100 && errorRate < 0.001 && one.paced.rps >= RATE * 0.95,
      `seed §9 at ${RATE} req/s mixed, CLOS ×1: p95 ${ms(s.p95)}, errors ${(errorRate * 100).toFixed(3)} %, ${rps(one.paced.rps)} req/s held (target p95 < 100 ms, errors < 0.1 %)`,
    );
  }
  console.log('\n## Idle\n');
  console.log(
    markdownTable(
      ['Engine', 'Time to ready', 'RSS once ready'],
      idle.map((i) => [i.engine, ms(i.readyMs), `${i.rssMb.toFixed(0)} MB`]),
    ),
  );
}

// ------------------------------------------------------------------ main

async function main() {
  if (!existsSync(join(ROOT, 'apps/server/dist/main.js'))) {
    console.log('building the server (npm run build)…');
    const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  const cwd = mkdtempSync(join(os.tmpdir(), 'clos-bench-pg-'));
  const stamp = `${process.pid}_${Date.now()}`;
  const cleanups: (() => Promise<unknown> | unknown)[] = [
    () => rmSync(cwd, { recursive: true, force: true }),
  ];
  const all: { name: string; results: Results }[] = [];
  const idle: { engine: string; readyMs: number; rssMb: number }[] = [];
  try {
    const closDb = await createDatabase(ADMIN_URL, `clos_bench_${stamp}`);
    cleanups.push(closDb.drop);
    const baseDb = await createDatabase(ADMIN_URL, `clos_bench_base_${stamp}`);
    cleanups.push(baseDb.drop);

    // One process: migrates, is seeded through the API, runs every scenario.
    const first = await startClosProcess(closDb.url, cwd);
    cleanups.push(first.stop);
    const token = await seedClos(first.url, EXTRA_PODS);
    const pool = new pg.Pool({ connectionString: closDb.url, max: 1 });
    await pool.query(`update "wip_limits" set "limit" = $1 where "item_type" = 'pull-request'`, [PR_LIMIT]);
    await pool.end();
    // Idle figures from a second start on the now-existing database (no migrations left to apply).
    await first.stop();
    const one = await startClosProcess(
      closDb.url,
      cwd,
      PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-interval', '500'] : [],
    );
    cleanups.push(one.stop);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    idle.push({ engine: 'PostgreSQL', readyMs: one.readyMs, rssMb: rssMb(one.pid) });
    const headers = { authorization: `Bearer ${token}` };
    if (TARGETS.has('one'))
      all.push({
        name: 'CLOS ×1',
        results: await runScenarios({ name: 'CLOS ×1', urls: [one.url], pids: [one.pid], headers }, 'one'),
      });
    if (TARGETS.has('two')) {
      const two = await startClosProcess(closDb.url, cwd);
      cleanups.push(two.stop);
      all.push({
        name: 'CLOS ×2',
        results: await runScenarios(
          { name: 'CLOS ×2', urls: [one.url, two.url], pids: [one.pid, two.pid], headers },
          'two',
        ),
      });
      await two.stop();
    }
    await one.stop();

    if (TARGETS.has('baseline')) {
      const baseline = await startBaselineProcess(baseDb.url, cwd);
      cleanups.push(baseline.stop);
      all.push({
        name: 'baseline',
        results: await runScenarios(
          { name: 'baseline', urls: [baseline.url], pids: [baseline.pid], headers: {} },
          'base',
        ),
      });
      await baseline.stop();
    }

    if (PROFILE_DIR)
      for (const file of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile')))
        console.log(
          formatSummary(
            join(PROFILE_DIR, file),
            summarizeProfile(JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8')) as CpuProfile),
          ),
        );
    report(all, idle);
  } finally {
    for (const g of generators) g.close();
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  }
}

await main();
