/**
 * The baseline: the same SQL statements the CLOS endpoints run (copied from what Drizzle sends for
 * packages/db/src/repos/*.ts), as raw queries through the PGlite client or a `pg` pool, behind a bare Fastify
 * app — no auth hook, no Zod validation or serialization, no OpenAPI, no use-case layer, no Drizzle.
 * The gap between the two is what those layers cost.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { openPglite } from '@clos/db';
import type { PGlite, QueryOptions } from '@electric-sql/pglite';
import Fastify, { type FastifyInstance } from 'fastify';

const LOCK_COLUMNS = `"id", "pod_id", "item_type", "item_id", "acquired_by", "acquired_at", "released_at", "released_by", "label", "url"`;
const JOINED_LOCK_COLUMNS = LOCK_COLUMNS.replaceAll('"', '')
  .split(', ')
  .map((c) => `"wip_locks"."${c}"`)
  .join(', ');
const SLOT_COUNTS = `(select count(*) from "wip_locks" where ("wip_locks"."pod_id" = $1 and "wip_locks"."item_type" = $2 and "wip_locks"."released_at" is null)), (select "wip_limits"."limit" from "wip_limits" where ("wip_limits"."pod_id" = $3 and "wip_limits"."item_type" = $4)), (select count(*) from "wip_queue" where ("wip_queue"."pod_id" = $5 and "wip_queue"."item_type" = $6))`;
const POD_COLUMNS = `"id", "slug", "name", "timezone", "created_at"`;

interface LockRow {
  id: string;
  pod_id: string;
  item_type: string;
  item_id: string;
  acquired_by: string | null;
  acquired_at: Date;
  released_at: Date | null;
  released_by: string | null;
  label: string | null;
  url: string | null;
}
interface PodRow {
  id: string;
  slug: string;
  name: string;
  timezone: string;
  created_at: Date;
}

/**
 * Every statement the three endpoints run, verbatim as Drizzle sends them; parity.ts checks that
 * against the running code, so an edit to a repository cannot silently leave the baseline behind.
 */
