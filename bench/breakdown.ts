/**
 * `npx tsx bench/breakdown.ts`: prices each layer of the two hot requests separately, in this process,
 * on one seeded CLOS database — raw SQL, Drizzle, the use case, authentication, serialization, the
 * whole request through Fastify's inject (no sockets), and the same for the baseline routes mounted on
 * the same database. Operations run in interleaved rounds, so background load on a shared machine hits
 * them alike; the minimum over rounds is the least disturbed figure. Not run in CI.
 *
 * Environment: BREAKDOWN_ROUNDS (default 7), BREAKDOWN_ITERATIONS per round (default 40),
 * BREAKDOWN_OPEN_LOCKS for the scaling part (default 2000).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { podStatusSchema } from '@clos/contract';
import type { Ctx } from '@clos/core';
import { composeServices, createRepositories, type Database, openPglite, schema } from '@clos/db';
import { type PGlite, type QueryOptions, types } from '@electric-sql/pglite';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { toJson } from '../apps/server/src/http/json.ts';
import {
  acquireSql,
  type BaselineActor,
  buildBaselineApp,
  releaseSql,
  STATUS_ONE_STATEMENT,
  seedBaseline,
  statusSql,
} from './baseline.ts';
import { builtInPolicy, MEMBERS, PROJECTS, seedClos, startClos } from './seed.ts';
import { markdownTable } from './stats.ts';

function envNumber(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: must be a positive whole number`);
  return n;
}
const ROUNDS = envNumber('BREAKDOWN_ROUNDS', 7);
const ITERATIONS = envNumber('BREAKDOWN_ITERATIONS', 40);
const OPEN_LOCKS = envNumber('BREAKDOWN_OPEN_LOCKS', 2000);
const DEADLINE_MS = 170_000;

/** What drizzle-orm/pglite passes with every query (see its session.js): array rows, raw dates. */
const identity = (v: string) => v;
const DRIZZLE_QUERY_OPTIONS: QueryOptions = {
  rowMode: 'array',
  parsers: {
    [types.TIMESTAMP]: identity,
    [types.TIMESTAMPTZ]: identity,
    [types.INTERVAL]: identity,
    [types.DATE]: identity,
    1231: identity,
    1115: identity,
    1185: identity,
    1187: identity,
    1182: identity,
  },
};

interface Op {
  group: string;
  name: string;
  run: () => Promise<unknown> | unknown;
}

