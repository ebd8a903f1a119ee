/**
 * The server side of the stream benchmark, run as a child process of bench/stream.ts: either CLOS
 * (`startServer` on a fresh embedded database, seeded through its API) or the baseline, a bare
 * node:http server that fans a frame out to its SSE clients straight from memory. The process samples
 * its own memory and CPU, so the figures belong to the server alone.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { forkChild, serveCalls, wallNow } from './stream-ipc.ts';

/** Token classes of the SSE clients: what each may see decides which events it must receive. */
export type ClientClass = 'admin' | 'bench' | 'other';
export const CLIENT_CLASSES: readonly ClientClass[] = ['admin', 'bench', 'other'];

export interface Started {
  url: string;
  /** Bearer token per class; null for the baseline, which checks none. */
  tokens: Record<ClientClass, string> | null;
  /** Pod id per pod-scoped class: such a client sees that pod's events and company-wide ones. */
  podIds: { bench: string; other: string };
}

export interface MemoryWindow {
  samples: number;
  rssMb: number;
  rssMaxMb: number;
  heapUsedMb: number;
  heapUsedMaxMb: number;
  /** Memory of the C++ side and ArrayBuffers (PGlite's WebAssembly memory is counted here). */
  externalMb: number;
  /** CPU time of the server process since the previous window. */
  cpuMs: number;
  wallMs: number;
  /** Event-loop delay over the window (how long a ready callback waited for the loop). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface RelayTimes {
  /** Per sequence number: when the relay's transaction began (`dispatched_at`), epoch ms. */
  dispatched: [seq: number, at: number][];
  /** Per NOTIFY heard by a listener in the server process: the last seq of the batch, wall ms. */
  notified: [seq: number, at: number][];
}

const MB = 2 ** 20;
const SAMPLE_MS = 100;

let stopServer: (() => Promise<void>) | null = null;
let relayTimes: (() => Promise<RelayTimes>) | null = null;
/** Baseline only: how long writing one event to every reader took, per event. */
const fanOutMs: number[] = [];

// Memory is sampled on a timer so that a window reports its peak, not just where it ended.
let window = freshWindow();
function freshWindow() {
  return { samples: 0, rss: 0, rssMax: 0, heap: 0, heapMax: 0, external: 0 };
}
function sample(): void {
  const m = process.memoryUsage();
  window.samples++;
  window.rss = m.rss;
  window.heap = m.heapUsed;
  window.external = m.external;
  window.rssMax = Math.max(window.rssMax, m.rss);
  window.heapMax = Math.max(window.heapMax, m.heapUsed);
}
let cpuMark = process.cpuUsage();
let wallMark = performance.now();
// The histogram records the whole timer interval: the delay is what exceeds the resolution. A finer
// resolution wakes the loop more often: at 1 ms that alone cost a baseline server 4% of a core.
const LOOP_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
const delayMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);

async function startClosServer(root: string): Promise<Started> {
  const { join } = await import('node:path');
  const { EVENTS_CHANNEL } = await import('@clos/workflows');
  const { ADMIN_TOKEN, api, seedClos, startClos } = await import('./seed.ts');
  const clos = await startClos(join(root, 'clos'), root);
  stopServer = () => clos.close();
  const bench = await seedClos(clos.url);
  const admin = (method: string, path: string, body?: unknown) =>
    api<Record<string, unknown>>(clos.url, ADMIN_TOKEN, method, path, body);
  await admin('POST', '/api/v1/pods', { slug: 'other', name: 'Other', timezone: 'UTC' });
  await admin('POST', '/api/v1/users', { email: 'dev@other.local', name: 'Other dev', role: 'developer' });
  await admin('POST', '/api/v1/pods/other/members', { email: 'dev@other.local', podRole: 'member' });
  const other = await admin('POST', '/api/v1/tokens', {
    name: 'other',
    role: 'developer',
    pods: ['other'],
    user: 'dev@other.local',
  });
  const pods = await clos.database.query<{ id: string; slug: string }>('select id, slug from pods');
  const podId = (slug: string) => pods.find((p) => p.slug === slug)!.id;

  // A second listener beside the hub's: when the relay's NOTIFY reached this process.
  const notified: [number, number][] = [];
  await clos.database.listen(EVENTS_CHANNEL, (payload) => notified.push([Number(payload), wallNow()]));
  relayTimes = async () => {
    const rows = await clos.database.query<{ seq: number | string; at: Date | string }>(
      'select seq, dispatched_at as at from domain_events where seq is not null order by seq',
    );
    return {
      dispatched: rows.map((r) => [Number(r.seq), new Date(r.at).getTime()]),
      notified,
    };
  };
  return {
    url: clos.url,
    tokens: { admin: ADMIN_TOKEN, bench, other: other.value as string },
    podIds: { bench: podId('bench'), other: podId('other') },
  };
}

