/**
 * The load generator, run as a child process (see `startLoadGenerator`). It must not share an event
 * loop with the server under test: autocannon's own parsing would then count as server latency and
 * steal the server's CPU time. In a child it gets the machine's second core.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface LoadJob {
  label: string;
  /** Origin of the server, e.g. http://127.0.0.1:4000 */
  url: string;
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  connections: number;
  /** Requests per second over all connections; absent means as fast as the server answers. */
  overallRate?: number;
  /** Seconds; or `amount` requests, stopped after `maxSeconds` if the server is too slow for them. */
  duration?: number;
  amount?: number;
  maxSeconds?: number;
  /** A fixed path… */
  path?: string;
  /** …or one path per request, in order (wrapping around). */
  paths?: string[];
  /** Each request gets a fresh body {"itemId": "<prefix>-<n>"}. */
  uniqueItemPrefix?: string;
  /** Collect `id` from each 201 body (the acquired locks, for the release scenario). */
  captureIds?: boolean;
  /**
   * One body per request, in order (wrapping around like `paths`): prepared by the caller, e.g.
   * signed webhook deliveries, so that building them costs the generator nothing during the run.
   */
  bodies?: string[];
  /** Headers per request, in the same order as `bodies`, over `headers` (e.g. each delivery's id and signature). */
  headersPerRequest?: Record<string, string>[];
  /**
   * A mixed load instead: every connection sends these in turn, over and over (nine reads then a
   * write is a 90/10 mix). A step with `itemPrefix` gets a fresh `{"itemId"}` body each time.
   */
  sequence?: { method: 'GET' | 'POST' | 'DELETE'; path: string; itemPrefix?: string }[];
}

export interface LoadResult {
  label: string;
  seconds: number;
  total: number;
  /** Completed responses per second of wall-clock run time. */
  rps: number;
  /** Per response, in completion order, in milliseconds. */
  latencies: number[];
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  ids: string[];
  /** CPU time the load generator itself used, in milliseconds. */
  cpuMs: number;
}

type Message = { job: LoadJob } | { exit: true };

async function run(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const ids: string[] = [];
  let n = 0;
  let next = 0;
  let nextPrepared = 0;
  const path = job.path ?? job.paths?.[0] ?? '/';
  const request: autocannon.Request = {
    method: job.method,
    path,
    setupRequest: (req) => {
      if (job.uniqueItemPrefix) req.body = JSON.stringify({ itemId: `${job.uniqueItemPrefix}-${++n}` });
      if (job.paths?.length) req.path = job.paths[next++ % job.paths.length]!;
      if (job.bodies?.length || job.headersPerRequest?.length) {
        const i = nextPrepared++;
        if (job.bodies?.length) req.body = job.bodies[i % job.bodies.length]!;
        if (job.headersPerRequest?.length)
          req.headers = { ...req.headers, ...job.headersPerRequest[i % job.headersPerRequest.length]! };
      }
      return req;
    },
  };
  if (job.captureIds)
    request.onResponse = (status, body) => {
      if (status === 201) ids.push((JSON.parse(body) as { id: string }).id);
    };
  const requests: autocannon.Request[] = job.sequence
    ? job.sequence.map((step) => ({
        method: step.method,
        path: step.path,
        ...(step.itemPrefix
          ? {
              headers: { ...job.headers, 'content-type': 'application/json' },
              setupRequest: (req: autocannon.Request) => {
                req.body = JSON.stringify({ itemId: `${step.itemPrefix}-${++n}` });
                return req;
              },
            }
          : {}),
      }))
    : [request];
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  // The callback form: it returns the instance (with its 'response' event) rather than a promise.
  let instance: autocannon.Instance | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        ...(job.overallRate ? { overallRate: job.overallRate } : {}),
        ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.duration ?? 10 }),
        // Only with a body: Fastify answers 400 to a bodiless request that claims to be JSON.
        headers: job.uniqueItemPrefix ? { 'content-type': 'application/json', ...job.headers } : job.headers,
        requests,
        timeout: 10,
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
    if (job.maxSeconds) {
      const stopper = setTimeout(() => instance?.stop(), job.maxSeconds * 1000);
      instance.on('done', () => clearTimeout(stopper));
    }
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = stat.count ?? 0;
  return {
    label: job.label,
    seconds,
    total: latencies.length,
    rps: latencies.length / seconds,
    latencies,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    ids,
    cpuMs: (used.user + used.system) / 1000,
  };
}

const isChild = process.argv[1] === fileURLToPath(import.meta.url);
if (isChild && process.send) {
  process.on('message', (message: Message) => {
    if ('exit' in message) process.exit(0);
    run(message.job).then(
      (result) => process.send!({ result }),
      (error: unknown) => process.send!({ error: String((error as Error).stack ?? error) }),
    );
  });
  // The parent died or let go of us: nothing left to do.
  process.on('disconnect', () => process.exit(0));
}

export interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>;
  close(): void;
}

/** Forks this file; `tsx`'s loader flags are inherited through `process.execArgv`. */
export function startLoadGenerator(): LoadGenerator {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], { stdio: 'inherit' });
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
        child.once('exit', onExit);
        child.once('message', (m: { result?: LoadResult; error?: string }) => {
          child.off('exit', onExit);
          if (m.result) resolve(m.result);
          else reject(new Error(`load generator failed: ${m.error}`));
        });
        child.send({ job } satisfies Message);
      }),
    close: () => {
      if (child.connected) child.send({ exit: true } satisfies Message);
      setTimeout(() => child.kill(), 1000).unref();
    },
  };
}
