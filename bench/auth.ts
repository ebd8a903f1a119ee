/**
 * `npm run bench:auth`: what each way of signing a request costs, in one run on one embedded database —
 * `GET /api/v1/pods` and `POST /api/v1/ideas` with an API token (the baseline), with an address-bound
 * token (the allowlist check), and with an SSO session cookie (session lookup, idle bookkeeping and,
 * for the write, the CSRF check); `GET /healthz` prices the HTTP layer alone. Phases alternate over
 * several rounds so background load hits them alike. Not run in CI. See docs/benchmarks.md.
 *
 * Environment: AUTH_SECONDS per phase and round (default 5), AUTH_ROUNDS (default 3),
 * AUTH_CONNECTIONS (default 10).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { type Ctx, SYSTEM_ACTOR } from '@clos/core';
import { composeCore, openPglite } from '@clos/db';
import autocannon from 'autocannon';
import { buildApp } from '../apps/server/src/app.ts';
import { envNumber, printMachine } from './machine.ts';
import { builtInPolicy } from './seed.ts';
import { markdownTable } from './stats.ts';

const SECONDS = envNumber('AUTH_SECONDS', 5);
const ROUNDS = Math.round(envNumber('AUTH_ROUNDS', 3));
const CONNECTIONS = Math.round(envNumber('AUTH_CONNECTIONS', 10));
const TOKEN = `bench_auth_${'x'.repeat(24)}`;

interface Phase {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

async function main() {
  const dir = await mkdtemp(join(os.tmpdir(), 'clos-bench-auth-'));
  const { config } = await builtInPolicy(process.cwd());
  const policy = {
    ...config,
    auth: {
      ...config.auth,
      oidc: { ...config.auth.oidc, roles: { engineering: 'admin' as const } },
      requireMfa: [],
    },
  };
  const database = await openPglite(dir);
  const core = composeCore({ database, policy });
  const { services } = core;
  await services.auth.bootstrap({ email: 'bench@bench.local', tokenValue: TOKEN });
  const system: Ctx = { actor: SYSTEM_ACTOR, requestId: null };
  const bound = await services.auth.createToken(system, {
    name: 'bound',
    role: 'admin',
    user: 'bench@bench.local',
    allowedCidrs: ['10.0.0.0/8', '192.168.0.0/16', '127.0.0.0/8'],
  });
  const signedIn = await services.signIn.signIn(
    {
      issuer: 'https://idp.bench',
      subject: 'bench',
      email: 'bench@bench.local',
      emailVerified: true,
      name: 'Bench',
      claims: { groups: ['engineering'] },
      amr: ['pwd', 'otp'],
      acr: null,
    },
    { ip: '127.0.0.1', userAgent: 'bench' },
  );
  if (!signedIn.ok) throw new Error(signedIn.message);
  const cookie = `clos_session=${signedIn.value}`;
  const csrf = services.signIn.csrfToken(signedIn.value);

  const app = await buildApp({ services, database });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const idea = JSON.stringify({ title: 'Benchmark idea' });
  const json = { 'content-type': 'application/json' };
  const phases: Phase[] = [
    { name: 'GET /healthz (no authentication)', method: 'GET', path: '/healthz', headers: {} },
    {
      name: 'GET /api/v1/pods, API token (baseline)',
      method: 'GET',
      path: '/api/v1/pods',
      headers: { authorization: `Bearer ${TOKEN}` },
    },
    {
      name: 'GET /api/v1/pods, address-bound token',
      method: 'GET',
      path: '/api/v1/pods',
      headers: { authorization: `Bearer ${bound.value}` },
    },
    {
      name: 'GET /api/v1/pods, SSO session cookie',
      method: 'GET',
      path: '/api/v1/pods',
      headers: { cookie },
    },
    {
      name: 'POST /api/v1/ideas, API token (baseline)',
      method: 'POST',
      path: '/api/v1/ideas',
      headers: { ...json, authorization: `Bearer ${TOKEN}` },
      body: idea,
    },
    {
      name: 'POST /api/v1/ideas, SSO session + CSRF',
      method: 'POST',
      path: '/api/v1/ideas',
      headers: { ...json, cookie, 'x-csrf-token': csrf },
      body: idea,
    },
  ];
  const results = new Map<string, { rps: number[]; p50: number[]; p99: number[]; errors: number }>();
  for (let round = 0; round < ROUNDS; round += 1)
    for (const phase of phases) {
      const r = await autocannon({
        url: `${base}${phase.path}`,
        method: phase.method,
        headers: phase.headers,
        ...(phase.body ? { body: phase.body } : {}),
        connections: CONNECTIONS,
        duration: SECONDS,
      });
      const entry = results.get(phase.name) ?? { rps: [], p50: [], p99: [], errors: 0 };
      entry.rps.push(r.requests.average);
      entry.p50.push(r.latency.p50);
      entry.p99.push(r.latency.p99);
      entry.errors += r.non2xx + r.errors;
      results.set(phase.name, entry);
    }
  await app.close();
  await database.close();
  await rm(dir, { recursive: true, force: true });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const baselineOf = (name: string) =>
    median(results.get(name.startsWith('POST') ? phases[4]!.name : phases[1]!.name)!.rps);
  printMachine(`${ROUNDS} rounds × ${SECONDS} s per phase, ${CONNECTIONS} connections, embedded database`);
  console.log('\n## Results (median of rounds)\n');
  console.log(
    markdownTable(
      ['request', 'req/s', 'p50 ms', 'p99 ms', 'vs token', 'non-2xx'],
      phases.map((p) => {
        const e = results.get(p.name)!;
        const rps = median(e.rps);
        return [
          p.name,
          rps.toFixed(0),
          median(e.p50).toFixed(1),
          median(e.p99).toFixed(1),
          p.path === '/healthz' ? '—' : `${(rps / baselineOf(p.name)).toFixed(2)}×`,
          String(e.errors),
        ];
      }),
    ),
  );
}

await main();