/**
 * The floor: the same SSE headers and frames, one serialisation per event and one write per reader,
 * with no database, no authentication and no relay. `POST /emit` makes an event and answers at once,
 * then writes it to every reader that may see it, in the same tick.
 */
async function startBaselineServer(): Promise<Started> {
  interface Reader {
    res: ServerResponse;
    pod: string | null;
  }
  const readers = new Set<Reader>();
  let seq = 0;
  const frameOf = (type: string, podId: string | null, subjectId: string, pad: string) => {
    const data = JSON.stringify({
      id: randomUUID(),
      seq,
      type,
      occurredAt: new Date().toISOString(),
      podId,
      subjectType: type.split('.')[0],
      subjectId,
      actorId: randomUUID(),
      data: { pad },
    });
    return `id: ${seq}\nevent: ${type}\ndata: ${data}\n\n`;
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => resolve(body));
      req.on('error', reject);
    });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/api/v1/stream') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const reader: Reader = { res, pod: url.searchParams.get('pod') };
      readers.add(reader);
      res.once('close', () => readers.delete(reader));
      res.write('retry: 2000\n\n');
      return;
    }
    if (req.method === 'POST' && url.pathname === '/emit') {
      void readBody(req).then((text) => {
        const { type, podId, bytes } = JSON.parse(text) as {
          type: string;
          podId: string | null;
          bytes: number;
        };
        seq++;
        const subjectId = randomUUID();
        // Padded to the size of CLOS's frames of the same type, so both write the same bytes.
        const bare = frameOf(type, podId, subjectId, '');
        const frame = frameOf(type, podId, subjectId, 'x'.repeat(Math.max(0, bytes - bare.length)));
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: subjectId }));
        const t = performance.now();
        for (const r of readers) if (podId === null || r.pod === null || r.pod === podId) r.res.write(frame);
        fanOutMs.push(performance.now() - t);
      });
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stopServer = async () => {
    for (const r of readers) r.res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, tokens: null, podIds: { bench: 'bench', other: 'other' } };
}

const handlers = {
  start: async (args: { kind: 'clos' | 'baseline'; root: string }): Promise<Started> => {
    const started = args.kind === 'clos' ? await startClosServer(args.root) : await startBaselineServer();
    setInterval(sample, SAMPLE_MS).unref();
    loopDelay.enable();
    return started;
  },
  /**
   * Memory and CPU since the previous call; starts the next window. `settled`: collect garbage first,
   * for the resting figures (before connecting, clients idle) rather than wherever the GC happens to be.
   */
  window: async (args: { settled: boolean }): Promise<MemoryWindow> => {
    if (args.settled) {
      // Twice, a moment apart: large ArrayBuffers (PGlite's) are released after the collection that frees them.
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      await new Promise((r) => setTimeout(r, 300));
      gc?.();
    }
    sample();
    const cpu = process.cpuUsage(cpuMark);
    const now = performance.now();
    const w = window;
    const result: MemoryWindow = {
      samples: w.samples,
      rssMb: w.rss / MB,
      rssMaxMb: w.rssMax / MB,
      heapUsedMb: w.heap / MB,
      heapUsedMaxMb: w.heapMax / MB,
      externalMb: w.external / MB,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: now - wallMark,
      loopDelayP99Ms: delayMs(loopDelay.percentile(99)),
      loopDelayMaxMs: delayMs(loopDelay.max),
    };
    window = freshWindow();
    cpuMark = process.cpuUsage();
    wallMark = now;
    loopDelay.reset();
    return result;
  },
  relayTimes: async (): Promise<RelayTimes | null> => (relayTimes ? relayTimes() : null),
  fanOutTimes: () => fanOutMs,
};
export type ServerHandlers = typeof handlers;

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send)
  serveCalls(handlers, async () => {
    await stopServer?.();
  });

/** Forks the server process; call `start` on it to pick CLOS or the baseline. */
export const forkServer = (name: string) =>
  forkChild<ServerHandlers>(fileURLToPath(import.meta.url), name, ['--expose-gc']);
