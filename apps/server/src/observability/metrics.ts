import {
  effectiveLimit,
  type Instrumentation,
  type NewDomainEvent,
  NO_INSTRUMENTATION,
  type Policy,
  REQUEST_DURATION_BUCKETS_MS,
} from '@clos/core';
import { type Database, type MetricsSnapshot, readMetricsSnapshot } from '@clos/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const DAY_MS = 86_400_000;
/** How long one read of the organisation's gauges serves scrapes: every few seconds costs one read. */
export const SNAPSHOT_CACHE_MS = 5_000;
const SECONDS = REQUEST_DURATION_BUCKETS_MS.map((ms) => ms / 1000);
const ALERT_KINDS = ['wip.limit_exceeded', 'gate.stuck', 'pod.health_low', 'deployment.failure_rate'];
const SEVERITIES = ['warning', 'critical'];

export interface MetricsOptions {
  database: Database;
  policy: Policy;
  version: string;
  /** The wall clock (gauges such as "blocked for" are ages now). */
  now?: () => Date;
  /** The Node.js process metrics (CPU, memory, event loop, GC); on unless false. */
  processMetrics?: boolean;
}

/** The Prometheus side of the instrumentation: one registry per process, rendered at `/metrics`. */
export interface Metrics {
  registry: Registry;
  instrumentation: Instrumentation;
  /** The exposition text (Prometheus 0.0.4 format). */
  render(): Promise<string>;
  contentType: string;
}

type Tagged = { ok: false; error: { code?: unknown; evaluation?: { nextStage?: unknown } } };
const isRefusal = (value: unknown): value is Tagged =>
  typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;

