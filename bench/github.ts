/**
 * `npm run bench:github`: the GitHub App (docs/github-app.md) on the embedded database, against a fake
 * GitHub in this process. Not part of CI: numbers depend on the machine. See
 * docs/benchmarks.md#github-app.
 *
 * 1. Webhook acknowledgement: distinct, signed `pull_request` deliveries at a fixed rate from the
 *    child-process load generator, to CLOS (started with `startServer`, the App configured through
 *    its real environment variables) and to a bare Fastify baseline that only checks the signature.
 * 2. Admission: from a `closed` delivery to the `success` check of the pull request that waited for
 *    that slot, with the production write spacing and without it.
 *
 * Environment: BENCH_GITHUB_DURATION (seconds of webhook load, default 20), BENCH_GITHUB_RATE
 * (deliveries per second, default 200), BENCH_GITHUB_ROUNDS (admissions timed per variant, default
 * 20), BENCH_GITHUB_DRAIN_SECONDS (how long to watch the job backlog after the load, default 2).
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '@clos/config';
import { findInputProblems, NO_INSTRUMENTATION } from '@clos/core';
import { composeCore, createRepositories, type Db, openPglite } from '@clos/db';
import {
  configureGitHub,
  configureIntegrations,
  INTEGRATIONS,
  type Integration,
  readGitHubSettings,
} from '@clos/integrations';
import {
  type FakeGitHub,
  type FakePull,
  fakeSha,
  generateAppKey,
  pullRequestPayload,
  type SignedDelivery,
  signedDelivery,
  startFakeGitHub,
} from '@clos/testing';
import { startRuntime } from '@clos/workflows';
import { verify } from '@octokit/webhooks-methods';
import { auditCheckpointsFor } from '../apps/server/src/audit/checkpoint-ports.ts';
import { composeApp } from '../apps/server/src/compose.ts';
import { createLogger } from '../apps/server/src/http/log.ts';
import { prepareSecrets } from '../apps/server/src/runtime/secret-key.ts';
import type { RunningServer } from '../apps/server/src/server.ts';
import { startWebhookBaseline } from './baseline.ts';
import { type LoadGenerator, type LoadResult, startLoadGenerator } from './load.ts';
import { type Contention, contention, cpuSnapshot, envNumber, printMachine } from './machine.ts';
import { ADMIN_TOKEN, api, benchServerOptions, startClos } from './seed.ts';
import { markdownTable, ms, percentile, ratio } from './stats.ts';

const DURATION = envNumber('BENCH_GITHUB_DURATION', 20);
const RATE = Math.round(envNumber('BENCH_GITHUB_RATE', 200));
const ROUNDS = Math.round(envNumber('BENCH_GITHUB_ROUNDS', 20));
const DRAIN_SECONDS = envNumber('BENCH_GITHUB_DRAIN_SECONDS', 2);
const WARMUP_SECONDS = 2;
const CONNECTIONS = 10;

const APP_ID = 4242;
const INSTALLATION = 77;
const SECRET = randomBytes(32).toString('hex');
const WEBHOOK_PATH = '/api/v1/integrations/github/webhook';
const GITHUB_QUEUE = 'clos.github';
/** Part 1: pushes to pull requests that hold slots of pod `load`, spread over a few repositories. */
const LOAD_REPOS = ['acme/api', 'acme/web', 'acme/docs', 'acme/infra'];
const HELD_PER_REPO = 5;
/** Part 2: pod `line`'s pull-request limit; one repository per server, so their checks never mix. */
const LINE_LIMIT = 2;
/**
 * Each variant runs on two servers at once, half the rounds each: a round takes three job polls
 * (6 s), and 20 rounds on one server would not fit in the 3 minutes the run may take. Three of the
 * four run in child processes (`startChild`), so that two production servers never share a write
 * queue; the first runs in this process and then serves part 1.
 */
const LINE_REPOS = {
  spaced: ['acme/line-spaced-1', 'acme/line-spaced-2'],
  unspaced: ['acme/line-unspaced-1', 'acme/line-unspaced-2'],
} as const;
const ALL_LINE_REPOS = [...LINE_REPOS.spaced, ...LINE_REPOS.unspaced];
const SERVER_CHILD = '--bench-github-server';

