import type { Database, Db } from '@clos/db';
import PgBoss from 'pg-boss';
import { txExecutor } from './sql-executor.ts';

// Any number nothing else uses: serialises pg-boss start-up across processes.
const BOSS_START_LOCK = 7_245_301_120;

/** How a job of one queue is retried and for how long it may run. */
export interface QueuePolicy {
  retryLimit: number;
  /** Seconds before the first retry. */
  retryDelay: number;
  /** Doubles the delay at each retry (with jitter). */
  retryBackoff: boolean;
  /** An active job not finished by then is failed and retried: this is how a killed worker's job resumes. */
  expireInSeconds: number;
  /**
   * Coalesce: at most one job waiting (and one running) per singleton key; sending another while one
   * waits does nothing (pg-boss's `stately` policy). For idempotent work that reads the state when it
   * runs, such as reconciling alerts, where a burst of triggers needs one run, not one each.
   */
  coalesce?: boolean;
}

export interface JobMeta {
  id: string;
  /** 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
}

/** A queue and its handler: one file per job kind, one line in the registry. */
export interface JobDefinition<T = Record<string, unknown>> {
  queue: string;
  policy: QueuePolicy;
  handle(data: T, meta: JobMeta): Promise<void>;
}

export type Enqueue = (
  queue: string,
  data: Record<string, unknown>,
  options?: { startAfter?: Date; singletonKey?: string },
) => Promise<void>;

export interface JobQueue {
  boss: PgBoss;
  /** Enqueues in the caller's transaction. */
  enqueueIn(tx: Db): Enqueue;
  enqueue: Enqueue;
  /** Creates (or updates) the queues; idempotent. */
  ensureQueues(jobs: JobDefinition<never>[]): Promise<void>;
  work(
    job: JobDefinition<never>,
    options: { pollingIntervalSeconds: number; batchSize?: number },
  ): Promise<void>;
  /** Wakes the workers of `queue` now instead of at their next poll. */
  wake(queue: string): void;
  /** Stops fetching and waits (up to pg-boss's timeout) for the jobs in hand; the connection stays open. */
  stop(): Promise<void>;
  /**
   * After `stop` and once the runner's own handlers are done: waits for pg-boss's last statements (the
   * completions it sends without awaiting them) and then leaves any later one unanswered, so
   * closing the database next cannot fail a statement pg-boss would leave unhandled.
   */
  close(): Promise<void>;
}

/**
 * pg-boss on our own database connection, on both engines (PGlite has one connection, so pg-boss
 * cannot open its own pool there; on PostgreSQL it shares ours). `supervise` runs maintenance
 * (expiring jobs of dead workers, archiving); the processes that run workers turn it on.
 */
/**
 * The key under which a job carries the trace context of whatever enqueued it (a W3C `traceparent`);
 * the runner takes it out before the handler sees the data.
 */
export const TRACE_KEY = '_traceparent';

export async function startJobQueue(
  database: Database,
  options: {
    supervise: boolean;
    maintenanceIntervalSeconds: number;
    /** The current trace, stored with each job sent (tracing off: undefined, nothing stored). */
    traceparent?: () => string | undefined;
  },
): Promise<JobQueue> {
  // pg-boss completes and fails jobs without awaiting the statement (manager.js `onFetch`): one sent
  // as the database closes would be an unhandled rejection and take the process down. Its statements
  // are tracked so `close` can wait for them, and once closed they never answer (pg-boss is stopped;
  // nothing waits on them): a job whose completion is lost that way stays active, expires and runs
  // again, as after a crash.
  const pending = new Set<Promise<unknown>>();
  let closed = false;
  const executeSql = (text: string, values?: unknown[]) => {
    if (closed) return new Promise<never>(() => {});
    const running = database.executeSql(text, values);
    pending.add(running);
    const forget = () => pending.delete(running);
    running.then(forget, forget);
    return running;
  };
  const boss = new PgBoss({
    db: { executeSql },
    supervise: options.supervise,
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
  } as PgBoss.ConstructorOptions);
  boss.on('error', () => {
    // pg-boss reports transient failures (a lost connection during maintenance) here; it retries them.
  });
  // pg-boss creates its schema with `CREATE SCHEMA IF NOT EXISTS`, which two processes starting at
  // once can both attempt (one then fails on a duplicate key): they take turns.
  await database.exclusive(BOSS_START_LOCK, () => boss.start());
  const workers = new Map<string, string[]>();
  const send =
    (db: PgBoss.ConnectionOptions['db'] | undefined): Enqueue =>
    async (queue, data, opts = {}) => {
      const trace = options.traceparent?.();
      await boss.send(queue, trace ? { ...data, [TRACE_KEY]: trace } : data, {
        ...(db ? { db } : {}),
        ...(opts.startAfter ? { startAfter: opts.startAfter } : {}),
        ...(opts.singletonKey ? { singletonKey: opts.singletonKey } : {}),
      } as PgBoss.SendOptions);
    };
  return {
    boss,
    enqueue: send(undefined),
    enqueueIn: (tx) => send(txExecutor(tx) as unknown as PgBoss.ConnectionOptions['db']),
    async ensureQueues(jobs) {
      // Under the start-up lock too: two processes creating the same queue at once would collide.
      await database.exclusive(BOSS_START_LOCK, async () => {
        for (const job of jobs) {
          const policy = {
            retryLimit: job.policy.retryLimit,
            retryDelay: job.policy.retryDelay,
            retryBackoff: job.policy.retryBackoff,
            expireInSeconds: job.policy.expireInSeconds,
            policy: job.policy.coalesce ? 'stately' : 'standard',
          };
          const existing = await boss.getQueue(job.queue);
          if (existing) await boss.updateQueue(job.queue, policy as PgBoss.Queue);
          else await boss.createQueue(job.queue, policy as PgBoss.Queue);
        }
      });
    },
    async work(job, opts) {
      // Assigned once pg-boss returns it; a fetch may complete before then, and only misses the nudge.
      let id: string | undefined;
      id = await boss.work(
        job.queue,
        {
          pollingIntervalSeconds: opts.pollingIntervalSeconds,
          batchSize: opts.batchSize ?? 1,
          includeMetadata: true,
        },
        async (jobs: PgBoss.JobWithMetadata<never>[]) => {
          // A worker that found work looks again at once: pg-boss otherwise waits its polling interval
          // after every fetch, so a backlog would drain one batch per interval.
          if (jobs.length > 0 && id) boss.notifyWorker(id);
          for (const j of jobs)
            await job.handle(j.data, { id: j.id, retryCount: j.retryCount, retryLimit: j.retryLimit });
        },
      );
      workers.set(job.queue, [...(workers.get(job.queue) ?? []), id]);
    },
    wake(queue) {
      for (const id of workers.get(queue) ?? []) boss.notifyWorker(id);
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, close: false, timeout: 5_000 } as PgBoss.StopOptions);
    },
    async close() {
      while (pending.size) await Promise.allSettled([...pending]);
      closed = true;
    },
  };
}
