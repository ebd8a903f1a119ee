import type { Database } from './database.ts';

/**
 * What the organisation and the job system look like now, read for a Prometheus scrape: one round of
 * aggregate queries, whatever the number of pods or projects. Every process reads the same rows, so
 * every process reports the same gauges.
 */
export interface MetricsSnapshot {
  pods: { id: string; slug: string }[];
  /** Stored WIP limits (types without a row use the configured default). */
  wipLimits: { podId: string; itemType: string; limit: number }[];
  openLocks: { podId: string; itemType: string; count: number }[];
  queued: { podId: string; count: number }[];
  projects: { stage: string; blocked: boolean; count: number }[];
  /** Per pod, the blocked time of its longest-blocked open project, in seconds. */
  blockedOldest: { podId: string; seconds: number }[];
  latestHealth: { podId: string; score: number }[];
  /** Deployments finished since `since`, per pod. */
  deployments: { podId: string; succeeded: number; failed: number }[];
  openAlerts: { kind: string; severity: string; count: number }[];
  /** pg-boss jobs waiting to run, per queue: how many, and the age of the oldest that is due. */
  jobQueues: { queue: string; depth: number; oldestSeconds: number }[];
  workflowRuns: { workflow: string; status: string; count: number }[];
  outbox: { pending: number; oldestSeconds: number };
}

const num = (v: unknown) => Number(v ?? 0);

export async function readMetricsSnapshot(
  database: Database,
  options: { now: Date; deploymentsSince: Date },
): Promise<MetricsSnapshot> {
  const q = <T>(text: string, params?: unknown[]) => database.query<T>(text, params);
  const now = options.now.toISOString();
  // One after the other: the embedded engine has a single connection, and on PostgreSQL a scrape
  // should not take ten pool connections from requests at once.
  const pods = await q<{ id: string; slug: string }>('select id, slug from pods order by slug');
  const wipLimits = await q<{ pod_id: string; item_type: string; limit: number }>(
    'select pod_id, item_type, "limit" from wip_limits',
  );
  const openLocks = await q<{ pod_id: string; item_type: string; count: string }>(
    'select pod_id, item_type, count(*) as count from wip_locks where released_at is null group by 1, 2',
  );
  const queued = await q<{ pod_id: string; count: string }>(
    'select pod_id, count(*) as count from wip_queue group by 1',
  );
  const projects = await q<{ stage: string; blocked: boolean; count: string }>(
    `select current_stage as stage, blocked_reason is not null as blocked, count(*) as count
     from projects where closed_at is null group by 1, 2`,
  );
  const blockedOldest = await q<{ pod_id: string; seconds: string }>(
    `select pod_id, extract(epoch from ($1::timestamptz - min(coalesce(blocked_at, updated_at)))) as seconds
     from projects where closed_at is null and blocked_reason is not null group by 1`,
    [now],
  );
  const latestHealth = await q<{ pod_id: string; score: number }>(
    `select distinct on (pod_id) pod_id, score from pod_health_snapshots
     order by pod_id, recorded_at desc, id`,
  );
  const deployments = await q<{ pod_id: string; succeeded: string; failed: string }>(
    `select pod_id, count(*) filter (where status = 'succeeded') as succeeded,
            count(*) filter (where status = 'failed') as failed
     from deployments where finished_at >= $1::timestamptz group by 1`,
    [options.deploymentsSince.toISOString()],
  );
  const openAlerts = await q<{ kind: string; severity: string; count: string }>(
    `select kind, severity, count(*) as count from alerts where status = 'open' group by 1, 2`,
  );
  // pg-boss 10's own table: `created` and `retry` are the states of a job that has not run yet. It
  // exists once a job runner has started on this database (a bare API in tests has none).
  const [boss] = await q<{ present: boolean }>(`select to_regclass('pgboss.job') is not null as present`);
  const jobQueues = !boss?.present
    ? []
    : await q<{ name: string; depth: string; oldest: string | null }>(
        `select name, count(*) as depth,
            extract(epoch from (now() - min(created_on) filter (where start_after <= now()))) as oldest
     from pgboss.job where state in ('created', 'retry') group by 1`,
      );
  const workflowRuns = await q<{ workflow: string; status: string; count: string }>(
    'select workflow, status, count(*) as count from workflow_runs group by 1, 2',
  );
  const [outbox] = await q<{ pending: string; oldest: string | null }>(
    `select count(*) as pending, extract(epoch from (now() - min(occurred_at))) as oldest
     from domain_events where seq is null`,
  );
  return {
    pods,
    wipLimits: wipLimits.map((r) => ({ podId: r.pod_id, itemType: r.item_type, limit: num(r.limit) })),
    openLocks: openLocks.map((r) => ({ podId: r.pod_id, itemType: r.item_type, count: num(r.count) })),
    queued: queued.map((r) => ({ podId: r.pod_id, count: num(r.count) })),
    projects: projects.map((r) => ({ stage: r.stage, blocked: Boolean(r.blocked), count: num(r.count) })),
    blockedOldest: blockedOldest.map((r) => ({ podId: r.pod_id, seconds: Math.max(0, num(r.seconds)) })),
    latestHealth: latestHealth.map((r) => ({ podId: r.pod_id, score: num(r.score) })),
    deployments: deployments.map((r) => ({
      podId: r.pod_id,
      succeeded: num(r.succeeded),
      failed: num(r.failed),
    })),
    openAlerts: openAlerts.map((r) => ({ kind: r.kind, severity: r.severity, count: num(r.count) })),
    jobQueues: jobQueues.map((r) => ({
      queue: r.name,
      depth: num(r.depth),
      oldestSeconds: Math.max(0, num(r.oldest)),
    })),
    workflowRuns: workflowRuns.map((r) => ({ workflow: r.workflow, status: r.status, count: num(r.count) })),
    outbox: { pending: num(outbox?.pending), oldestSeconds: Math.max(0, num(outbox?.oldest)) },
  };
}