// Each part is bounded (autocannon amounts with a time limit, a timeout on every wait); this catches
// the rest: 3 minutes with the defaults, which take about 2 1/4 (set-up 25 s, part 2 60 s, part 1 50 s).
const WAIT_MS = 30_000;
const DEADLINE_MS =
  (30 + (ROUNDS / 2) * 7 + 2 * (WARMUP_SECONDS + DURATION * 1.5 + 2) + DRAIN_SECONDS + 10) * 1000;

type Measured = LoadResult & { contention: Contention | null };

interface AdmissionSample {
  /** From sending `closed` to seeing the queued pull request's `success` check at the fake. */
  totalMs: number;
  /** The `closed` delivery's answer. */
  ackMs: number;
  /** From sending `closed` until its job freed the slot (`released_at`; wall clock, ms). */
  toReleaseMs: number;
  /** From the slot freed until the admitted pull request's job read it from GitHub. */
  releaseToJobMs: number;
  /** From that read to the check's POST arriving. */
  jobToCheckMs: number;
}

/** The config file both kinds of server read: the pods, the App's repositories, the scheduler. */
function configFile(): string {
  return JSON.stringify(
    {
      // The scheduler's first tick reconciles every mapped repository; moved out of the run so that a
      // reconciliation does not land in a measurement. Nothing measured here depends on the tick.
      workflows: { tickSeconds: 3600 },
      pods: [
        { slug: 'load', name: 'Load', timezone: 'UTC', wipLimits: { 'pull-request': 100 } },
        { slug: 'line', name: 'Line', timezone: 'UTC', wipLimits: { 'pull-request': LINE_LIMIT } },
      ],
      github: {
        repositories: [
          ...LOAD_REPOS.map((repository) => ({ repository, pod: 'load' })),
          ...ALL_LINE_REPOS.map((repository) => ({ repository, pod: 'line' })),
        ],
      },
    },
    null,
    2,
  );
}