/**
 * Domain gauges are read from the database at scrape time (cached for {@link SNAPSHOT_CACHE_MS}), so
 * every process reports the same truth whichever one Prometheus reaches; counters count what this
 * process did, from the events its transactions committed and the results its use cases returned.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const { database, policy } = options;
  const now = options.now ?? (() => new Date());
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  let cached: { at: number; snapshot: Promise<MetricsSnapshot> } | null = null;
  const snapshot = () => {
    const t = Date.now();
    if (!cached || t - cached.at > SNAPSHOT_CACHE_MS) {
      const at = now();
      const read = readMetricsSnapshot(database, {
        now: at,
        deploymentsSince: new Date(at.getTime() - policy.alerts.deploymentWindowDays * DAY_MS),
      });
      cached = { at: t, snapshot: read };
      // A failed read is not kept: the next scrape tries again.
      read.catch(() => {
        if (cached?.snapshot === read) cached = null;
      });
    }
    return cached.snapshot;
  };
  const slugs = (s: MetricsSnapshot) => new Map(s.pods.map((p) => [p.id, p.slug]));

  new Gauge({
    name: 'clos_build_info',
    help: 'Always 1: the running version and database engine.',
    labelNames: ['version', 'engine'],
    registers: [registry],
    collect() {
      this.set({ version: options.version, engine: database.engine }, 1);
    },
  });

  /** A gauge filled from the snapshot at scrape time; series no longer in the data disappear. */
  const fromDatabase = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (s: MetricsSnapshot, set: (labels: Partial<Record<L, string>>, value: number) => void) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        this.reset();
        fill(s, (labels, value) => this.set(labels, value));
      },
    });

  // --- Domain gauges, from the database ---
  fromDatabase(
    'clos_wip_current_count',
    'Open WIP locks per pod and item type.',
    ['pod', 'type'],
    (s, set) => {
      for (const { pod, type, used } of wipRows(policy, s)) set({ pod, type }, used);
    },
  );
  fromDatabase(
    'clos_wip_limit',
    "The pod's WIP limit per item type (set per pod, or the configured default).",
    ['pod', 'type'],
    (s, set) => {
      for (const { pod, type, limit } of wipRows(policy, s)) set({ pod, type }, limit);
    },
  );
  fromDatabase('clos_wip_queue_length', "Items waiting in the pod's WIP queue.", ['pod'], (s, set) => {
    const queued = new Map(s.queued.map((q) => [q.podId, q.count]));
    for (const p of s.pods) set({ pod: p.slug }, queued.get(p.id) ?? 0);
  });
  fromDatabase(
    'clos_projects',
    'Open projects per stage, blocked or not.',
    ['stage', 'blocked'],
    (s, set) => {
      for (const stage of policy.stages)
        for (const blocked of [false, true]) {
          const row = s.projects.find((p) => p.stage === stage.name && p.blocked === blocked);
          set({ stage: stage.name, blocked: String(blocked) }, row?.count ?? 0);
        }
    },
  );
  fromDatabase(
    'clos_projects_blocked_oldest_seconds',
    "How long the pod's longest-blocked open project has been blocked (0 when none is).",
    ['pod'],
    (s, set) => {
      const oldest = new Map(s.blockedOldest.map((b) => [b.podId, b.seconds]));
      for (const p of s.pods) set({ pod: p.slug }, Math.round(oldest.get(p.id) ?? 0));
    },
  );
  fromDatabase('clos_pod_health_score', "The pod's latest health score, 0-100.", ['pod'], (s, set) => {
    const slug = slugs(s);
    for (const h of s.latestHealth) set({ pod: slug.get(h.podId) ?? h.podId }, h.score);
  });
  fromDatabase(
    'clos_deployment_success_rate',
    "Share of the pod's deployments finished in the alerts window that succeeded, 0-1.",
    ['pod'],
    (s, set) => {
      const slug = slugs(s);
      for (const d of s.deployments) {
        const finished = d.succeeded + d.failed;
        if (finished > 0) set({ pod: slug.get(d.podId) ?? d.podId }, d.succeeded / finished);
      }
    },
  );
  fromDatabase('clos_alerts_open', 'Open alerts per kind and severity.', ['kind', 'severity'], (s, set) => {
    for (const kind of ALERT_KINDS)
      for (const severity of SEVERITIES)
        set(
          { kind, severity },
          s.openAlerts.find((a) => a.kind === kind && a.severity === severity)?.count ?? 0,
        );
  });

  // --- Job system gauges, from the database ---
  fromDatabase(
    'clos_job_queue_depth',
    'Jobs waiting to run (created or waiting to retry) per queue.',
    ['queue'],
    (s, set) => {
      for (const q of s.jobQueues) set({ queue: q.queue }, q.depth);
    },
  );
  fromDatabase(
    'clos_job_queue_oldest_age_seconds',
    'Age of the oldest due job waiting to run per queue (0 when none is).',
    ['queue'],
    (s, set) => {
      for (const q of s.jobQueues) set({ queue: q.queue }, Math.round(q.oldestSeconds));
    },
  );
  fromDatabase(
    'clos_workflow_runs',
    'Workflow runs kept in the database, per workflow and status.',
    ['workflow', 'status'],
    (s, set) => {
      for (const r of s.workflowRuns) set({ workflow: r.workflow, status: r.status }, r.count);
    },
  );
  fromDatabase('clos_outbox_pending_events', 'Domain events written but not yet relayed.', [], (s, set) =>
    set({}, s.outbox.pending),
  );
  fromDatabase(
    'clos_outbox_relay_lag_seconds',
    'Age of the oldest event not yet relayed (0 when none is).',
    [],
    (s, set) => set({}, s.outbox.oldestSeconds),
  );
  new Gauge({
    name: 'clos_db_pool_connections',
    help: 'Database connections by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const p = database.poolStats();
      this.set({ state: 'idle' }, p.idle);
      this.set({ state: 'busy' }, p.total - p.idle);
    },
  });
  new Gauge({
    name: 'clos_db_pool_waiting',
    help: 'Queries waiting for a free database connection.',
    registers: [registry],
    collect() {
      this.set(database.poolStats().waiting);
    },
  });

  // --- Per-process counters and histograms ---
  const wipRefusals = new Counter({
    name: 'clos_wip_refusals_total',
    help: 'WIP acquires refused at the limit.',
    labelNames: ['pod', 'type'],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'clos_stage_gate_transitions_total',
    help: 'Projects that passed a stage gate.',
    labelNames: ['from', 'to'],
    registers: [registry],
  });
  const gateRefusals = new Counter({
    name: 'clos_stage_gate_refusals_total',
    help: 'Attempts to advance into a stage refused because its criteria were unmet.',
    labelNames: ['stage'],
    registers: [registry],
  });
  const ideaSubmissions = new Counter({
    name: 'clos_idea_submissions_total',
    help: 'Ideas submitted.',
    registers: [registry],
  });
  const ideaEvaluations = new Counter({
    name: 'clos_idea_evaluations_total',
    help: 'Idea evaluations recorded.',
    registers: [registry],
  });
  const deployments = new Counter({
    name: 'clos_deployments_total',
    help: 'Deployments finished, by result.',
    labelNames: ['pod', 'result'],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'clos_http_requests_total',
    help: 'Answered HTTP requests by route template and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'clos_http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames: ['method', 'route', 'status'],
    buckets: SECONDS,
    registers: [registry],
  });
  const transactions = new Counter({
    name: 'clos_db_transactions_total',
    help: 'Units of work, write or snapshot, committed or rolled back.',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const transactionDuration = new Histogram({
    name: 'clos_db_transaction_duration_seconds',
    help: 'Time from BEGIN to commit or rollback.',
    labelNames: ['kind'],
    buckets: SECONDS,
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: 'clos_job_runs_total',
    help: 'Job attempts run by this process, by outcome.',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'clos_job_duration_seconds',
    help: 'Time a job attempt took.',
    labelNames: ['queue'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [registry],
  });
  const relayed = new Counter({
    name: 'clos_relay_dispatched_events_total',
    help: "Events this process's relay sequenced and dispatched.",
    registers: [registry],
  });
  const streamClients = new Gauge({
    name: 'clos_stream_clients',
    help: 'Open event streams on this process.',
    registers: [registry],
  });
  // Series that exist from the start, so `rate()` sees the first increment and the documented names
  // are present before anything happened.
  ideaSubmissions.inc(0);
  ideaEvaluations.inc(0);
  relayed.inc(0);
  streamClients.set(0);

  const timed = async <T>(run: () => Promise<T>, done: (seconds: number, ok: boolean) => void) => {
    const start = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    try {
      const value = await run();
      done(seconds(), true);
      return value;
    } catch (error) {
      done(seconds(), false);
      throw error;
    }
  };

  const count = (event: NewDomainEvent) => {
    const data = event.data as Record<string, unknown>;
    const after = (data.after ?? {}) as Record<string, unknown>;
    const before = (data.before ?? {}) as Record<string, unknown>;
    switch (event.type) {
      case 'wip.limit_reached':
        wipRefusals.inc({ pod: String(data.pod), type: String(data.itemType) });
        break;
      case 'stage.advanced':
        transitions.inc({ from: String(before.stage), to: String(after.stage) });
        break;
      case 'idea.submitted':
        ideaSubmissions.inc();
        break;
      case 'idea.evaluated':
        ideaEvaluations.inc();
        break;
      case 'deployment.finished':
        deployments.inc({ pod: String(after.pod), result: String(after.status) });
        break;
    }
  };

  const instrumentation: Instrumentation = {
    ...NO_INSTRUMENTATION,
    unitOfWork: ({ snapshot: ro }, run) =>
      timed(run, (seconds, ok) => {
        const kind = ro ? 'snapshot' : 'write';
        transactions.inc({ kind, outcome: ok ? 'committed' : 'rolled_back' });
        transactionDuration.observe({ kind }, seconds);
      }),
    relayPass: async (_info, run) => {
      const value = await run();
      if (typeof value === 'number' && value > 0) relayed.inc(value);
      return value;
    },
    job: ({ queue }, run) =>
      timed(run, (seconds, ok) => {
        jobRuns.inc({ queue, outcome: ok ? 'succeeded' : 'failed' });
        jobDuration.observe({ queue }, seconds);
      }),
    useCase: ({ name }, run) => {
      const value = run();
      // An unmet gate is a value, not an exception, and commits nothing: seen here, where it is returned.
      if (name === 'stages.advance' && value instanceof Promise)
        value.then(
          (result: unknown) => {
            if (isRefusal(result) && result.error.code === 'gate_criteria_unmet')
              gateRefusals.inc({ stage: String(result.error.evaluation?.nextStage ?? 'unknown') });
          },
          () => {},
        );
      return value;
    },
    committed(events) {
      for (const e of events) count(e);
    },
    streamReaders({ readers }) {
      streamClients.set(readers);
    },
    httpResponse({ method, route, status, durationMs }) {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, durationMs / 1000);
    },
  };

  return {
    registry,
    instrumentation,
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/** Every pod × item type the policy or the data knows, with its usage and its limit in force. */
function wipRows(policy: Policy, s: MetricsSnapshot) {
  const rows: { pod: string; type: string; used: number; limit: number }[] = [];
  for (const pod of s.pods) {
    const stored = Object.fromEntries(
      s.wipLimits.filter((l) => l.podId === pod.id).map((l) => [l.itemType, l.limit]),
    );
    const used = new Map(s.openLocks.filter((l) => l.podId === pod.id).map((l) => [l.itemType, l.count]));
    const types = new Set([...policy.wip.types.map((t) => t.name), ...Object.keys(stored), ...used.keys()]);
    for (const type of types)
      rows.push({
        pod: pod.slug,
        type,
        used: used.get(type) ?? 0,
        limit: effectiveLimit({ policy }, stored, type),
      });
  }
  return rows;
}
