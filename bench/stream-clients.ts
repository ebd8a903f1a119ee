/**
 * SSE clients of the stream benchmark, run as child processes of bench/stream.ts so that reading and
 * parsing a thousand streams does not happen on the server's event loop. Each client records, per
 * event, its `seq` and when the chunk carrying it arrived (wall clock, shared by the processes of a
 * machine); the JSON of an event is parsed once per process, which is all the benchmark needs from it.
 */
import { Agent, type ClientRequest, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { forkChild, serveCalls, wallNow } from './stream-ipc.ts';

export interface ClientSpec {
  /** Path and query of the stream, e.g. /api/v1/stream */
  path: string;
  token: string | null;
  cls: string;
}

export interface EventMeta {
  seq: number;
  type: string;
  subjectId: string;
  podId: string | null;
  /** `occurredAt` of the event, epoch ms. */
  occurredAt: number;
  /** Size of the frame on the wire. */
  bytes: number;
}

export interface ClientLog {
  cls: string;
  seqs: Float64Array;
  /** Arrival time of each entry of `seqs`, wall ms. */
  at: Float64Array;
  /** The stream ended or failed before the benchmark closed it. */
  lost: boolean;
}

interface Client {
  spec: ClientSpec;
  req: ClientRequest | null;
  buffer: string;
  seqs: number[];
  at: number[];
  retry: boolean;
  lost: boolean;
}

const clients: Client[] = [];
const meta = new Map<number, EventMeta>();
let agent: Agent | null = null;
let closing = false;

function parse(client: Client, arrived: number): void {
  let start = 0;
  for (;;) {
    const end = client.buffer.indexOf('\n\n', start);
    if (end < 0) break;
    const frame = client.buffer.slice(start, end);
    start = end + 2;
    if (frame.startsWith(':')) continue;
    if (frame.startsWith('retry:')) {
      client.retry = true;
      continue;
    }
    let seq = Number.NaN;
    let data = '';
    let type = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('id: ')) seq = Number(line.slice(4));
      else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (!Number.isFinite(seq)) continue;
    client.seqs.push(seq);
    client.at.push(arrived);
    if (!meta.has(seq)) {
      const d = JSON.parse(data) as { subjectId: string; podId: string | null; occurredAt: string };
      meta.set(seq, {
        seq,
        type,
        subjectId: d.subjectId,
        podId: d.podId,
        occurredAt: Date.parse(d.occurredAt),
        bytes: frame.length + 2,
      });
    }
  }
  client.buffer = client.buffer.slice(start);
}

/** Opens one stream; resolves once its `retry:` line is in (the server has registered it). */
function open(base: string, spec: ClientSpec): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { spec, req: null, buffer: '', seqs: [], at: [], retry: false, lost: false };
    const req = request(`${base}${spec.path}`, {
      agent: agent!,
      headers: {
        accept: 'text/event-stream',
        ...(spec.token ? { authorization: `Bearer ${spec.token}` } : {}),
      },
    });
    client.req = req;
    let settled = false;
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('no retry line within 30 s'));
    }, 30_000);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        res.resume();
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const arrived = wallNow();
        client.buffer += chunk;
        parse(client, arrived);
        if (client.retry && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(client);
        }
      });
      const lost = () => {
        if (!closing) client.lost = true;
      };
      res.on('end', lost);
      res.on('close', lost);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (!closing) client.lost = true;
      reject(error);
    });
    req.end();
  });
}

const handlers = {
  /** Opens every stream, `concurrency` at a time; returns how long it took and what failed. */
  connect: async (args: { base: string; specs: ClientSpec[]; concurrency: number }) => {
    agent = new Agent({ keepAlive: true, maxSockets: args.specs.length + 16 });
    const started = performance.now();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < args.specs.length) {
        const spec = args.specs[next++]!;
        try {
          clients.push(await open(args.base, spec));
        } catch (error) {
          failures.push(String((error as Error).message ?? error));
        }
      }
    };
    await Promise.all(Array.from({ length: args.concurrency }, worker));
    return { connected: clients.length, failures, ms: performance.now() - started };
  },
  /** Events seen so far (any client), for waiting until the last one is in. */
  seen: () => meta.size,
  /** CPU time of this process so far. */
  cpu: () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  },
  collect: (): { meta: EventMeta[]; logs: ClientLog[] } => ({
    meta: [...meta.values()],
    logs: clients.map((c) => ({
      cls: c.spec.cls,
      seqs: Float64Array.from(c.seqs),
      at: Float64Array.from(c.at),
      lost: c.lost,
    })),
  }),
};
export type ClientHandlers = typeof handlers;

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send)
  serveCalls(handlers, () => {
    closing = true;
    for (const c of clients) c.req?.destroy();
    agent?.destroy();
  });

export const forkClients = (name: string) => forkChild<ClientHandlers>(fileURLToPath(import.meta.url), name);