interface Server {
  name: string;
  url: string;
  /** CPU time (ms) of the server's own process, when it is not this one. */
  childCpuMs?(): number;
  /** The server itself, when it runs in this process. */
  running?: RunningServer;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** CLOS as `npm start` runs it, in this process: the App from the environment, writes spaced. */
async function startProduction(dataDir: string, cwd: string): Promise<Server> {
  const s = await startClos(dataDir, cwd);
  return {
    name: 'CLOS',
    url: s.url,
    running: s,
    query: (sql, p) => s.database.query(sql, p),
    close: () => s.close(),
  };
}

type ChildMessage =
  | { url: string }
  | { id: number; rows?: unknown[]; error?: string }
  | { startError: string };

type ServerKind = 'spaced' | 'unspaced';

/**
 * A server in a child process (this file, run with SERVER_CHILD): the production write spacing is
 * one queue per process, and servers starting side by side in one process stall each other's
 * start-up (PGlite runs on the main thread).
 */
async function startChild(kind: ServerKind, dataDir: string, cwd: string): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), [SERVER_CHILD, kind, dataDir, cwd], {
    stdio: 'inherit',
  });
  const pending = new Map<number, { resolve(rows: unknown[]): void; reject(e: Error): void }>();
  let nextId = 0;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server child exited (${code})`)));
    child.on('message', (m: ChildMessage) => {
      if ('url' in m) resolve(m.url);
      else if ('startError' in m) reject(new Error(m.startError));
      else {
        const waiting = pending.get(m.id);
        pending.delete(m.id);
        if (m.error) waiting?.reject(new Error(m.error));
        else waiting?.resolve(m.rows ?? []);
      }
    });
  });
  let closing: Promise<void> | null = null;
  return {
    name: `CLOS ${kind} (child process)`,
    url,
    childCpuMs: () => {
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in 1/100 s.
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        return 0;
      }
    },
    query: <T>(sql: string, params?: unknown[]) =>
      new Promise<T[]>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: (rows) => resolve(rows as T[]), reject });
        child.send({ id, sql, params });
      }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ close: true });
        setTimeout(() => child.kill(), 10_000).unref();
      });
      return closing;
    },
  };
}

/** The child's side: a server, its URL sent up, SQL run on request (timestamps arrive as strings). */
async function serveChild(kind: ServerKind, dataDir: string, cwd: string) {
  const send = (m: ChildMessage) => process.send?.(m);
  let server: Server;
  try {
    server = kind === 'spaced' ? await startProduction(dataDir, cwd) : await startUnspaced(dataDir, cwd);
  } catch (error) {
    send({ startError: String((error as Error).stack ?? error) });
    process.exit(1);
  }
  const stop = () => server.close().finally(() => process.exit(0));
  process.on('message', (m: { id: number; sql: string; params?: unknown[] } | { close: true }) => {
    if ('close' in m) return void stop();
    server.query(m.sql, m.params).then(
      (rows) => send({ id: m.id, rows }),
      (error: unknown) => send({ id: m.id, error: String(error) }),
    );
  });
  process.on('disconnect', stop);
  send({ url: server.url });
}

/**
 * The same composition as `startServer` (apps/server/src/server.ts, compose.ts), except that the
 * GitHub integration is configured with `spaceWrites: false`: the server offers no switch for it, as
 * GitHub asks integrations to space writes. The tests configure it the same way.
 */
async function startUnspaced(dataDir: string, cwd: string): Promise<Server> {
  const options = benchServerOptions(dataDir);
  const logger = createLogger(options.logLevel);
  const loaded = await loadConfigFile(undefined, { cwd });
  if (!loaded.ok) throw new Error(`config: ${loaded.problems.join('; ')}`);
  const policy = loaded.config;
  const settings = readGitHubSettings(process.env);
  if (!settings) throw new Error('CLOS_GITHUB_* is not set');
  const unspaced: Integration = {
    name: 'github',
    configSections: ['github'],
    configure: ({ logger: l }) => configureGitHub(settings, policy, l, { spaceWrites: false }),
  };
  const database = await openPglite(dataDir);
  const secrets = await prepareSecrets(database, { keys: undefined, dataDir });
  const integrations = await configureIntegrations(
    INTEGRATIONS.map((i) => (i.name === 'github' ? unspaced : i)),
    { policy, env: process.env, logger: logger.child({ component: 'integrations' }) },
  );
  const core = composeCore({
    database,
    policy,
    secretBox: secrets.box,
    auditCheckpoints: auditCheckpointsFor(policy, options, cwd, logger),
    instrumentation: NO_INSTRUMENTATION,
  });
  const runtime = await startRuntime({
    core,
    logger: logger.child({ component: 'jobs' }),
    worker: true,
    notifiers: integrations.notifiers,
    extraModules: integrations.modules,
  });
  await core.services.auth.bootstrap({ email: options.adminEmail, tokenValue: ADMIN_TOKEN });
  await core.services.applyPolicy();
  const app = await composeApp({ core, integrations, runtime }, options, logger);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  let closing: Promise<void> | null = null;
  return {
    name: 'CLOS, writes not spaced',
    url,
    query: (sql, p) => database.query(sql, p),
    close: () => {
      closing ??= (async () => {
        await app.close();
        await runtime.stop();
        await database.close();
      })();
      return closing;
    },
  };
}

async function deliver(url: string, d: SignedDelivery): Promise<number> {
  const res = await fetch(`${url}${WEBHOOK_PATH}`, {
    method: 'POST',
    headers: d.headers,
    body: d.body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

async function waitFor(what: string, done: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const pullOf = (repo: string, n: number, sha = fakeSha(`${repo}#${n}`)): FakePull => ({
  number: n,
  title: `Change ${n}`,
  author: `dev${n % 7}`,
  headSha: sha,
});

// ---------------------------------------------------------------------------------------------
// Part 1: webhook acknowledgement under load.

/**
 * `synchronize` deliveries (a push to an open pull request, the most frequent pull_request event)
 * of pull requests that hold slots: each is a new delivery with a new head commit, its job re-posts
 * `clos/wip` on that commit, and no delivery changes a slot, so the pod's limit plays no part.
 */
async function prepareDeliveries(count: number): Promise<SignedDelivery[]> {
  const held = LOAD_REPOS.flatMap((repo) =>
    Array.from({ length: HELD_PER_REPO }, (_, i) => ({ repo, pull: pullOf(repo, i + 1) })),
  );
  const out: SignedDelivery[] = [];
  for (let i = 0; i < count; i++) {
    const { repo, pull } = held[i % held.length]!;
    const payload = pullRequestPayload('synchronize', {
      repository: repo,
      installationId: INSTALLATION,
      pull: { ...pull, headSha: fakeSha(`${repo}#${pull.number}@${i}`) },
      before: pull.headSha,
    });
    out.push(await signedDelivery(SECRET, 'pull_request', payload));
  }
  return out;
}

/** A pull request's slot, taken through the API as the App's job takes it (`github:owner/name#n`). */
async function holdPull(server: Server, pod: string, repo: string, p: FakePull) {
  await api(server.url, ADMIN_TOKEN, 'POST', `/api/v1/pods/${pod}/wip/pull-request/locks`, {
    itemId: `github:${repo}#${p.number}`,
    label: `${p.title} (@${p.author})`,
    url: `https://github.com/${repo}/pull/${p.number}`,
  });
}

