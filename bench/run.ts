/**
 * `npm run bench`: CLOS against a bare Fastify + raw-SQL baseline, both on a fresh embedded PGlite
 * database, in one run. Not part of CI: numbers depend on the machine. See docs/benchmarks.md.
 *
 * Environment: BENCH_DURATION (seconds of acquire load, default 20), BENCH_STATUS_DURATION (seconds of
 * status load, default 15), BENCH_RATE (acquire/release rate, default 300), BENCH_ONLY (clos|baseline,
 * to run one side), BENCH_PROFILE (a directory: write a CPU profile of the server per scenario there
 * and print where the time went; the profiler slows the server, so take the numbers from a run
 * without it).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { startBaseline } from './baseline.ts';
import { type LoadGenerator, type LoadJob, type LoadResult, startLoadGenerator } from './load.ts';
import { type Contention, contention, cpuSnapshot, envNumber, printMachine } from './machine.ts';
import { checkSqlParity, type ParityReport } from './parity.ts';
import { formatSummary, startProfile, summarizeProfile } from './profile.ts';
import { API_MAX_LIMIT, builtInPolicy, MEMBERS, PROJECTS, seedClos, startClos } from './seed.ts';
import { type LatencySummary, markdownTable, ms, ratio, rps, summarize } from './stats.ts';

const ACQUIRE_SECONDS = envNumber('BENCH_DURATION', 20);
const STATUS_SECONDS = envNumber('BENCH_STATUS_DURATION', 15);
const RATE = Math.round(envNumber('BENCH_RATE', 300));
const ONLY = process.env.BENCH_ONLY;
const PROFILE_DIR = process.env.BENCH_PROFILE;
if (ONLY && ONLY !== 'clos' && ONLY !== 'baseline')
  throw new Error(`BENCH_ONLY: must be clos or baseline, got "${ONLY}"`);
const ACQUIRE_CONNECTIONS = 10;
const STATUS_CONNECTIONS = 20;
const WARMUP_SECONDS = 2;

/** Targets from the issue. */
const TARGET_ACQUIRE_P95_MS = 10;
const TARGET_STATUS_RPS = 2000;

const PLANNED_ACQUIRES = Math.ceil(RATE * (ACQUIRE_SECONDS + WARMUP_SECONDS) * 1.1);
const PR_LIMIT = Math.max(API_MAX_LIMIT, PLANNED_ACQUIRES);

// Every phase is bounded (autocannon durations; a release run stops after 1.5× the acquire run it
// undoes, plus a second); this catches the rest, e.g. a server that stops answering. Defaults: at
// most ~2.8 minutes, usually ~2.
const sides = ONLY ? 1 : 2;
const RELEASE_MAX = (seconds: number) => seconds * 1.5 + 1;
const DEADLINE_MS =
  (sides *
    (WARMUP_SECONDS +
      RELEASE_MAX(WARMUP_SECONDS) +
      WARMUP_SECONDS +
      ACQUIRE_SECONDS +
      RELEASE_MAX(ACQUIRE_SECONDS) +
      STATUS_SECONDS) +
    20) *
  1000;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

type Measured = LoadResult & { contention: Contention | null };

interface SideResults {
  acquire: Measured;
  release: Measured;
  status: Measured;
  statusSample: unknown;
}

const acquireJob = (t: Target, prefix: string, seconds: number): LoadJob => ({
  label: `${t.name} acquire`,
  url: t.url,
  method: 'POST',
  headers: t.headers,
  connections: ACQUIRE_CONNECTIONS,
  overallRate: RATE,
  duration: seconds,
  path: '/api/v1/pods/bench/wip/pull-request/locks',
  uniqueItemPrefix: prefix,
  captureIds: true,
});