/** Mean µs per call of each op, per round; rounds interleave the ops. The first round is warm-up. */
async function measure(ops: Op[]): Promise<Map<Op, number[]>> {
  const samples = new Map<Op, number[]>(ops.map((o) => [o, []]));
  for (let round = 0; round <= ROUNDS; round++)
    for (const op of ops) {
      const t0 = performance.now();
      for (let i = 0; i < ITERATIONS; i++) await op.run();
      if (round > 0) samples.get(op)!.push(((performance.now() - t0) * 1000) / ITERATIONS);
    }
  return samples;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const us = (v: number) => `${v.toFixed(0)} µs`;

function print(samples: Map<Op, number[]>) {
  const rows = [...samples].map(([op, xs]) => [op.group, op.name, us(median(xs)), us(Math.min(...xs))]);
  console.log(markdownTable(['Request', 'Operation', 'median', 'min'], rows));
}

async function main() {
  const root = await mkdtemp(join(os.tmpdir(), 'clos-breakdown-'));
  const clos = await startClos(join(root, 'clos'), root);
  const watchdog = setTimeout(() => {
    console.error('breakdown: gave up');
    void clos
      .close()
      .then(() => rm(root, { recursive: true, force: true }))
      .finally(() => process.exit(2));
  }, DEADLINE_MS);
  try {
    const token = await seedClos(clos.url);
    const { config, baseline: policy } = await builtInPolicy(root);
    const database = clos.database as Database & { client: PGlite };
    const client = database.client;
    // The same composition the server runs, over the same database.
    const services = composeServices({ database, policy: config });
    const authenticated = await services.auth.authenticate(token);
    if (!authenticated.ok) throw new Error('bench token does not authenticate');
    const { actor } = authenticated;
    const ctx: Ctx = { actor, requestId: 'breakdown' };
    const baselineActor: BaselineActor = { userId: actor.userId!, label: actor.label };
    const baselineApp = buildBaselineApp(client, policy, baselineActor);
    await baselineApp.ready();
    const app: FastifyInstance = clos.app;
    const auth = { authorization: `Bearer ${token}` };
    const serialize = serializerCompiler({
      schema: podStatusSchema,
      method: 'GET',
      url: '/status',
    } as never) as (data: unknown) => string;
    const status = toJson(await services.pods.getStatus(ctx, 'bench'));
    const repos = createRepositories(database.db, randomUUID);
    const pod = (await repos.pods.bySlug('bench'))!;
    // The same rows in an in-memory PGlite: what the data directory's file I/O costs.
    const memory = await openPglite(undefined);
    await seedBaseline(memory.client, policy, { members: MEMBERS, projects: PROJECTS, limits: {} });
    const podBySlugPrepared = database.db
      .select()
      .from(schema.pods)
      .where(eq(schema.pods.slug, sql.placeholder('slug')))
      .prepare('bench_pod_by_slug');
    const POD_SQL = `select "id", "slug", "name", "timezone", "created_at" from "pods" where "pods"."slug" = $1`;

    let n = 0;
    const item = () => `breakdown-${++n}`;
    const injectPair = async (target: FastifyInstance, headers: Record<string, string>) => {
      const acquired = await target.inject({
        method: 'POST',
        url: '/api/v1/pods/bench/wip/pull-request/locks',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ itemId: item() }),
      });
      if (acquired.statusCode !== 201) throw new Error(`acquire → ${acquired.statusCode}: ${acquired.body}`);
      const { id } = acquired.json() as { id: string };
      const released = await target.inject({ method: 'DELETE', url: `/api/v1/wip-locks/${id}`, headers });
      if (released.statusCode !== 200) throw new Error(`release → ${released.statusCode}: ${released.body}`);
    };
    const sqlPair = async () => {
      const a = await acquireSql(client, policy, baselineActor, {
        slug: 'bench',
        itemType: 'pull-request',
        itemId: item(),
        requestId: 'breakdown',
      });
      await releaseSql(client, baselineActor, { id: (a.body as { id: string }).id, requestId: 'breakdown' });
    };
    const useCasePair = async () => {
      const a = await services.wip.acquire(ctx, 'bench', 'pull-request', item());
      if (!a.ok) throw new Error('acquire refused');
      await services.wip.release(ctx, a.value.lock.id);
    };

    const ops: Op[] = [
      { group: 'one query', name: 'pod by slug, raw PGlite', run: () => client.query(POD_SQL, ['bench']) },
      {
        group: 'one query',
        name: "pod by slug, raw PGlite + Drizzle's query options",
        run: () => client.query(POD_SQL, ['bench'], DRIZZLE_QUERY_OPTIONS),
      },
      {
        group: 'one query',
        name: 'pod by slug, through Drizzle',
        run: () => database.db.select().from(schema.pods).where(eq(schema.pods.slug, 'bench')),
      },
      {
        group: 'one query',
        name: 'pod by slug, Drizzle prepared (.prepare(), built once)',
        run: () => podBySlugPrepared.execute({ slug: 'bench' }),
      },
      {
        group: 'status',
        name: 'SQL, raw PGlite (the baseline)',
        run: () => statusSql(client, policy, 'bench'),
      },
      {
        group: 'status',
        name: "SQL, raw PGlite + Drizzle's query options",
        run: () => statusSql(client, policy, 'bench', DRIZZLE_QUERY_OPTIONS),
      },
      {
        group: 'status',
        name: 'SQL, raw, in-memory PGlite (no data directory)',
        run: () => statusSql(memory.client, policy, 'bench'),
      },
      {
        group: 'status',
        name: 'the same reads as one statement, raw PGlite',
        run: () => client.query(STATUS_ONE_STATEMENT, ['bench']),
      },
      {
        group: 'status',
        name: 'pods.getStatus() use case (Drizzle)',
        run: () => services.pods.getStatus(ctx, 'bench'),
      },
      { group: 'status', name: 'auth.authenticate(token)', run: () => services.auth.authenticate(token) },
      { group: 'status', name: 'toJson(result)', run: () => toJson(status) },
      { group: 'status', name: 'Zod response serializer', run: () => serialize(status) },
      { group: 'status', name: 'JSON.stringify (what the baseline does)', run: () => JSON.stringify(status) },
      {
        group: 'status',
        name: 'whole request, CLOS app.inject',
        run: () => app.inject({ method: 'GET', url: '/api/v1/pods/bench/status', headers: auth }),
      },
      {
        group: 'status',
        name: 'whole request, baseline app.inject',
        run: () => baselineApp.inject({ method: 'GET', url: '/api/v1/pods/bench/status' }),
      },
      { group: 'acquire+release', name: 'SQL, raw PGlite (the baseline)', run: sqlPair },
      { group: 'acquire+release', name: 'wip.acquire() + wip.release() use cases', run: useCasePair },
      { group: 'acquire+release', name: 'whole requests, CLOS app.inject', run: () => injectPair(app, auth) },
      {
        group: 'acquire+release',
        name: 'whole requests, baseline app.inject',
        run: () => injectPair(baselineApp, {}),
      },
    ];

    console.log(
      `breakdown: ${ROUNDS} rounds × ${ITERATIONS} calls per operation; CPU ${os.cpus()[0]?.model} × ${os.cpus().length}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)}\n`,
    );
    print(await measure(ops));

    // acquireInTx reads every open holder of the type to count them; price that as they accumulate.
    await client.query(
      `insert into "wip_locks" ("id", "pod_id", "item_type", "item_id", "acquired_by", "acquired_at")
       select gen_random_uuid(), $1, 'pull-request', 'open-' || g, $2, now() from generate_series(1, $3::int) g`,
      [pod.id, actor.userId, OPEN_LOCKS],
    );
    const open = `${OPEN_LOCKS.toLocaleString('en')} open`;
    console.log(`\nWith ${open} pull-request locks in the pod:\n`);
    print(
      await measure([
        { group: open, name: 'acquire+release, raw PGlite (the baseline)', run: sqlPair },
        { group: open, name: 'acquire+release, use cases', run: useCasePair },
        {
          group: open,
          name: 'repos.wip.openLocks() (Drizzle, all rows)',
          run: () => repos.wip.openLocks(pod.id, 'pull-request'),
        },
        {
          group: open,
          name: 'select count(*) of the same rows, raw',
          run: () =>
            client.query(
              `select count(*) from "wip_locks" where "pod_id" = $1 and "item_type" = $2 and "released_at" is null`,
              [pod.id, 'pull-request'],
            ),
        },
      ]),
    );
    await baselineApp.close();
    await memory.close();
  } finally {
    clearTimeout(watchdog);
    await clos.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