/** The held pull requests, put in their slots through the API: 20 `opened` jobs would take 40 s. */
async function holdLoadPulls(server: Server, gh: FakeGitHub) {
  for (const repo of LOAD_REPOS) {
    const pulls = Array.from({ length: HELD_PER_REPO }, (_, i) => pullOf(repo, i + 1));
    gh.setPulls(repo, pulls);
    for (const p of pulls) await holdPull(server, 'load', repo, p);
  }
}

async function fire(
  load: LoadGenerator,
  label: string,
  url: string,
  deliveries: SignedDelivery[],
  seconds: number,
): Promise<Measured> {
  const before = cpuSnapshot();
  const result = await load.run({
    label,
    url,
    method: 'POST',
    headers: {},
    connections: CONNECTIONS,
    overallRate: RATE,
    amount: deliveries.length,
    maxSeconds: seconds * 1.5 + 2,
    path: WEBHOOK_PATH,
    bodies: deliveries.map((d) => d.body),
    headersPerRequest: deliveries.map((d) => d.headers),
  });
  return { ...result, contention: contention(before, cpuSnapshot(), result.cpuMs) };
}

async function recordedDeliveries(server: Server): Promise<number> {
  return (await server.query<{ n: number }>('select count(*)::int as n from inbound_deliveries'))[0]!.n;
}

interface Backlog {
  waiting: number;
  completed: number;
  failed: number;
}

async function backlog(server: Server): Promise<Backlog> {
  const rows = await server.query<{ state: string; n: number }>(
    'select state, count(*)::int as n from pgboss.job where name = $1 group by state',
    [GITHUB_QUEUE],
  );
  const n = (states: string[]) =>
    rows.filter((r) => states.includes(r.state)).reduce((sum, r) => sum + r.n, 0);
  return { waiting: n(['created', 'retry', 'active']), completed: n(['completed']), failed: n(['failed']) };
}

/** One line of the breakdown: the fastest of BREAKDOWN_ROUNDS rounds (per call), and the median. */
interface Timing {
  label: string;
  minMs: number;
  medianMs: number;
}

const BREAKDOWN_ROUNDS = 5;
const BREAKDOWN_CALLS = 60;

/**
 * Where a delivery's time goes, each step timed on its own in this process, one call at a time (as
 * bench/breakdown.ts does for the API): the whole delivery through `app.inject`, then its parts.
 * Runs on the part-1 server after the load, so the tables are as large as the load left them.
 */
async function breakdown(running: RunningServer, deliveries: SignedDelivery[]): Promise<Timing[]> {
  const { app, runtime, database } = running;
  const work = {
    kind: 'pull_request',
    action: 'synchronize',
    repository: LOAD_REPOS[0],
    installationId: INSTALLATION,
  };
  const timings: Timing[] = [];
  const time = async (label: string, call: (i: number) => Promise<unknown>) => {
    let i = 0;
    for (let w = 0; w < 20; w++) await call(i++);
    const rounds: number[] = [];
    for (let r = 0; r < BREAKDOWN_ROUNDS; r++) {
      const t0 = performance.now();
      for (let c = 0; c < BREAKDOWN_CALLS; c++) await call(i++);
      rounds.push((performance.now() - t0) / BREAKDOWN_CALLS);
    }
    const q = stat(rounds);
    timings.push({ label, minMs: q(0), medianMs: q(50) });
  };
  await time('whole delivery (`app.inject`)', async (i) => {
    const d = deliveries[i]!;
    const res = await app.inject({ method: 'POST', url: WEBHOOK_PATH, payload: d.body, headers: d.headers });
    if (res.statusCode !== 202) throw new Error(`breakdown: delivery answered ${res.statusCode}`);
  });
  await time('… signature check (Octokit `verify`)', (i) =>
    verify(SECRET, deliveries[i]!.body, deliveries[i]!.headers['x-hub-signature-256']!),
  );
  const parsed = JSON.parse(deliveries[0]!.body) as unknown;
  await time('… input guard over the payload', async () => findInputProblems(parsed, 'body'));
  await time('… record + enqueue, one transaction (`acceptDelivery`)', () =>
    runtime.acceptDelivery(
      'github',
      { id: randomUUID(), event: 'pull_request' },
      { queue: GITHUB_QUEUE, data: { deliveryId: 'breakdown', work } },
    ),
  );
  await time('…… an empty transaction', () => database.db.transaction(async () => {}));
  await time('…… the delivery record alone, in a transaction', () =>
    database.db.transaction((tx) =>
      createRepositories(tx as unknown as Db, randomUUID).inboundDeliveries.record({
        integration: 'github',
        deliveryId: randomUUID(),
        event: 'pull_request',
        receivedAt: new Date(),
      }),
    ),
  );
  await time('…… the job alone, in a transaction (pg-boss SQL through Drizzle)', () =>
    database.db.transaction((tx) =>
      runtime.queue.enqueueIn(tx as unknown as Db)(GITHUB_QUEUE, { deliveryId: 'breakdown', work }),
    ),
  );
  await time('…… the job alone, pg-boss `send` on its own', () =>
    runtime.queue.enqueue(GITHUB_QUEUE, { deliveryId: 'breakdown', work }),
  );
  return timings;
}

