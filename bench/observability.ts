/**
 * `npm run bench:observability`: what metrics and tracing cost a request, in one run on one embedded
 * database — the same app built three ways: without instrumentation (the baseline), with what every
 * server now runs (Prometheus metrics and the per-minute service record), and with OpenTelemetry
 * tracing on as well (spans exported over OTLP/HTTP to a local sink that discards them). Phases
 * alternate over several rounds so background load hits them alike. Also times a `/metrics` scrape
 * over a seeded organisation, uncached. Not run in CI. See docs/benchmarks.md.
 *
 * Environment: OBS_SECONDS per phase and round (default 5), OBS_ROUNDS (default 3),
 * OBS_CONNECTIONS (default 10).
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { type Ctx, combineInstrumentation, type Instrumentation, SYSTEM_ACTOR } from '@clos/core';
import { composeCore, createRepositories, openPglite } from '@clos/db';
import autocannon from 'autocannon';
import { API_VERSION, buildApp } from '../apps/server/src/app.ts';
import { createMetrics } from '../apps/server/src/observability/metrics.ts';
import { createServiceMinutes } from '../apps/server/src/observability/service-minutes.ts';
import { createTracingInstrumentation, startTracing } from '../apps/server/src/observability/tracing.ts';
import { envNumber, printMachine } from './machine.ts';
import { builtInPolicy } from './seed.ts';
import { markdownTable } from './stats.ts';

const SECONDS = envNumber('OBS_SECONDS', 5);
const ROUNDS = Math.round(envNumber('OBS_ROUNDS', 3));
const CONNECTIONS = Math.round(envNumber('OBS_CONNECTIONS', 10));
const TOKEN = `bench_obs_${'x'.repeat(24)}`;
const SCRAPES = 5;

type Variant = 'none' | 'metrics' | 'metrics + tracing';

async function main() {
  const dir = await mkdtemp(join(os.tmpdir(), 'clos-bench-obs-'));
  const { config: policy } = await builtInPolicy(process.cwd());
  const database = await openPglite(dir);

  // A sink for OTLP/HTTP: answers 200 and forgets, so export costs serialising and sending, not storing.
  let exportedRequests = 0;
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      exportedRequests += 1;
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkPort = (sink.address() as { port: number }).port;

  const metrics = createMetrics({ database, policy, version: API_VERSION });
  const repos = createRepositories(database.db, randomUUID);
  const minutes = createServiceMinutes({
    instance: 'bench',
    record: (row) => repos.serviceMinutes.record(row),
    selfCheck: async () => true,
    onError: () => {},
  });
  minutes.start();
  const observed = combineInstrumentation(metrics.instrumentation, minutes.instrumentation);

  const build = async (instrumentation: Instrumentation | undefined, tracing: boolean) => {
    const core = composeCore({ database, policy, instrumentation });
    const app = await buildApp({
      services: core.services,
      database,
      instrumentation: core.instrumentation,
      metrics: instrumentation ? metrics : undefined,
      tracing,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, core };
  };
  const plain = await build(undefined, false);
  await plain.core.services.auth.bootstrap({ email: 'bench@bench.local', tokenValue: TOKEN });
  const system: Ctx = { actor: SYSTEM_ACTOR, requestId: null };
  // An organisation for the scrape to read: 8 pods, 25 projects each.
  for (let p = 0; p < 8; p += 1) {
    const slug = `pod-${p}`;
    await plain.core.services.pods.register(system, { slug, name: `Pod ${p}`, timezone: 'UTC' });
    await plain.core.services.wip.setLimit(system, slug, 'project', 100);
    for (let i = 0; i < 25; i += 1)
      await plain.core.services.stages.create(system, { name: `Project ${p}-${i}`, pod: slug });
  }
  const withMetrics = await build(observed, false);

  const auth = { authorization: `Bearer ${TOKEN}` };
  const idea = JSON.stringify({ title: 'Benchmark idea' });
  const phases = [
    { name: 'GET /api/v1/pods', method: 'GET' as const, path: '/api/v1/pods', headers: auth },
    {
      name: 'POST /api/v1/ideas',
      method: 'POST' as const,
      path: '/api/v1/ideas',
      headers: { ...auth, 'content-type': 'application/json' },
      body: idea,
    },
  ];
  const results = new Map<string, { rps: number[]; p50: number[]; p99: number[]; errors: number }>();
  const measure = async (variant: Variant, base: string) => {
    for (const phase of phases) {
      const r = await autocannon({
        url: `${base}${phase.path}`,
        method: phase.method,
        headers: phase.headers,
        ...(phase.body ? { body: phase.body } : {}),
        connections: CONNECTIONS,
        duration: SECONDS,
      });
      const key = `${phase.name}|${variant}`;
      const entry = results.get(key) ?? { rps: [], p50: [], p99: [], errors: 0 };
      entry.rps.push(r.requests.average);
      entry.p50.push(r.latency.p50);
      entry.p99.push(r.latency.p99);
      entry.errors += r.non2xx + r.errors;
      results.set(key, entry);
    }
  };
  for (let round = 0; round < ROUNDS; round += 1) {
    await measure('none', plain.base);
    await measure('metrics', withMetrics.base);
  }

  // The scrape, uncached: each waits out the 5 s cache, as a Prometheus scraping every 15 s would.
  const scrapeMs: number[] = [];
  for (let i = 0; i < SCRAPES; i += 1) {
    await new Promise((r) => setTimeout(r, 5_100));
    const t = performance.now();
    const res = await fetch(`${withMetrics.base}/metrics`, { headers: auth });
    await res.text();
    scrapeMs.push(performance.now() - t);
  }

  // Tracing on from here (the SDK is process-wide): the traced app, and the metrics-only app again.
  // The SDK reads its settings from the process's environment, as in a server.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${sinkPort}`;
  process.env.OTEL_SERVICE_NAME = 'clos-bench';
  const sdk = await startTracing(process.env);
  const traced = await build(combineInstrumentation(createTracingInstrumentation(), observed), true);
  for (let round = 0; round < ROUNDS; round += 1) await measure('metrics + tracing', traced.base);
  await sdk?.shutdown().catch((error) => console.error('trace export did not flush:', error));

  for (const a of [plain, withMetrics, traced]) await a.app.close();
  await minutes.stop();
  await database.close();
  sink.close();
  await rm(dir, { recursive: true, force: true });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  printMachine(`${ROUNDS} rounds × ${SECONDS} s per phase, ${CONNECTIONS} connections, embedded database`);
  console.log('\n## Results (median of rounds)\n');
  const rows: string[][] = [];
  for (const phase of phases) {
    const base = median(results.get(`${phase.name}|none`)!.rps);
    for (const variant of ['none', 'metrics', 'metrics + tracing'] as Variant[]) {
      const e = results.get(`${phase.name}|${variant}`)!;
      const rps = median(e.rps);
      rows.push([
        phase.name,
        variant,
        rps.toFixed(0),
        median(e.p50).toFixed(1),
        median(e.p99).toFixed(1),
        `${(rps / base).toFixed(2)}×`,
        String(e.errors),
      ]);
    }
  }
  console.log(
    markdownTable(['request', 'instrumentation', 'req/s', 'p50 ms', 'p99 ms', 'vs none', 'non-2xx'], rows),
  );
  const sorted = [...scrapeMs].sort((a, b) => a - b);
  console.log(
    `\n/metrics over 8 pods × 25 projects, uncached: median ${median(sorted).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms (${sorted.length} scrapes); OTLP export requests received: ${exportedRequests}`,
  );
}

await main();
