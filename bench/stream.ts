/**
 * `npm run bench:stream`: 1,000 concurrent clients on `GET /api/v1/stream`, and the time from a change
 * made through the API to its event at every client, against a bare node:http fan-out as the
 * baseline, in one run. Not part of CI: numbers depend on the machine. See docs/benchmarks.md.
 *
 * Three kinds of process: this one makes the changes and computes the report; the server (CLOS or
 * the baseline, bench/stream-server.ts) runs alone in a child; the SSE clients run in two more
 * children (bench/stream-clients.ts), half each, so that parsing a thousand streams neither shares
 * the server's event loop nor sits on a single core.
 *
 * Environment: STREAM_CLIENTS (default 1000), STREAM_RATES (changes per second, one phase each,
 * default "5,20"), STREAM_SECONDS (seconds per phase, default 20), STREAM_ONLY (clos|baseline).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { cpuSnapshot, envNumber, printMachine } from './machine.ts';
import { type LatencySummary, markdownTable, ms, ratio, summarize } from './stats.ts';
import { type ClientLog, type ClientSpec, type EventMeta, forkClients } from './stream-clients.ts';
import { wallNow } from './stream-ipc.ts';
import {
  CLIENT_CLASSES,
  type ClientClass,
  forkServer,
  type MemoryWindow,
  type RelayTimes,
  type Started,
} from './stream-server.ts';

const CLIENTS = Math.round(envNumber('STREAM_CLIENTS', 1000));
const SECONDS = envNumber('STREAM_SECONDS', 20);
const RATES = (process.env.STREAM_RATES || '5,20').split(',').map((r) => {
  const n = Number(r);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`STREAM_RATES: "${r}" is not a positive number`);
  return n;
});
const ONLY = process.env.STREAM_ONLY;
if (ONLY && ONLY !== 'clos' && ONLY !== 'baseline')
  throw new Error(`STREAM_ONLY: must be clos or baseline, got "${ONLY}"`);
const CLIENT_PROCESSES = 2;
const CONNECT_CONCURRENCY = 25;
const WARMUP = { rate: 5, seconds: 2 };
const IDLE_MS = 3000;
/** How long a phase waits for its last events before the next begins (late ones still count). */
const SETTLE_MAX_MS = 10_000;
const TARGET_P95_MS = 250;

const sides = ONLY ? 1 : 2;
const DEADLINE_MS =
  (sides * (RATES.length * (SECONDS + 3) + WARMUP.seconds + IDLE_MS / 1000 + 40) + 20) * 1000;

type Kind = 'clos' | 'baseline';
type ChangeType = 'idea.submitted' | 'wip.acquired' | 'wip.released';
const CYCLE: readonly ChangeType[] = ['idea.submitted', 'wip.acquired', 'wip.released'];

interface Change {
  phase: string;
  type: ChangeType;
  podId: string | null;
  subjectId: string;
  /** When the API's answer had been read, wall ms: after the commit. */
  respondedAt: number;
}

interface CpuWindow {
  wallMs: number;
  serverCores: number;
  clientCores: number;
  otherCores: number | null;
  stealCores: number | null;
}

interface Phase {
  label: string;
  rate: number;
  changes: Change[];
  memory: MemoryWindow;
  cpu: CpuWindow;
  /** Changes the API refused or failed. */
  failed: number;
}

interface SideRun {
  kind: Kind;
  connect: { ms: number; connected: number; failures: string[] };
  before: MemoryWindow;
  idle: MemoryWindow;
  phases: Phase[];
  meta: Map<number, EventMeta>;
  logs: ClientLog[];
  relay: RelayTimes | null;
  /** Baseline: per event, the server's loop writing it to every reader (warm-up included). */
  fanOutMs: number[];
  podIds: Started['podIds'];
}

/** Child processes running now, for the watchdog to stop. */
const children = new Set<{ stop(graceMs?: number): Promise<void> }>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where a client of class `cls` connects; the baseline takes the class's pod in the query instead of a token. */
function specFor(kind: Kind, started: Started, cls: ClientClass): ClientSpec {
  if (kind === 'clos') return { path: '/api/v1/stream', token: started.tokens![cls], cls };
  return { path: cls === 'admin' ? '/api/v1/stream' : `/api/v1/stream?pod=${cls}`, token: null, cls };
}