interface LoadPart {
  clos: Measured;
  baseline: Measured;
  recorded: number;
  atStart: Backlog;
  atEnd: Backlog;
  afterWatch: Backlog;
  watchedSeconds: number;
  /** Seconds from the end of the load until no job was left, when that happened while watched. */
  drainedAfter: number | null;
  /** Completed jobs per second from the start of the measured load to the end of the watch. */
  jobsPerSecond: number;
  checksPosted: number;
  breakdown: Timing[];
}

async function partLoad(
  server: Server,
  gh: FakeGitHub,
  load: LoadGenerator,
  deliveries: SignedDelivery[],
  spare: SignedDelivery[],
): Promise<LoadPart> {
  const warm = RATE * WARMUP_SECONDS;
  const measured = deliveries.length - warm;
  let clos: Measured;
  let timings: Timing[] = [];
  let checksPosted: number;
  let recorded: number;
  let atStart: Backlog;
  let atEnd: Backlog;
  let afterWatch: Backlog;
  let drainedAfter: number | null = null;
  let jobsPerSecond: number;
  let watchedSeconds: number;
  const checksBefore = gh.checkRuns().length;
  try {
    console.log(`  CLOS: ${server.url}, ${LOAD_REPOS.length * HELD_PER_REPO} pull requests hold slots`);
    const recordedBefore = await recordedDeliveries(server);
    await fire(load, 'CLOS warm-up', server.url, deliveries.slice(0, warm), WARMUP_SECONDS);
    atStart = await backlog(server);
    const started = performance.now();
    console.log(`  CLOS: ${measured} deliveries at ${RATE}/s over ${CONNECTIONS} connections`);
    clos = await fire(load, 'CLOS', server.url, deliveries.slice(warm), DURATION);
    const ended = performance.now();
    atEnd = await backlog(server);
    afterWatch = atEnd;
    // GitHub needs the answer within 10 s; the work is the job runner's, in this same process.
    while (performance.now() - ended < DRAIN_SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 250));
      afterWatch = await backlog(server);
      if (afterWatch.waiting === 0) {
        drainedAfter = (performance.now() - ended) / 1000;
        break;
      }
    }
    watchedSeconds = (performance.now() - ended) / 1000;
    jobsPerSecond = (afterWatch.completed - atStart.completed) / ((performance.now() - started) / 1000);
    recorded = (await recordedDeliveries(server)) - recordedBefore;
    checksPosted = gh.checkRuns().length - checksBefore;
    if (server.running) timings = await breakdown(server.running, spare);
  } finally {
    await server.close();
  }

  const baseline = await startWebhookBaseline(SECRET, WEBHOOK_PATH);
  let base: Measured;
  try {
    console.log(`  baseline: ${baseline.url}`);
    // A second is enough for a route without a database.
    await fire(load, 'baseline warm-up', baseline.url, deliveries.slice(0, RATE), 1);
    base = await fire(load, 'baseline', baseline.url, deliveries.slice(warm), DURATION);
  } finally {
    await baseline.close();
  }
  return {
    clos,
    baseline: base,
    recorded,
    atStart,
    atEnd,
    afterWatch,
    watchedSeconds,
    drainedAfter,
    jobsPerSecond,
    checksPosted,
    breakdown: timings,
  };
}

// ---------------------------------------------------------------------------------------------
// Part 2: from a `closed` delivery to the next pull request's green check.