export const SQL = {
  podBySlug: `select ${POD_COLUMNS} from "pods" where "pods"."slug" = $1`,
  lockScope: `select pg_advisory_xact_lock(hashtextextended($1, 0))`,
  // The pod and its (pod, type) WIP scope in one statement: an acquire's first.
  podInScope: `select "id", "slug", "name", "timezone", "created_at", pg_advisory_xact_lock(hashtextextended('wip:' || "id"::text || ':' || $1, 0)) from "pods" where "pods"."slug" = $2`,
  slotState: `select ${JOINED_LOCK_COLUMNS}, ${SLOT_COUNTS} from "pods" left join "wip_locks" on ("wip_locks"."pod_id" = "pods"."id" and ("wip_locks"."pod_id" = $7 and "wip_locks"."item_type" = $8 and "wip_locks"."released_at" is null) and "wip_locks"."item_id" = $9) where "pods"."id" = $10`,
  storedLimits: `select "item_type", "limit" from "wip_limits" where "wip_limits"."pod_id" = $1`,
  openLocks: `select ${LOCK_COLUMNS} from "wip_locks" where ("wip_locks"."pod_id" = $1 and "wip_locks"."item_type" = $2 and "wip_locks"."released_at" is null) order by "wip_locks"."acquired_at" asc`,
  insertLock: `insert into "wip_locks" (${LOCK_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
  lockById: `select ${LOCK_COLUMNS} from "wip_locks" where "wip_locks"."id" = $1`,
  // The lock, its pod and its (pod, type) WIP scope in one statement: a release's first.
  lockInScope: `select ${JOINED_LOCK_COLUMNS}, "pods"."id", "pods"."slug", "pods"."name", "pods"."timezone", "pods"."created_at", pg_advisory_xact_lock(hashtextextended('wip:' || "wip_locks"."pod_id"::text || ':' || "wip_locks"."item_type", 0)) from "wip_locks" inner join "pods" on "pods"."id" = "wip_locks"."pod_id" where "wip_locks"."id" = $1`,
  // The release, and how many wait in its line (the line is read further only when someone does).
  release: `with released as (update "wip_locks" set "released_at" = $1, "released_by" = $2 where ("wip_locks"."id" = $3 and "wip_locks"."released_at" is null) returning "pod_id", "item_type") select count(*)::int as released, (select count(*)::int from "wip_queue" q join released r on q.pod_id = r.pod_id and q.item_type = r.item_type) as queued from released`,
  // The audit row and the outbox row in one statement, as the unit of work flushes them before commit.
  recordChange: `with audited as (insert into "audit_pending" ("position", "id", "occurred_at", "actor_id", "actor_label", "action", "subject_type", "subject_id", "before", "after", "reason", "request_id") values (default, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)) insert into "domain_events" ("id", "seq", "position", "type", "pod_id", "subject_type", "subject_id", "actor_id", "data", "occurred_at", "trace_context", "dispatched_at") values ($12, default, default, $13, $14, $15, $16, $17, $18, $19, $20, default)`,
  members: `select "pod_members"."pod_id", "pod_members"."user_id", "pod_members"."pod_role", "pod_members"."joined_at", "pod_members"."left_at", "users"."email", "users"."name", "users"."role" from "pod_members" inner join "users" on "users"."id" = "pod_members"."user_id" where ("pod_members"."pod_id" = $1 and "pod_members"."left_at" is null) order by "pod_members"."joined_at" asc, "users"."email" asc`,
  countOpen: `select "item_type", count(*) from "wip_locks" where ("wip_locks"."pod_id" = $1 and "wip_locks"."released_at" is null) group by "wip_locks"."item_type"`,
  projectsPerStage: `select "current_stage", count(*) from "projects" where ("projects"."pod_id" = $1 and "projects"."closed_at" is null) group by "projects"."current_stage"`,
  latestHealth: `select "id", "pod_id", "metrics", "components", "score", "source", "recorded_by", "recorded_at" from "pod_health_snapshots" where "pod_health_snapshots"."pod_id" = $1 order by "pod_health_snapshots"."recorded_at" desc limit $2`,
} as const;

/** The statements of each endpoint, in order (status: the pod, then its five reads). */
export const ENDPOINT_SQL = {
  acquire: [SQL.podInScope, SQL.slotState, SQL.insertLock, SQL.recordChange],
  release: [SQL.lockInScope, SQL.release, SQL.recordChange],
  status: [
    SQL.podBySlug,
    SQL.members,
    SQL.countOpen,
    SQL.storedLimits,
    SQL.projectsPerStage,
    SQL.latestHealth,
  ],
};

const lockJson = (l: LockRow) => ({
  id: l.id,
  podId: l.pod_id,
  itemType: l.item_type,
  itemId: l.item_id,
  acquiredBy: l.acquired_by,
  acquiredAt: l.acquired_at,
  releasedAt: l.released_at,
  releasedBy: l.released_by,
  label: l.label,
  url: l.url,
});
const podJson = (p: PodRow) => ({
  id: p.id,
  slug: p.slug,
  name: p.name,
  timezone: p.timezone,
  createdAt: p.created_at,
});

export interface BaselinePolicy {
  wipTypes: { name: string; defaultLimit: number }[];
  stages: string[];
}

export interface BaselineSeed {
  members: number;
  projects: number;
  limits: Record<string, number>;
  /** More pods (`bench-1`, `bench-2`, …) with the same limits and nothing else, for spreading writes. */
  extraPods?: number;
}

/** The slugs of the seeded pods: `bench`, then the extra ones. */
export const benchPodSlugs = (extraPods = 0) => [
  'bench',
  ...Array.from({ length: extraPods }, (_, i) => `bench-${i + 1}`),
];

export interface RunningBaseline {
  url: string;
  close(): Promise<void>;
}

/**
 * What a query answers, on either client: PGlite's and `pg`'s results both carry `rows`. The baseline
 * runs over PGlite (bench/run.ts) or PostgreSQL (bench/pg.ts) through this much of a client.
 */
export interface SqlQueryable {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    options?: { rowMode: 'array' },
  ): Promise<{ rows: T[] }>;
}

/** The lock in a row read as an array (its first ten columns; null when a left join found none). */
function lockFrom(row: unknown[]): LockRow | null {
  const [id, pod_id, item_type, item_id, acquired_by, acquired_at, released_at, released_by, label, url] =
    row as [
      string | null,
      string,
      string,
      string,
      string | null,
      Date,
      Date | null,
      string | null,
      string | null,
      string | null,
    ];
  return id === null
    ? null
    : { id, pod_id, item_type, item_id, acquired_by, acquired_at, released_at, released_by, label, url };
}

/** A slot-state row (as arrays: its three counts would share a name): the lock's columns, then the counts. */
function slotRow(row: unknown[]) {
  const stored = row[11];
  return {
    existing: lockFrom(row),
    used: Number(row[10]),
    storedLimit: stored === null ? null : Number(stored),
    queued: Number(row[12]),
  };
}
export interface SqlClient extends SqlQueryable {
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/**
 * The audit record of repos/audit.ts: the event, unsealed, and the outbox row CLOS writes with every
 * audited change (the relay that seals the one and dispatches the other is CLOS's own extra work, not
 * reproduced here).
 */
async function recordAudit(
  tx: SqlQueryable,
  e: {
    at: Date;
    actorId: string;
    actorLabel: string;
    action: string;
    subjectType: string;
    subjectId: string;
    before: unknown;
    after: unknown;
    requestId: string;
    podId: string;
  },
) {
  const before = e.before === null ? null : JSON.parse(JSON.stringify(e.before));
  const after = e.after === null ? null : JSON.parse(JSON.stringify(e.after));
  await tx.query(SQL.recordChange, [
    randomUUID(),
    e.at.toISOString(),
    e.actorId,
    e.actorLabel,
    e.action,
    e.subjectType,
    e.subjectId,
    before === null ? null : JSON.stringify(before),
    after === null ? null : JSON.stringify(after),
    null,
    e.requestId,
    randomUUID(),
    e.action,
    e.podId,
    e.subjectType,
    e.subjectId,
    e.actorId,
    JSON.stringify({
      actor: e.actorLabel,
      ...(before === null ? {} : { before }),
      ...(after === null ? {} : { after }),
    }),
    e.at.toISOString(),
    null,
  ]);
}

/** Rows comparable to what run.ts creates through the CLOS API, written directly. */
export async function seedBaseline(client: SqlQueryable, policy: BaselinePolicy, s: BaselineSeed) {
  const now = new Date().toISOString();
  const podId = randomUUID();
  const devId = randomUUID();
  await client.query(
    `insert into "pods" ("id", "slug", "name", "timezone", "created_at", "updated_at") values ($1, 'bench', 'Bench', 'UTC', $2, $2)`,
    [podId, now],
  );
  for (let i = 0; i < s.members; i++) {
    const id = i === 0 ? devId : randomUUID();
    await client.query(
      `insert into "users" ("id", "email", "name", "role", "created_at") values ($1, $2, $3, 'developer', $4)`,
      [id, i === 0 ? 'dev@bench.local' : `member-${i}@bench.local`, `Member ${i}`, now],
    );
    await client.query(
      `insert into "pod_members" ("id", "pod_id", "user_id", "pod_role", "joined_at") values ($1, $2, $3, $4, $5)`,
      [randomUUID(), podId, id, i === 1 ? 'lead' : 'member', now],
    );
  }
  for (const [itemType, limit] of Object.entries(s.limits))
    await client.query(
      `insert into "wip_limits" ("pod_id", "item_type", "limit", "updated_at") values ($1, $2, $3, $4)`,
      [podId, itemType, limit, now],
    );
  for (const slug of benchPodSlugs(s.extraPods).slice(1)) {
    const id = randomUUID();
    await client.query(
      `insert into "pods" ("id", "slug", "name", "timezone", "created_at", "updated_at") values ($1, $2, $2, 'UTC', $3, $3)`,
      [id, slug, now],
    );
    for (const [itemType, limit] of Object.entries(s.limits))
      await client.query(
        `insert into "wip_limits" ("pod_id", "item_type", "limit", "updated_at") values ($1, $2, $3, $4)`,
        [id, itemType, limit, now],
      );
  }
  for (let i = 0; i < s.projects; i++) {
    const lockId = randomUUID();
    const projectId = randomUUID();
    await client.query(
      `insert into "wip_locks" (${LOCK_COLUMNS}) values ($1, $2, 'project', $3, $4, $5, null, null, null, null)`,
      [lockId, podId, projectId, devId, now],
    );
    await client.query(
      `insert into "projects" ("id", "key", "name", "pod_id", "current_stage", "stage_entered_at", "wip_lock_id", "created_at", "updated_at") values ($1, $7, $2, $3, $4, $5, $6, $5, $5)`,
      [projectId, `Project ${i}`, podId, policy.stages[0], now, lockId, `project-${i}`],
    );
  }
  await client.query(
    `insert into "pod_health_snapshots" ("id", "pod_id", "metrics", "components", "score", "recorded_by", "recorded_at") values ($1, $2, $3, $4, 83, $5, $6)`,
    [
      randomUUID(),
      podId,
      JSON.stringify({ velocity: 0.9, wipUtilisation: 0.8, blockedItems: 1, cycleTimeDays: 4 }),
      JSON.stringify({ velocity: 0.9, wipUtilisation: 1, blockedItems: 0.8, cycleTime: 1 }),
      devId,
      now,
    ],
  );
  return { devId };
}

/** Who the baseline acts as: the seeded developer. */
export interface BaselineActor {
  userId: string;
  label: string;
}

type Outcome = { status: number; body: unknown };

/** What `wip.acquire` runs: one transaction, statement for statement. */
export function acquireSql(
  client: SqlClient,
  policy: BaselinePolicy,
  actor: BaselineActor,
  input: { slug: string; itemType: string; itemId: string; requestId: string },
): Promise<Outcome> {
  const { slug, itemType, itemId } = input;
  return client.transaction(async (tx) => {
    const pod = (await tx.query<PodRow>(SQL.podInScope, [itemType, slug])).rows[0];
    if (!pod) return { status: 404, body: { code: 'not_found' } };
    const state = slotRow(
      (
        await tx.query<unknown[]>(
          SQL.slotState,
          [pod.id, itemType, pod.id, itemType, pod.id, itemType, pod.id, itemType, itemId, pod.id],
          { rowMode: 'array' },
        )
      ).rows[0]!,
    );
    if (state.existing) return { status: 200, body: lockJson(state.existing) };
    const limit = state.storedLimit ?? policy.wipTypes.find((t) => t.name === itemType)?.defaultLimit ?? 0;
    if (state.used >= limit) {
      const holders = (await tx.query<LockRow>(SQL.openLocks, [pod.id, itemType])).rows;
      return { status: 409, body: { code: 'wip_limit_exceeded', used: holders.length, limit } };
    }
    const now = new Date();
    const lock: LockRow = {
      id: randomUUID(),
      pod_id: pod.id,
      item_type: itemType,
      item_id: itemId,
      acquired_by: actor.userId,
      acquired_at: now,
      released_at: null,
      released_by: null,
      label: null,
      url: null,
    };
    await tx.query(SQL.insertLock, [
      lock.id,
      lock.pod_id,
      itemType,
      itemId,
      actor.userId,
      now.toISOString(),
      null,
      null,
      null,
      null,
    ]);
    await recordAudit(tx, {
      at: now,
      actorId: actor.userId,
      actorLabel: actor.label,
      action: 'wip.acquired',
      subjectType: 'wip_lock',
      subjectId: lock.id,
      before: null,
      after: { pod: pod.slug, itemType, itemId },
      requestId: input.requestId,
      podId: pod.id,
    });
    return { status: 201, body: lockJson(lock) };
  });
}

/** What `wip.release` runs. */
export function releaseSql(
  client: SqlClient,
  actor: BaselineActor,
  input: { id: string; requestId: string },
): Promise<Outcome> {
  return client.transaction(async (tx) => {
    // As arrays: the lock's and the pod's columns share names.
    const row = (await tx.query<unknown[]>(SQL.lockInScope, [input.id], { rowMode: 'array' })).rows[0];
    if (!row) return { status: 404, body: { code: 'not_found' } };
    const lock = lockFrom(row)!;
    const pod = { id: lock.pod_id, slug: row[11] as string };
    if (lock.released_at) return { status: 200, body: lockJson(lock) };
    const now = new Date();
    const released = (
      await tx.query<{ released: number; queued: number }>(SQL.release, [
        now.toISOString(),
        actor.userId,
        lock.id,
      ])
    ).rows[0]!;
    if (!released.released) {
      const current = (await tx.query<LockRow>(SQL.lockById, [input.id])).rows[0] ?? lock;
      return { status: 200, body: lockJson(current) };
    }
    await recordAudit(tx, {
      at: now,
      actorId: actor.userId,
      actorLabel: actor.label,
      action: 'wip.released',
      subjectType: 'wip_lock',
      subjectId: lock.id,
      before: { pod: pod.slug, itemType: lock.item_type, itemId: lock.item_id },
      after: null,
      requestId: input.requestId,
      podId: pod.id,
    });
    // The line moves up when it is not empty (never, here): the release said so.
    if (released.queued > 0) throw new Error('baseline: nobody waits in the benchmark');
    return { status: 200, body: lockJson({ ...lock, released_at: now, released_by: actor.userId }) };
  });
}

/**
 * What `pods.getStatus` runs: the pod, then its five reads. `queryOptions` lets breakdown.ts pass what
 * Drizzle passes to PGlite, to price that alone.
 */
export async function statusSql(
  client: SqlClient,
  policy: BaselinePolicy,
  slug: string,
  queryOptions?: QueryOptions,
): Promise<Outcome> {
  const q = <T>(sql: string, params: unknown[]) =>
    queryOptions
      ? (client as unknown as PGlite).query<T>(sql, params, queryOptions)
      : client.query<T>(sql, params);
  const pod = (await q<PodRow>(SQL.podBySlug, [slug])).rows[0];
  if (!pod) return { status: 404, body: { code: 'not_found' } };
  // Concurrent like getStatus's Promise.all; PGlite runs them one after another anyway.
  const [members, open, stored, perStage, health] = await Promise.all([
    q<Record<string, unknown>>(SQL.members, [pod.id]),
    q<{ item_type: string; count: number }>(SQL.countOpen, [pod.id]),
    q<{ item_type: string; limit: number }>(SQL.storedLimits, [pod.id]),
    q<{ current_stage: string; count: number }>(SQL.projectsPerStage, [pod.id]),
    q<Record<string, unknown>>(SQL.latestHealth, [pod.id, 1]),
  ]);
  const openBy = new Map(open.rows.map((r) => [r.item_type, Number(r.count)]));
  const limitBy = new Map(stored.rows.map((r) => [r.item_type, r.limit]));
  const stageCount = new Map(perStage.rows.map((r) => [r.current_stage, Number(r.count)]));
  const h = health.rows[0];
  return {
    status: 200,
    body: {
      pod: podJson(pod),
      members: members.rows.map((m) => ({
        podId: m.pod_id,
        userId: m.user_id,
        email: m.email,
        name: m.name,
        role: m.role,
        podRole: m.pod_role,
        joinedAt: m.joined_at,
        leftAt: m.left_at,
      })),
      wip: policy.wipTypes.map((t) => ({
        itemType: t.name,
        used: openBy.get(t.name) ?? 0,
        limit: limitBy.get(t.name) ?? t.defaultLimit,
      })),
      projectsPerStage: Object.fromEntries(policy.stages.map((s) => [s, stageCount.get(s) ?? 0])),
      health: h
        ? {
            id: h.id,
            podId: h.pod_id,
            metrics: h.metrics,
            components: h.components,
            score: h.score,
            source: h.source,
            recordedBy: h.recorded_by,
            recordedAt: h.recorded_at,
          }
        : null,
    },
  };
}

/** The three routes, over PGlite or a `pg` pool (breakdown.ts mounts them on the CLOS database). */
export function buildBaselineApp(
  client: SqlClient,
  policy: BaselinePolicy,
  actor: BaselineActor,
): FastifyInstance {
  const app: FastifyInstance = Fastify({ logger: false });
  app.post<{ Params: { slug: string; itemType: string }; Body: { itemId: string } }>(
    '/api/v1/pods/:slug/wip/:itemType/locks',
    async (req, reply) => {
      const r = await acquireSql(client, policy, actor, {
        ...req.params,
        itemId: req.body.itemId,
        requestId: String(req.id),
      });
      return reply.code(r.status).send(r.body);
    },
  );
  app.delete<{ Params: { id: string } }>('/api/v1/wip-locks/:id', async (req, reply) => {
    const r = await releaseSql(client, actor, { id: req.params.id, requestId: String(req.id) });
    return reply.code(r.status).send(r.body);
  });
  app.get<{ Params: { slug: string } }>('/api/v1/pods/:slug/status', async (req, reply) => {
    const r = await statusSql(client, policy, req.params.slug);
    return reply.code(r.status).send(r.body);
  });
  return app;
}

/**
 * Not what CLOS runs: the same reads as one statement (JSON aggregated in Postgres), to price the
 * round trips getStatus makes. breakdown.ts times it next to statusSql.
 */
export const STATUS_ONE_STATEMENT = `with pod as (select "id", "slug", "name", "timezone", "created_at" from "pods" where "slug" = $1)
select
  (select row_to_json(pod) from pod) as pod,
  (select coalesce(json_agg(m order by m.joined_at, m.email), '[]') from (
     select pm.pod_id, pm.user_id, pm.pod_role, pm.joined_at, pm.left_at, u.email, u.name, u.role
     from pod_members pm join users u on u.id = pm.user_id
     where pm.pod_id = (select id from pod) and pm.left_at is null) m) as members,
  (select coalesce(json_object_agg(item_type, n), '{}') from (
     select item_type, count(*) as n from wip_locks
     where pod_id = (select id from pod) and released_at is null group by item_type) w) as open,
  (select coalesce(json_object_agg(item_type, "limit"), '{}') from wip_limits where pod_id = (select id from pod)) as limits,
  (select coalesce(json_object_agg(current_stage, n), '{}') from (
     select current_stage, count(*) as n from projects
     where pod_id = (select id from pod) and closed_at is null group by current_stage) s) as per_stage,
  (select row_to_json(h) from (
     select * from pod_health_snapshots where pod_id = (select id from pod) order by recorded_at desc limit 1) h) as health`;

export async function startBaseline(
  dataDir: string,
  policy: BaselinePolicy,
  seedSpec: BaselineSeed,
): Promise<RunningBaseline> {
  const database = await openPglite(dataDir);
  const { devId } = await seedBaseline(database.client, policy, seedSpec);
  const app = buildBaselineApp(database.client, policy, { userId: devId, label: 'dev@bench.local' });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  let closing: Promise<void> | null = null;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/**
 * The floor for a GitHub webhook (bench/github.ts): a bare Fastify route that takes the raw body,
 * checks its `X-Hub-Signature-256` (HMAC-SHA256 with node:crypto, compared in constant time), parses
 * the JSON and answers 202. No database, so the gap to CLOS is what recording the delivery and
 * enqueueing its job in one transaction costs, plus CLOS's HTTP layers.
 */
export function buildWebhookBaselineApp(secret: string, path: string): FastifyInstance {
  const app: FastifyInstance = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.post(path, async (req, reply) => {
    const raw = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
    const given = req.headers['x-hub-signature-256'];
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
    const signature = Buffer.from(typeof given === 'string' ? given : '');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
      return reply.code(401).send({ error: 'bad signature' });
    const payload = JSON.parse(raw.toString('utf8')) as { action?: string };
    return reply.code(202).send({ accepted: req.headers['x-github-delivery'], action: payload.action });
  });
  return app;
}

export async function startWebhookBaseline(
  secret: string,
  path: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const app = buildWebhookBaselineApp(secret, path);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}