const visible = (cls: string, podId: string | null, podIds: Started['podIds']) =>
  cls === 'admin' || podId === null || podIds[cls as 'bench' | 'other'] === podId;

async function post(url: string, method: string, token: string | null, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const respondedAt = wallNow();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text.slice(0, 200)}`);
  return { id: (JSON.parse(text) as { id: string }).id, respondedAt };
}

/**
 * The changes: an idea, a WIP acquire, the release of that lock, in turn, at a steady rate (each sent
 * on schedule whether or not the previous one has been answered). On the baseline each is one
 * `POST /emit` of an event of the same type and frame size.
 */
async function makeChanges(
  kind: Kind,
  started: Started,
  label: string,
  rate: number,
  seconds: number,
  frameBytes: Map<string, number>,
): Promise<{ changes: Change[]; failed: number }> {
  const admin = started.tokens?.admin ?? null;
  const changes: Change[] = [];
  let failed = 0;
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  let lastAcquire: Promise<string | null> = Promise.resolve(null);
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const type = CYCLE[i % CYCLE.length]!;
    const podId = type === 'idea.submitted' ? null : started.podIds.bench;
    let done: Promise<{ id: string; respondedAt: number }>;
    if (kind === 'baseline')
      done = post(`${started.url}/emit`, 'POST', null, { type, podId, bytes: frameBytes.get(type) ?? 400 });
    else if (type === 'idea.submitted')
      done = post(`${started.url}/api/v1/ideas`, 'POST', admin, { title: `Stream ${label} ${i}` });
    else if (type === 'wip.acquired') {
      done = post(`${started.url}/api/v1/pods/bench/wip/pull-request/locks`, 'POST', admin, {
        itemId: `stream-${label}-${i}`,
      });
      lastAcquire = done.then(
        (r) => r.id,
        () => null,
      );
    } else {
      const lock = lastAcquire;
      done = lock.then((id) => {
        if (!id) throw new Error('its acquire failed');
        return post(`${started.url}/api/v1/wip-locks/${id}`, 'DELETE', admin);
      });
    }
    pending.push(
      done.then(
        (r) => {
          changes.push({ phase: label, type, podId, subjectId: r.id, respondedAt: r.respondedAt });
        },
        (error: unknown) => {
          failed++;
          if (failed <= 3) console.warn(`  ! ${label}: ${(error as Error).message}`);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { changes, failed };
}

async function runSide(kind: Kind, root: string, frameBytes: Map<string, number>): Promise<SideRun> {
  console.log(`\n${kind}: starting`);
  const server = forkServer(`${kind} server`);
  const clients = Array.from({ length: CLIENT_PROCESSES }, (_, i) => forkClients(`clients ${i + 1}`));
  for (const child of [server, ...clients]) children.add(child);
  try {
    const started = await server.call.start({ kind, root });
    await sleep(1000);
    await server.call.window({ settled: false });
    await sleep(1000);
    const before = await server.call.window({ settled: true });

    const specs = Array.from({ length: CLIENTS }, (_, i) =>
      specFor(kind, started, CLIENT_CLASSES[i % CLIENT_CLASSES.length]!),
    );
    const connectStarted = performance.now();
    const connected = await Promise.all(
      clients.map((c, p) =>
        c.call.connect({
          base: started.url,
          specs: specs.filter((_, i) => i % CLIENT_PROCESSES === p),
          concurrency: CONNECT_CONCURRENCY,
        }),
      ),
    );
    const connect = {
      ms: performance.now() - connectStarted,
      connected: connected.reduce((n, c) => n + c.connected, 0),
      failures: connected.flatMap((c) => c.failures),
    };
    console.log(
      `  ${connect.connected} of ${CLIENTS} clients connected in ${(connect.ms / 1000).toFixed(1)} s${connect.failures.length ? `; failures: ${[...new Set(connect.failures)].join(', ')}` : ''}`,
    );
    await server.call.window({ settled: false });
    await sleep(IDLE_MS);
    const idle = await server.call.window({ settled: true });

    let expectedEvents = 0;
    const settle = async () => {
      const deadline = performance.now() + SETTLE_MAX_MS;
      while (performance.now() < deadline) {
        const seen = await Promise.all(clients.map((c) => c.call.seen()));
        if (Math.min(...seen) >= expectedEvents) break;
        await sleep(50);
      }
      await sleep(300);
    };
    const clientCpu = async () =>
      (await Promise.all(clients.map((c) => c.call.cpu()))).reduce((a, b) => a + b, 0);

    // Warm-up (JIT, caches, the relay's first batches); not reported.
    const warm = await makeChanges(kind, started, 'warmup', WARMUP.rate, WARMUP.seconds, frameBytes);
    expectedEvents += warm.changes.length;
    await settle();

    const phases: Phase[] = [];
    for (const rate of RATES) {
      const label = `${rate}/s`;
      console.log(`  ${label} for ${SECONDS} s`);
      await server.call.window({ settled: false });
      const machine0 = cpuSnapshot();
      const clients0 = await clientCpu();
      const { changes, failed } = await makeChanges(kind, started, label, rate, SECONDS, frameBytes);
      expectedEvents += changes.length;
      await settle();
      const memory = await server.call.window({ settled: false });
      const clientsMs = (await clientCpu()) - clients0;
      const machine1 = cpuSnapshot();
      const wallMs = machine1.at - machine0.at;
      const ownMs = machine1.ownMs - machine0.ownMs;
      const busy =
        machine0.machineBusyMs === null || machine1.machineBusyMs === null
          ? null
          : machine1.machineBusyMs - machine0.machineBusyMs;
      phases.push({
        label,
        rate,
        changes,
        failed,
        memory,
        cpu: {
          wallMs,
          serverCores: memory.cpuMs / wallMs,
          clientCores: clientsMs / wallMs,
          otherCores: busy === null ? null : Math.max(0, busy - memory.cpuMs - clientsMs - ownMs) / wallMs,
          stealCores:
            machine0.stealMs === null || machine1.stealMs === null
              ? null
              : (machine1.stealMs - machine0.stealMs) / wallMs,
        },
      });
    }

    const collected = await Promise.all(clients.map((c) => c.call.collect()));
    const meta = new Map<number, EventMeta>();
    for (const c of collected) for (const m of c.meta) meta.set(m.seq, m);
    const relay = await server.call.relayTimes();
    const fanOutMs = await server.call.fanOutTimes();
    return {
      kind,
      connect,
      before,
      idle,
      phases,
      meta,
      logs: collected.flatMap((c) => c.logs),
      relay,
      fanOutMs,
      podIds: started.podIds,
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await server.stop(30_000);
    for (const child of [server, ...clients]) children.delete(child);
  }
}

interface PhaseResult {
  label: string;
  changes: number;
  fromResponse: LatencySummary;
  fromOccurred: LatencySummary;
  expected: number;
  delivered: number;
  /** Events some client received twice (a repeat is a bug: resuming is not exercised here). */
  duplicates: number;
  /** Changes whose event reached no client at all. */
  neverSeen: number;
  /** Per event, not per pair: when it reached its first and last client, ms after `occurredAt`. */
  firstArrival: LatencySummary;
  lastArrival: LatencySummary;
  /** Per event: from its first client to its last (the fan-out, and the clients reading it). */
  spread: LatencySummary;
  /** occurredAt → the API's answer, per change. */
  apiAnswer: LatencySummary;
  /** CLOS only, per event: from the answer to the relay's transaction, and that transaction to its NOTIFY heard in the server. */
  toRelay: LatencySummary | null;
  relayToNotify: LatencySummary | null;
  notifyToFirst: LatencySummary | null;
}

function analyse(run: SideRun): PhaseResult[] {
  const bySubject = new Map<string, EventMeta>();
  for (const m of run.meta.values()) bySubject.set(`${m.type}|${m.subjectId}`, m);
  // Per client: seq → first arrival.
  const arrivals = run.logs.map((log) => {
    const first = new Map<number, number>();
    for (let i = 0; i < log.seqs.length; i++)
      if (!first.has(log.seqs[i]!)) first.set(log.seqs[i]!, log.at[i]!);
    return { cls: log.cls, first };
  });
  const dispatched = new Map(run.relay?.dispatched ?? []);
  const notified = run.relay?.notified ?? [];
  const notifyOf = (seq: number) => notified.find(([s]) => s >= seq)?.[1];

  return run.phases.map((phase) => {
    const fromResponse: number[] = [];
    const fromOccurred: number[] = [];
    const first: number[] = [];
    const last: number[] = [];
    const api: number[] = [];
    const toRelay: number[] = [];
    const relayToNotify: number[] = [];
    const notifyToFirst: number[] = [];
    let expected = 0;
    let delivered = 0;
    let duplicates = 0;
    let neverSeen = 0;
    const seqs = new Set<number>();
    for (const change of phase.changes) {
      const readers = arrivals.filter((a) => visible(a.cls, change.podId, run.podIds));
      expected += readers.length;
      const m = bySubject.get(`${change.type}|${change.subjectId}`);
      if (!m) {
        neverSeen++;
        continue;
      }
      seqs.add(m.seq);
      api.push(change.respondedAt - m.occurredAt);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const r of readers) {
        const at = r.first.get(m.seq);
        if (at === undefined) continue;
        delivered++;
        fromResponse.push(at - change.respondedAt);
        fromOccurred.push(at - m.occurredAt);
        lo = Math.min(lo, at);
        hi = Math.max(hi, at);
      }
      if (Number.isFinite(lo)) {
        first.push(lo - m.occurredAt);
        last.push(hi - m.occurredAt);
      }
      const d = dispatched.get(m.seq);
      const n = notifyOf(m.seq);
      if (d !== undefined) toRelay.push(d - change.respondedAt);
      if (d !== undefined && n !== undefined) relayToNotify.push(n - d);
      if (n !== undefined && Number.isFinite(lo)) notifyToFirst.push(lo - n);
    }
    for (const log of run.logs) {
      const seen = new Set<number>();
      for (const s of log.seqs)
        if (seqs.has(s)) {
          if (seen.has(s)) duplicates++;
          seen.add(s);
        }
    }
    return {
      label: phase.label,
      changes: phase.changes.length,
      fromResponse: summarize(fromResponse),
      fromOccurred: summarize(fromOccurred),
      expected,
      delivered,
      duplicates,
      neverSeen,
      firstArrival: summarize(first),
      lastArrival: summarize(last),
      spread: summarize(last.map((l, i) => l - first[i]!)),
      apiAnswer: summarize(api),
      toRelay: toRelay.length ? summarize(toRelay) : null,
      relayToNotify: relayToNotify.length ? summarize(relayToNotify) : null,
      notifyToFirst: notifyToFirst.length ? summarize(notifyToFirst) : null,
    };
  });
}

/** Average frame size per event type, from what CLOS's clients received: the baseline sends the same. */
function frameSizes(run: SideRun): Map<string, number> {
  const sums = new Map<string, { bytes: number; n: number }>();
  for (const m of run.meta.values()) {
    const s = sums.get(m.type) ?? { bytes: 0, n: 0 };
    s.bytes += m.bytes;
    s.n++;
    sums.set(m.type, s);
  }
  return new Map([...sums].map(([t, s]) => [t, Math.round(s.bytes / s.n)]));
}

async function main() {
  const started = Date.now();
  const root = await mkdtemp(join(os.tmpdir(), 'clos-bench-stream-'));
  const abandon = (why: string) => {
    console.error(`\nbench:stream: ${why}`);
    void Promise.all([...children].map((c) => c.stop(2000)))
      .then(() => rm(root, { recursive: true, force: true }))
      .finally(() => process.exit(2));
  };
  const watchdog = setTimeout(() => abandon(`gave up after ${DEADLINE_MS / 1000} s`), DEADLINE_MS);
  watchdog.unref();
  process.once('SIGINT', () => abandon('interrupted'));
  try {
    const runs: Partial<Record<Kind, SideRun>> = {};
    let sizes = new Map<string, number>();
    if (ONLY !== 'baseline') {
      runs.clos = await runSide('clos', root, sizes);
      sizes = frameSizes(runs.clos);
    }
    if (ONLY !== 'clos') runs.baseline = await runSide('baseline', root, sizes);
    report(runs, sizes, Date.now() - started);
  } finally {
    clearTimeout(watchdog);
    await rm(root, { recursive: true, force: true });
  }
}

const mb = (v: number) => `${v.toFixed(0)} MB`;
const cores = (v: number | null) => (v === null ? '–' : v.toFixed(2));

function report(runs: Partial<Record<Kind, SideRun>>, sizes: Map<string, number>, elapsedMs: number) {
  printMachine(
    `${CLIENTS} clients in ${CLIENT_PROCESSES} processes (a third each admin, pod-scoped to the pod changed, pod-scoped to another pod); changes at ${RATES.join(' and ')} per second for ${SECONDS} s each, after ${WARMUP.seconds} s of warm-up; frames ${[...sizes].map(([t, b]) => `${t} ${b} B`).join(', ') || '–'}; run took ${(elapsedMs / 1000).toFixed(0)} s`,
  );

  const results = Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, analyse(r)])) as Partial<
    Record<Kind, PhaseResult[]>
  >;

  console.log('\n## Connecting\n');
  console.log(
    markdownTable(
      ['Server', 'Clients connected', 'Time to connect all', 'Failures'],
      Object.values(runs).map((r) => [
        r.kind,
        `${r.connect.connected} of ${CLIENTS}`,
        `${(r.connect.ms / 1000).toFixed(1)} s`,
        String(r.connect.failures.length),
      ]),
    ),
  );

  console.log('\n## Latency, every (event, client) pair\n');
  const rows: string[][] = [];
  for (const kind of ['clos', 'baseline'] as const) {
    const phases = results[kind];
    if (!phases) continue;
    for (const p of phases) {
      const base = kind === 'clos' ? results.baseline?.find((b) => b.label === p.label) : undefined;
      for (const [what, s, b] of [
        ['answer → arrival', p.fromResponse, base?.fromResponse],
        ['occurredAt → arrival', p.fromOccurred, base?.fromOccurred],
      ] as const)
        rows.push([
          `${kind} @ ${p.label}`,
          what,
          ms(s.p50),
          ms(s.p95),
          ms(s.p99),
          ms(s.max),
          b ? ratio(s.p95, b.p95) : '–',
        ]);
    }
  }
  console.log(markdownTable(['Server @ rate', 'From', 'p50', 'p95', 'p99', 'max', 'p95 CLOS÷base'], rows));

  console.log('\n## Delivery\n');
  console.log(
    markdownTable(
      [
        'Server @ rate',
        'Changes',
        'Failed',
        'Pairs expected',
        'Delivered',
        'Missing',
        'Never seen',
        'Repeated',
        'Streams lost',
      ],
      (['clos', 'baseline'] as const).flatMap((kind) =>
        (results[kind] ?? []).map((p, i) => [
          `${kind} @ ${p.label}`,
          String(p.changes),
          String(runs[kind]!.phases[i]!.failed),
          String(p.expected),
          String(p.delivered),
          String(p.expected - p.delivered),
          String(p.neverSeen),
          String(p.duplicates),
          String(runs[kind]!.logs.filter((l) => l.lost).length),
        ]),
      ),
    ),
  );

  console.log('\n## Per event: first and last client (from occurredAt), and the API answer\n');
  console.log(
    markdownTable(
      [
        'Server @ rate',
        'first p50',
        'first p95',
        'last p50',
        'last p95',
        'last max',
        'answer p50',
        'answer p95',
      ],
      (['clos', 'baseline'] as const).flatMap((kind) =>
        (results[kind] ?? []).map((p) => [
          `${kind} @ ${p.label}`,
          ms(p.firstArrival.p50),
          ms(p.firstArrival.p95),
          ms(p.lastArrival.p50),
          ms(p.lastArrival.p95),
          ms(p.lastArrival.max),
          ms(p.apiAnswer.p50),
          ms(p.apiAnswer.p95),
        ]),
      ),
    ),
  );

  if (results.clos?.some((p) => p.toRelay)) {
    console.log('\n## CLOS: where an event spends its time (per event, p50 / p95)\n');
    const f = (s: LatencySummary | null) => (s ? `${ms(s.p50)} / ${ms(s.p95)}` : '–');
    console.log(
      markdownTable(
        [
          'Rate',
          'occurredAt → answer',
          'answer → relay tx begins',
          'relay tx → NOTIFY heard',
          'NOTIFY → first client',
          'first → last client',
        ],
        results.clos.map((p) => [
          p.label,
          f(p.apiAnswer),
          f(p.toRelay),
          f(p.relayToNotify),
          f(p.notifyToFirst),
          f(p.spread),
        ]),
      ),
    );
  }
  if (runs.baseline?.fanOutMs.length) {
    const s = summarize(runs.baseline.fanOutMs);
    console.log(
      `\nBaseline: writing one frame to every reader took p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, max ${ms(s.max)} of the server's loop (${s.count} events).`,
    );
  }

  console.log('\n## Server memory and CPU\n');
  const memRows: string[][] = [];
  for (const r of Object.values(runs)) {
    memRows.push([
      r.kind,
      'before connecting',
      mb(r.before.rssMb),
      mb(r.before.heapUsedMb),
      mb(r.before.externalMb),
      cores(r.before.cpuMs / r.before.wallMs),
      ...Array<string>(4).fill('–'),
    ]);
    memRows.push([
      r.kind,
      `${r.connect.connected} clients idle`,
      mb(r.idle.rssMb),
      mb(r.idle.heapUsedMb),
      mb(r.idle.externalMb),
      cores(r.idle.cpuMs / r.idle.wallMs),
      ...Array<string>(4).fill('–'),
    ]);
    for (const p of r.phases)
      memRows.push([
        r.kind,
        `load ${p.label} (max)`,
        mb(p.memory.rssMaxMb),
        mb(p.memory.heapUsedMaxMb),
        mb(p.memory.externalMb),
        cores(p.cpu.serverCores),
        // Above what the server spends with its clients idle (timers, the job runner's polling).
        ms(
          (p.memory.cpuMs - (r.idle.cpuMs / r.idle.wallMs) * p.memory.wallMs) / Math.max(1, p.changes.length),
        ),
        cores(p.cpu.clientCores),
        `${ms(p.memory.loopDelayP99Ms)} / ${ms(p.memory.loopDelayMaxMs)}`,
        cores(p.cpu.otherCores === null ? null : p.cpu.otherCores + (p.cpu.stealCores ?? 0)),
      ]);
  }
  console.log(
    markdownTable(
      [
        'Server',
        'When',
        'RSS',
        'Heap used',
        'External',
        'Server cores',
        'Server CPU / change above idle',
        'Client cores',
        'Loop delay p99 / max',
        'Other processes (cores)',
      ],
      memRows,
    ),
  );
  for (const r of Object.values(runs)) {
    const perClient = ((r.idle.rssMb - r.before.rssMb) * 1024) / Math.max(1, r.connect.connected);
    const heapPerClient =
      ((r.idle.heapUsedMb - r.before.heapUsedMb) * 1024) / Math.max(1, r.connect.connected);
    console.log(
      `- ${r.kind}: ${perClient.toFixed(1)} KB RSS and ${heapPerClient.toFixed(1)} KB heap per idle client`,
    );
  }
  let worst = 0;
  for (const r of Object.values(runs))
    for (const p of r.phases) worst = Math.max(worst, (p.cpu.otherCores ?? 0) + (p.cpu.stealCores ?? 0));
  console.log(`- Other processes and steal took at most ${worst.toFixed(2)} cores during a phase`);

  if (results.clos) {
    const worstP95 = Math.max(...results.clos.map((p) => p.fromOccurred.p95));
    const missing = results.clos.reduce((n, p) => n + p.expected - p.delivered, 0);
    console.log('\n## Target\n');
    console.log(
      `- ${worstP95 < TARGET_P95_MS && missing === 0 ? 'PASS' : 'MISS'} p95 commit → client < ${TARGET_P95_MS} ms with ${CLIENTS} clients: worst phase p95 ${ms(worstP95)} from occurredAt (an upper bound), ${missing} pairs missing`,
    );
  }
}

await main();
