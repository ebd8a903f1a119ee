/**
 * `npx tsx bench/graphql-abuse.ts`: the request from issue 9's security review, against a real server
 * process on a fresh embedded database. A viewer's token sends `{ t0: __schema { ...F } t1: … }` with
 * ABUSE_ALIASES aliases (default 2400) and a fragment walking every type, field and argument,
 * ABUSE_PARALLEL times at once (default 1), ABUSE_ROUNDS times in a row (default 1), while `/healthz` is polled every 100 ms from this process.
 * Prints each attack's status, time and response size, the slowest `/healthz` answer and the server's
 * peak RSS (VmHWM). Figures, not assertions; not run in CI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ALIASES = Number(process.env.ABUSE_ALIASES ?? 2400);
const PARALLEL = Number(process.env.ABUSE_PARALLEL ?? 1);
const ROUNDS = Number(process.env.ABUSE_ROUNDS ?? 1);
const ADMIN = 'clos_bench_admin_token_0123456789abcdef';

const FRAGMENT = `fragment F on __Schema {
  types {
    name kind description
    fields(includeDeprecated: true) {
      name description isDeprecated deprecationReason
      args { name description defaultValue type { name kind ofType { name kind ofType { name kind } } } }
      type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }
    }
    inputFields { name description defaultValue type { name kind ofType { name kind } } }
    interfaces { name } possibleTypes { name }
    enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  }
  directives { name description locations args { name type { name kind } } }
}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function memory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'clos-abuse-'));
const child = spawn(
  process.execPath,
  ['--import', import.meta.resolve('tsx'), join(ROOT, 'apps/server/src/main.ts'), '--data-dir', dataDir],
  {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', CLOS_ADMIN_TOKEN: ADMIN, CLOS_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (i > 1200) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const call = async (path: string, body: unknown, token = ADMIN) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };
  await call('/api/v1/users', { email: 'viewer@example.com', name: 'Viewer', role: 'viewer' });
  const viewer = JSON.parse(
    (await call('/api/v1/tokens', { name: 'viewer', role: 'viewer', user: 'viewer@example.com' })).body,
  ).value as string;

  const before = memory(child.pid!);
  const aliases = Array.from({ length: ALIASES }, (_, i) => `t${i}: __schema { ...F }`).join(' ');
  const query = `{ ${aliases} }\n${FRAGMENT}`;

  let polling = true;
  let slowestHealthz = 0;
  let peakDuringMb = 0;
  let healthzFailures = 0;
  const poller = (async () => {
    while (polling && child.exitCode === null) {
      const start = performance.now();
      try {
        await fetch(`${base}/healthz`).then((r) => r.text());
      } catch {
        healthzFailures += 1;
      }
      slowestHealthz = Math.max(slowestHealthz, performance.now() - start);
      if (child.exitCode === null) peakDuringMb = Math.max(peakDuringMb, memory(child.pid!).rssMb);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const started = performance.now();
  const results = [];
  for (let round = 0; round < ROUNDS; round++)
    results.push(
      ...(await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          const t0 = performance.now();
          const res = await call('/graphql', { query }, viewer).catch((error: Error) => ({
            status: 0,
            body: `${error.message}: ${(error.cause as Error | undefined)?.message}`,
          }));
          let summary = '';
          try {
            const errors = JSON.parse(res.body).errors as {
              extensions?: { code?: string };
              message: string;
            }[];
            if (errors?.length) summary = `${errors[0]!.extensions?.code}: ${errors[0]!.message}`;
          } catch {
            if (res.status === 0) summary = res.body;
          }
          return {
            status: res.status,
            ms: Math.round(performance.now() - t0),
            bytes: res.body.length,
            summary: summary.slice(0, 200),
          };
        }),
      )),
    );
  const total = Math.round(performance.now() - started);
  await new Promise((r) => setTimeout(r, 300));
  polling = false;
  await poller;
  const after = child.exitCode === null ? memory(child.pid!) : { rssMb: 0, peakMb: 0 };
  console.log(
    JSON.stringify(
      {
        aliases: ALIASES,
        parallel: PARALLEL,
        queryChars: query.length,
        results,
        totalMs: total,
        slowestHealthzMs: Math.round(slowestHealthz),
        healthzFailures,
        serverExit: child.exitCode ?? child.signalCode,
        rssBeforeMb: before.rssMb,
        rssPeakDuringMb: peakDuringMb,
        rssAfterMb: after.rssMb,
        vmHwmMb: after.peakMb,
      },
      null,
      2,
    ),
  );
} finally {
  child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}