const releaseJob = (t: Target, ids: string[], acquireSeconds: number): LoadJob => ({
  label: `${t.name} release`,
  url: t.url,
  method: 'DELETE',
  headers: t.headers,
  connections: ACQUIRE_CONNECTIONS,
  overallRate: RATE,
  amount: ids.length,
  maxSeconds: RELEASE_MAX(acquireSeconds),
  paths: ids.map((id) => `/api/v1/wip-locks/${id}`),
});

const statusJob = (t: Target, seconds: number): LoadJob => ({
  label: `${t.name} status`,
  url: t.url,
  method: 'GET',
  headers: t.headers,
  connections: STATUS_CONNECTIONS,
  duration: seconds,
  path: '/api/v1/pods/bench/status',
});

function check(result: LoadResult, expected: number) {
  const bad = Object.entries(result.statuses).filter(([code]) => Number(code) !== expected);
  if (bad.length || result.errors || result.timeouts)
    console.warn(
      `  ! ${result.label}: statuses ${JSON.stringify(result.statuses)}, errors ${result.errors}, timeouts ${result.timeouts}`,
    );
}

async function measure(load: LoadGenerator, job: LoadJob): Promise<Measured> {
  const stopProfile = PROFILE_DIR ? await startProfile() : null;
  const before = cpuSnapshot();
  const result = await load.run(job);
  const measured = { ...result, contention: contention(before, cpuSnapshot(), result.cpuMs) };
  if (stopProfile && PROFILE_DIR) {
    const profile = await stopProfile();
    await mkdir(PROFILE_DIR, { recursive: true });
    const file = join(PROFILE_DIR, `${job.label.replace(/\W+/g, '-')}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.log(formatSummary(`  profile ${file}`, summarizeProfile(profile), result.total));
  }
  return measured;
}

async function runScenarios(load: LoadGenerator, t: Target): Promise<SideResults> {
  console.log(`\n${t.name}: ${t.url}`);
  // Warm-up: JIT, PGlite's caches and the connection pool of the load generator; results discarded.
  const warm = await load.run(acquireJob(t, 'warmup', WARMUP_SECONDS));
  if (warm.ids.length) await load.run(releaseJob(t, warm.ids, WARMUP_SECONDS));
  await load.run(statusJob(t, WARMUP_SECONDS));

  console.log(`  A1 acquire: ${RATE} req/s for ${ACQUIRE_SECONDS} s, ${ACQUIRE_CONNECTIONS} connections`);
  const acquire = await measure(load, acquireJob(t, 'item', ACQUIRE_SECONDS));
  check(acquire, 201);
  console.log(`  A2 release: ${acquire.ids.length} locks at ${RATE} req/s`);
  const release = await measure(load, releaseJob(t, acquire.ids, ACQUIRE_SECONDS));
  if (release.total < acquire.ids.length)
    console.warn(
      `  ! release stopped after ${release.total} of ${acquire.ids.length}: the rest stay open for B`,
    );
  check(release, 200);
  console.log(`  B  status: max throughput for ${STATUS_SECONDS} s, ${STATUS_CONNECTIONS} connections`);
  const status = await measure(load, statusJob(t, STATUS_SECONDS));
  check(status, 200);
  const statusSample = await (
    await fetch(`${t.url}/api/v1/pods/bench/status`, {
      headers: t.headers,
      signal: AbortSignal.timeout(5000),
    })
  ).json();
  return { acquire, release, status, statusSample };
}

/** Keys and array lengths, to show both servers answer the status with the same content. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return [value.length, ...value.slice(0, 1).map(shape)];
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    );
  return typeof value;
}

/** Acquire latency as the number of open locks grows: CLOS reads every open holder on each acquire. */
function byPhase(result: LoadResult, parts = 5): { from: number; to: number; s: LatencySummary }[] {
  const size = Math.ceil(result.latencies.length / parts);
  const out = [];
  for (let i = 0; i < parts; i++) {
    const slice = result.latencies.slice(i * size, (i + 1) * size);
    if (slice.length) out.push({ from: i * size, to: i * size + slice.length, s: summarize(slice) });
  }
  return out;
}

async function main() {
  const started = Date.now();
  const root = await mkdtemp(join(os.tmpdir(), 'clos-bench-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rm(root, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  };
  const watchdog = setTimeout(() => {
    console.error(`\nbench: gave up after ${DEADLINE_MS / 1000} s`);
    void cleanup().finally(() => process.exit(2));
  }, DEADLINE_MS);

  try {
    const load = startLoadGenerator();
    cleanups.push(() => load.close());
    const results: { clos?: SideResults; baseline?: SideResults } = {};
    const parity = await checkSqlParity(root);

    if (ONLY !== 'baseline') {
      const clos = await startClos(join(root, 'clos'), root);
      cleanups.push(() => clos.close());
      const token = await seedClos(clos.url);
      if (PR_LIMIT > API_MAX_LIMIT)
        await clos.database.query(`update "wip_limits" set "limit" = $1 where "item_type" = 'pull-request'`, [
          PR_LIMIT,
        ]);
      results.clos = await runScenarios(load, {
        name: 'CLOS',
        url: clos.url,
        headers: { authorization: `Bearer ${token}` },
      });
      await clos.close();
    }

    if (ONLY !== 'clos') {
      const policy = (await builtInPolicy(root)).baseline;
      const baseline = await startBaseline(join(root, 'baseline'), policy, {
        members: MEMBERS,
        projects: PROJECTS,
        limits: { 'pull-request': PR_LIMIT, project: PROJECTS * 2 },
      });
      cleanups.push(() => baseline.close());
      results.baseline = await runScenarios(load, { name: 'baseline', url: baseline.url, headers: {} });
      await baseline.close();
    }

    report(results, parity, Date.now() - started);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

function report(
  results: { clos?: SideResults; baseline?: SideResults },
  parity: ParityReport,
  elapsedMs: number,
) {
  printMachine(
    `acquire/release ${RATE} req/s × ${ACQUIRE_SECONDS} s over ${ACQUIRE_CONNECTIONS} connections; status ${STATUS_SECONDS} s over ${STATUS_CONNECTIONS} connections; run took ${(elapsedMs / 1000).toFixed(0)} s`,
  );

  const rows: string[][] = [];
  const scenarios: [string, keyof Omit<SideResults, 'statusSample'>][] = [
    [`A1 WIP acquire @ ${RATE}/s`, 'acquire'],
    [`A2 WIP release @ ${RATE}/s`, 'release'],
    ['B  pod status, max', 'status'],
  ];
  for (const [label, key] of scenarios) {
    const c = results.clos?.[key];
    const b = results.baseline?.[key];
    const cs = c ? summarize(c.latencies) : undefined;
    const bs = b ? summarize(b.latencies) : undefined;
    rows.push([
      label,
      c ? rps(c.rps) : '–',
      ms(cs?.p50 ?? Number.NaN),
      ms(cs?.p95 ?? Number.NaN),
      ms(cs?.p99 ?? Number.NaN),
      b ? rps(b.rps) : '–',
      ms(bs?.p50 ?? Number.NaN),
      ms(bs?.p95 ?? Number.NaN),
      ms(bs?.p99 ?? Number.NaN),
      c && b ? ratio(c.rps, b.rps) : '–',
      cs && bs ? ratio(cs.p95, bs.p95) : '–',
    ]);
  }
  console.log(
    parity.ok
      ? '- Baseline SQL: the same statements CLOS runs for each endpoint (checked against the code at start)'
      : '- ! Baseline SQL DIFFERS from what CLOS runs now; update bench/baseline.ts:',
  );
  for (const d of parity.differences) {
    for (const s of d.onlyClos) console.log(`    ${d.endpoint}, only CLOS: ${s}`);
    for (const s of d.onlyBaseline) console.log(`    ${d.endpoint}, only baseline: ${s}`);
  }
  console.log('\n## Results\n');
  console.log(
    markdownTable(
      [
        'Scenario',
        'CLOS req/s',
        'p50',
        'p95',
        'p99',
        'Baseline req/s',
        'p50',
        'p95',
        'p99',
        'req/s CLOS÷base',
        'p95 CLOS÷base',
      ],
      rows,
    ),
  );

  console.log(`\n### CPU during each scenario (cores; the machine has ${os.cpus().length})\n`);
  const cpuRows: string[][] = [];
  const cores = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));
  let worst = 0;
  for (const [label, key] of scenarios)
    for (const [side, r] of [
      ['CLOS', results.clos?.[key]],
      ['baseline', results.baseline?.[key]],
    ] as const) {
      if (!r) continue;
      worst = Math.max(worst, (r.contention?.otherCores ?? 0) + (r.contention?.stealCores ?? 0));
      const perRequest = r.contention ? r.contention.serverCpuMs / r.total : Number.NaN;
      cpuRows.push([
        `${label.trim()} — ${side}`,
        ms(perRequest),
        rps(1000 / perRequest),
        cores(r.contention?.benchCores),
        cores(r.contention?.otherCores),
        cores(r.contention?.stealCores),
      ]);
    }
  // Server CPU per request does not depend on how busy the machine was: it is the number to compare
  // when other processes took CPU during the run.
  console.log(
    markdownTable(
      [
        'Scenario',
        'Server CPU / request',
        'Req/s one core could serve',
        'Server + load generator',
        'Other processes',
        'Steal',
      ],
      cpuRows,
    ),
  );
  if (worst > 0.25)
    console.log(
      `\n! Other work took up to ${worst.toFixed(2)} cores during a scenario: these numbers understate what an idle machine does.`,
    );

  console.log('\n### A1 acquire latency as open locks accumulate\n');
  const phaseRows: string[][] = [];
  const cp = results.clos ? byPhase(results.clos.acquire) : [];
  const bp = results.baseline ? byPhase(results.baseline.acquire) : [];
  for (let i = 0; i < Math.max(cp.length, bp.length); i++) {
    const c = cp[i];
    const b = bp[i];
    phaseRows.push([
      `${(c ?? b)!.from}–${(c ?? b)!.to}`,
      ms(c?.s.p50 ?? Number.NaN),
      ms(c?.s.p95 ?? Number.NaN),
      ms(b?.s.p50 ?? Number.NaN),
      ms(b?.s.p95 ?? Number.NaN),
    ]);
  }
  console.log(
    markdownTable(['Open locks before', 'CLOS p50', 'CLOS p95', 'Baseline p50', 'Baseline p95'], phaseRows),
  );

  if (results.clos && results.baseline) {
    const same =
      JSON.stringify(shape(results.clos.statusSample)) ===
      JSON.stringify(shape(results.baseline.statusSample));
    console.log(`\nStatus bodies have the same shape on both servers: ${same ? 'yes' : 'NO'}`);
  }

  if (results.clos) {
    const a = results.clos.acquire;
    const p95 = summarize(a.latencies).p95;
    const rateHeld = a.rps >= RATE * 0.95;
    const acquireOk = p95 < TARGET_ACQUIRE_P95_MS && rateHeld;
    const statusOk = results.clos.status.rps >= TARGET_STATUS_RPS;
    console.log('\n## Targets (embedded database)\n');
    console.log(
      `- ${acquireOk ? 'PASS' : 'MISS'} WIP acquire p95 < ${TARGET_ACQUIRE_P95_MS} ms at ${RATE} req/s: p95 ${ms(p95)} at ${rps(a.rps)} req/s${rateHeld ? '' : ' (rate not held)'}`,
    );
    console.log(
      `- ${statusOk ? 'PASS' : 'MISS'} pod status ≥ ${TARGET_STATUS_RPS} req/s: ${rps(results.clos.status.rps)} req/s`,
    );
  }
}

await main();