/**
 * The pod holds LINE_LIMIT pull requests. Each round opens a new one, waits for its `failure`
 * (it waits in line), closes the oldest holder, and times until the new one's check is `success`.
 * The admitted pull request then holds a slot, so every round starts from a full pod with a new PR.
 */
async function admissions(
  server: Server,
  gh: FakeGitHub,
  repo: string,
  pollMs: number,
  rounds: number,
): Promise<AdmissionSample[]> {
  const check = (p: FakePull) => gh.latestCheck(repo, p.headSha, 'clos/wip');
  const send = async (action: 'opened' | 'closed', p: FakePull) => {
    const status = await deliver(
      server.url,
      await signedDelivery(
        SECRET,
        'pull_request',
        pullRequestPayload(action, { repository: repo, installationId: INSTALLATION, pull: p }),
      ),
    );
    if (status !== 202) throw new Error(`${server.name}: ${action} #${p.number} answered ${status}`);
  };
  const open = async (p: FakePull) => {
    gh.putPull(repo, p);
    await send('opened', p);
  };
  const releasedAt = async (p: FakePull) => {
    const [row] = await server.query<{ released_at: Date | string | null }>(
      'select max(released_at) as released_at from wip_locks where item_id = $1',
      [`github:${repo}#${p.number}`],
    );
    return row?.released_at ? new Date(row.released_at).getTime() : Number.NaN;
  };
  // The first holders take their slots through the API (two `opened` jobs would add two polls);
  // every later holder is a pull request a round opened and admitted through the App.
  let n = 0;
  const holders: FakePull[] = [];
  for (let i = 0; i < LINE_LIMIT; i++) {
    const p = pullOf(repo, ++n);
    holders.push(p);
    gh.putPull(repo, p);
    await holdPull(server, 'line', repo, p);
  }

  const samples: AdmissionSample[] = [];
  for (let round = 0; round < rounds; round++) {
    const waiting = pullOf(repo, ++n);
    await open(waiting);
    await waitFor(
      `${server.name}: #${waiting.number} to wait in line`,
      () => check(waiting)?.conclusion === 'failure',
    );
    // A pull request closes at any moment of the job runner's polling cycle, not just after a job
    // ran (which is when the failure check was seen): a random pause places it anywhere in the cycle.
    await new Promise((r) => setTimeout(r, Math.random() * pollMs));
    const out = holders.shift()!;
    // GitHub closes the pull request, then sends the delivery.
    gh.removePull(repo, out.number);
    const sentAt = Date.now();
    const t0 = performance.now();
    await send('closed', { ...out, merged: true });
    const ackMs = performance.now() - t0;
    await waitFor(
      `${server.name}: #${waiting.number} to be admitted`,
      () => check(waiting)?.conclusion === 'success',
    );
    const totalMs = performance.now() - t0;
    const released = await releasedAt(out);
    const read = gh.calls.find(
      (c) => c.method === 'GET' && c.path === `/repos/${repo}/pulls/${waiting.number}` && c.at >= sentAt,
    );
    const posted = gh.calls.find((c) => {
      const body = c.body as { head_sha?: string; conclusion?: string } | undefined;
      return (
        c.method === 'POST' &&
        c.path === `/repos/${repo}/check-runs` &&
        body?.head_sha === waiting.headSha &&
        body.conclusion === 'success'
      );
    });
    samples.push({
      totalMs,
      ackMs,
      toReleaseMs: released - sentAt,
      releaseToJobMs: read ? read.at - released : Number.NaN,
      jobToCheckMs: read && posted ? posted.at - read.at : Number.NaN,
    });
    holders.push(waiting);
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------

function stat(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return (p: number) => percentile(sorted, p);
}

/** Sub-0.1 ms steps in microseconds. */
const fine = (v: number) => (v < 0.1 ? `${(v * 1000).toFixed(0)} µs` : ms(v));
const seconds = (v: number) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '–');
const statuses = (r: LoadResult) =>
  Object.entries(r.statuses)
    .map(([code, count]) => `${count} × ${code}`)
    .join(', ') + (r.errors || r.timeouts ? `; ${r.errors} errors, ${r.timeouts} timeouts` : '');

function report(
  part1: LoadPart | null,
  part2: {
    spaced: AdmissionSample[];
    unspaced: AdmissionSample[];
    contention: Contention | null;
    pollMs: number;
  } | null,
  elapsedMs: number,
) {
  printMachine(
    `${RATE} deliveries/s for ${DURATION} s over ${CONNECTIONS} connections; ${ROUNDS} admissions per variant; run took ${(elapsedMs / 1000).toFixed(0)} s`,
  );

  if (part1) {
    const { clos, baseline } = part1;
    console.log('\n## Webhook acknowledgement\n');
    const rows = [clos, baseline].map((r) => {
      const q = stat(r.latencies);
      const c = r.contention;
      return [
        r.label,
        String(r.total),
        r.rps.toFixed(0),
        ms(q(50)),
        ms(q(90)),
        ms(q(99)),
        ms(q(100)),
        statuses(r),
        c ? ms(c.serverCpuMs / r.total) : '–',
        c ? c.otherCores.toFixed(2) : '–',
        c ? c.stealCores.toFixed(2) : '–',
      ];
    });
    const qc = stat(clos.latencies);
    const qb = stat(baseline.latencies);
    rows.push([
      'CLOS ÷ baseline',
      '',
      '',
      ratio(qc(50), qb(50)),
      ratio(qc(90), qb(90)),
      ratio(qc(99), qb(99)),
      ratio(qc(100), qb(100)),
      '',
      clos.contention && baseline.contention
        ? ratio(clos.contention.serverCpuMs / clos.total, baseline.contention.serverCpuMs / baseline.total)
        : '–',
      '',
      '',
    ]);
    console.log(
      markdownTable(
        [
          'Server',
          'Deliveries',
          'Answers/s',
          'p50',
          'p90',
          'p99',
          'max',
          'Statuses',
          'Server CPU / delivery',
          'Other processes (cores)',
          'Steal (cores)',
        ],
        rows,
      ),
    );
    const all202 = Object.keys(clos.statuses).every((s) => s === '202') && !clos.errors && !clos.timeouts;
    console.log(
      `\n- Every CLOS answer 202: ${all202 ? 'yes' : 'NO'}; deliveries recorded: ${part1.recorded} (warm-up included)`,
    );
    const w = part1.afterWatch;
    console.log(
      `- Job backlog (queue ${GITHUB_QUEUE}, run by the worker in the server's process): ${part1.atEnd.waiting} waiting when the load stopped; ${w.waiting} after watching ${part1.watchedSeconds.toFixed(0)} s more; ${w.failed} failed`,
    );
    console.log(
      `- Jobs completed: ${(part1.jobsPerSecond).toFixed(2)} per second from the start of the load to the end of the watch (${part1.checksPosted} checks posted)`,
    );
    console.log(
      part1.drainedAfter !== null
        ? `- Backlog drained ${part1.drainedAfter.toFixed(1)} s after the load stopped`
        : `- Backlog not drained while watched; at that rate it would take about ${(w.waiting / part1.jobsPerSecond / 60).toFixed(0)} minutes`,
    );
  }

  if (part1?.breakdown.length) {
    console.log('\n### Where a delivery goes (in this process, one at a time, after the load)\n');
    console.log(
      markdownTable(
        ['Step', 'Time (fastest round)', 'Median round'],
        part1.breakdown.map((t) => [t.label, fine(t.minMs), fine(t.medianMs)]),
      ),
    );
  }

  if (part2) {
    console.log('\n## From `closed` to the next pull request’s `success`\n');
    const rows = (
      [
        ['writes spaced 1 s (production)', part2.spaced],
        ['writes not spaced', part2.unspaced],
      ] as const
    ).map(([label, samples]) => {
      const q = (pick: (s: AdmissionSample) => number) => stat(samples.map(pick));
      const total = q((s) => s.totalMs);
      const release = q((s) => s.toReleaseMs);
      const toJob = q((s) => s.releaseToJobMs);
      const toCheck = q((s) => s.jobToCheckMs);
      return [
        label,
        String(samples.length),
        seconds(total(50)),
        seconds(total(95)),
        seconds(total(100)),
        ms(q((s) => s.ackMs)(50)),
        `${seconds(release(50))} (${seconds(release(0))}–${seconds(release(100))})`,
        `${seconds(toJob(50))} (${seconds(toJob(0))}–${seconds(toJob(100))})`,
        `${ms(toCheck(50))} (max ${ms(toCheck(100))})`,
      ];
    });
    console.log(
      markdownTable(
        [
          'Variant',
          'Rounds',
          'p50',
          'p95',
          'max',
          '`closed` answered, p50',
          'sent → slot freed, p50 (min–max)',
          'freed → admitted job starts',
          'job → check posted',
        ],
        rows,
      ),
    );
    const c = part2.contention;
    console.log(
      `\n- Job runner polls every ${part2.pollMs / 1000} s when idle (workflows.pollingIntervalSeconds); new work wakes it; the four servers used ${c ? c.benchCores.toFixed(2) : '–'} cores, other processes ${c ? c.otherCores.toFixed(2) : '–'}, steal ${c ? c.stealCores.toFixed(2) : '–'}`,
    );
  }
}

async function main() {
  const started = Date.now();
  const root = await mkdtemp(join(os.tmpdir(), 'clos-bench-github-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rm(root, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  };
  const watchdog = setTimeout(() => {
    console.error(`\nbench:github: gave up after ${DEADLINE_MS / 1000} s`);
    void cleanup().finally(() => process.exit(2));
  }, DEADLINE_MS);
  try {
    const keys = generateAppKey();
    const gh = await startFakeGitHub({
      appId: APP_ID,
      publicKey: keys.publicKey,
      installations: [
        {
          id: INSTALLATION,
          account: { login: 'acme' },
          repositories: [...LOAD_REPOS, ...ALL_LINE_REPOS],
        },
      ],
    });
    cleanups.push(() => gh.close());
    // The App is configured the way an operator configures it: through the environment.
    Object.assign(process.env, {
      CLOS_GITHUB_APP_ID: String(APP_ID),
      CLOS_GITHUB_PRIVATE_KEY: keys.privateKey,
      CLOS_GITHUB_WEBHOOK_SECRET: SECRET,
      CLOS_GITHUB_API_URL: gh.url,
    });
    await writeFile(join(root, 'clos.config.yaml'), configFile());
    const load = startLoadGenerator();
    cleanups.push(() => load.close());

    // Every server starts before anything is measured (start-up is seconds of CPU). Part 2 runs
    // first; part 1 then reuses the first production server, the others closed.
    const [spaced1, spaced2, unspaced1, unspaced2] = await Promise.all([
      startProduction(join(root, 'clos-spaced-1'), root),
      startChild('spaced', join(root, 'clos-spaced-2'), root),
      startChild('unspaced', join(root, 'clos-unspaced-1'), root),
      startChild('unspaced', join(root, 'clos-unspaced-2'), root),
    ]);
    const lineServers = [spaced1, spaced2, unspaced1, unspaced2];
    cleanups.push(...lineServers.map((server) => () => server.close()));
    await holdLoadPulls(spaced1, gh);
    const deliveries = await prepareDeliveries(RATE * (WARMUP_SECONDS + DURATION));
    const spare = await prepareDeliveries(20 + BREAKDOWN_ROUNDS * BREAKDOWN_CALLS);
    const policy = await loadConfigFile(undefined, { cwd: root });
    if (!policy.ok) throw new Error(policy.problems.join('; '));
    const pollMs = policy.config.workflows.pollingIntervalSeconds * 1000;
    console.log(`Set up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    console.log(
      `\nAdmissions: ${ROUNDS} rounds per variant over two servers each, pod limit ${LINE_LIMIT}, all at once`,
    );
    const before = cpuSnapshot();
    const childrenCpu = () => lineServers.reduce((sum, server) => sum + (server.childCpuMs?.() ?? 0), 0);
    const childBefore = childrenCpu();
    const half = Math.ceil(ROUNDS / 2);
    const [s1, s2, u1, u2] = await Promise.all(
      lineServers.map((server, i) =>
        admissions(server, gh, ALL_LINE_REPOS[i]!, pollMs, i % 2 === 0 ? half : ROUNDS - half),
      ),
    );
    const part2Contention = contention(before, cpuSnapshot(), childrenCpu() - childBefore);
    await Promise.all([spaced2.close(), unspaced1.close(), unspaced2.close()]);
    const spaced = [...s1!, ...s2!];
    const unspaced = [...u1!, ...u2!];
    console.log(`  done at ${((Date.now() - started) / 1000).toFixed(1)} s`);

    console.log('\nWebhook load:');
    const part1 = await partLoad(spaced1, gh, load, deliveries, spare);
    if (gh.unmatched().length)
      console.warn(`! ${gh.unmatched().length} calls to the fake GitHub matched no route`);
    report(part1, { spaced, unspaced, contention: part2Contention, pollMs }, Date.now() - started);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

if (process.argv[2] === SERVER_CHILD)
  await serveChild(process.argv[3] as ServerKind, process.argv[4]!, process.argv[5]!);
else await main();
