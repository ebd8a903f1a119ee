import { randomUUID } from 'node:crypto';
import type { Deps, Notifier, Services } from '@clos/core';
import { type Core, createRepositories, type Db } from '@clos/db';
import type { HostLookup } from '@clos/outbound';
import type PgBoss from 'pg-boss';
import { RUN_QUEUE, runJob, startRun, type WorkflowDefinition } from './engine.ts';
import type { Logger, RuntimeEnv, RuntimeModule } from './module.ts';
import type { JobDefinition, JobMeta, JobQueue } from './queue.ts';
import { startJobQueue, TRACE_KEY } from './queue.ts';
import { MODULES } from './registry.ts';
import { createRelay, type Relay } from './relay.ts';
import { tick } from './scheduler.ts';

export interface RuntimeOptions {
  /** The process's ports, use cases, outbox bell and instrumentation, built by the composition root. */
  core: Core;
  logger: Logger;
  /**
   * Run job handlers, pg-boss maintenance and the scheduler in this process. API-only processes
   * (`--no-worker`) still relay events and enqueue jobs; workers elsewhere run them.
   */
  worker: boolean;
  /** Start the scheduler's timer (tests drive `tick` themselves with an injected clock). */
  autoTick?: boolean;
  /** Where notifications go: the configured integrations' notifiers. */
  notifiers?: readonly Notifier[];
  /** Resolves host names for webhook deliveries (tests answer with 127.0.0.1 for a made-up name). */
  outboundLookup?: HostLookup;
  /** Modules added to the registry's: the configured integrations' (`@clos/integrations`), tests'. */
  extraModules?: readonly ((env: RuntimeEnv) => RuntimeModule)[];
  /** How often the relay sweeps for events it was not poked for (ms). */
  relaySweepMs?: number;
}

export interface Runtime {
  services: Services;
  deps: Deps;
  env: RuntimeEnv;
  relay: Relay;
  queue: JobQueue;
  modules: readonly RuntimeModule[];
  /**
   * Accepts a webhook delivery once: records `delivery.id` for `integration` and enqueues `job` in one
   * transaction, so the work happens exactly when the delivery is new (a redelivery, even concurrent,
   * is `duplicate` and enqueues nothing), and never without the record.
   */
  acceptDelivery(
    integration: string,
    delivery: { id: string; event: string },
    job: { queue: string; data: Record<string, unknown> },
  ): Promise<'accepted' | 'duplicate'>;
  /** One scheduler tick at `now` (default: the clock's now). Returns the ids of runs it started. */
  tick(now?: Date): Promise<string[]>;
  /**
   * Relays pending events and runs every job that is due, until none is left (jobs that enqueue jobs
   * included; retries scheduled for later are not due). For tests and `clos worker --once`.
   */
  drainJobs(): Promise<number>;
  stop(): Promise<void>;
}

/** The job runner: pg-boss queues, the outbox relay, workflow execution and the scheduler. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { logger, core } = options;
  const { database, policy, deps, outbox, instrumentation } = core;
  const queue = await startJobQueue(database, {
    supervise: options.worker,
    maintenanceIntervalSeconds: policy.workflows.maintenanceIntervalSeconds,
    traceparent: instrumentation.traceparent,
  });
  const workflows = new Map<string, WorkflowDefinition<never>>();
  const env: RuntimeEnv = {
    services: core.services,
    database,
    deps,
    policy,
    queue,
    notifiers: options.notifiers ?? [],
    outboundLookup: options.outboundLookup,
    logger,
    secretBox: core.secretBox,
    startRun: (tx, start) => startRun(tx, { queue, workflows, deps }, start),
    outbox,
  };
  const modules = [...MODULES, ...(options.extraModules ?? [])].map((make) => make(env));
  for (const m of modules) for (const w of m.workflows ?? []) workflows.set(w.name, w);
  const jobs: JobDefinition<never>[] = [
    runJob({
      database,
      deps,
      queue,
      workflows,
      outbox,
      secretBox: core.secretBox,
      instrumentation,
    }) as JobDefinition<never>,
    ...modules.flatMap((m) => m.jobs ?? []),
  ];
  await queue.ensureQueues(jobs);

  const relay = createRelay({
    database,
    queue,
    subscribers: modules.flatMap((m) => m.subscribers ?? []),
    sweepMs: options.relaySweepMs ?? 1_000,
    instrumentation,
    onError: (error) => logger.error({ err: error }, 'event relay failed; retrying at the next sweep'),
  });
  const stopListening = outbox.listen(() => relay.poke());
  // Events written before this process started (or by a process that died) go out now.
  relay.poke();
  // Token lookups are cached from here on, dropped whenever any process changes a token or a user.
  await core.authWatch.start();

  // Jobs this process is running, so stopping waits for them before the database closes; and once
  // stopping, a job fetched in the last instant is handed back (failed, to be retried elsewhere or at
  // the next start) instead of starting on a connection about to close.
  const inflight = new Set<Promise<unknown>>();
  let stopping = false;

  /** Every job runs through here: instrumented, and logged when it fails. */
  const handle = (job: JobDefinition<never>, sent: never, meta: JobMeta) => {
    if (stopping) return Promise.reject(new Error('the worker is stopping; the job will be retried'));
    const running = run(job, sent, meta);
    inflight.add(running);
    running.then(
      () => inflight.delete(running),
      () => inflight.delete(running),
    );
    return running;
  };
  const run = (job: JobDefinition<never>, sent: never, meta: JobMeta) => {
    let data: unknown = sent;
    let traceparent: string | null = null;
    if (sent && typeof sent === 'object' && TRACE_KEY in sent) {
      const { [TRACE_KEY]: trace, ...rest } = sent as Record<string, unknown>;
      data = rest;
      traceparent = typeof trace === 'string' ? trace : null;
    }
    return instrumentation.job(
      { queue: job.queue, id: meta.id, attempt: meta.retryCount + 1, traceparent },
      async () => {
        try {
          await job.handle(data as never, meta);
        } catch (error) {
          logger.warn(
            { err: error, queue: job.queue, job: meta.id, attempt: meta.retryCount + 1 },
            'job failed',
          );
          throw error;
        }
      },
    );
  };
  if (options.worker)
    for (const job of jobs)
      await queue.work(
        { ...job, handle: (data, meta) => handle(job, data, meta) },
        { pollingIntervalSeconds: policy.workflows.pollingIntervalSeconds },
      );

  const runTick = async (now: Date) => {
    const started = await tick(env, modules, now);
    if (started.length) queue.wake(RUN_QUEUE);
    return started;
  };
  let ticking: Promise<unknown> | null = null;
  const timer =
    options.worker && options.autoTick !== false
      ? setInterval(() => {
          ticking ??= runTick(deps.clock.now())
            .catch((error) => logger.error({ err: error }, 'scheduler tick failed'))
            .finally(() => {
              ticking = null;
            });
        }, policy.workflows.tickSeconds * 1000)
      : null;
  timer?.unref();

  return {
    services: core.services,
    deps,
    env,
    relay,
    queue,
    modules,
    tick: (now) => runTick(now ?? deps.clock.now()),
    acceptDelivery: async (integration, delivery, job) => {
      const outcome = await database.db.transaction(async (txDb) => {
        const tx = txDb as unknown as Db;
        const recorded = await createRepositories(tx, randomUUID).inboundDeliveries.record({
          integration,
          deliveryId: delivery.id,
          event: delivery.event,
          receivedAt: deps.clock.now(),
        });
        if (!recorded) return 'duplicate' as const;
        await queue.enqueueIn(tx)(job.queue, job.data);
        return 'accepted' as const;
      });
      // The delivery's job runs now, not at the worker's next poll (seconds away, and a Slack
      // command's asker is waiting).
      if (outcome === 'accepted') queue.wake(job.queue);
      return outcome;
    },
    async drainJobs() {
      let ran = 0;
      for (;;) {
        await relay.drain();
        let fetched = 0;
        for (const job of jobs) {
          const batch = ((await queue.boss.fetch(job.queue, { batchSize: 20, includeMetadata: true })) ??
            []) as PgBoss.JobWithMetadata<never>[];
          // pg-boss hands a batch back in no particular order: run it in the order it was sent, as
          // a worker taking one job at a time would.
          batch.sort((a, b) => a.createdOn.getTime() - b.createdOn.getTime());
          for (const j of batch) {
            fetched += 1;
            try {
              await handle(job, j.data, { id: j.id, retryCount: j.retryCount, retryLimit: j.retryLimit });
              await queue.boss.complete(job.queue, j.id);
            } catch (error) {
              await queue.boss.fail(job.queue, j.id, {
                message: error instanceof Error ? error.message : String(error),
              });
            }
          }
        }
        ran += fetched;
        if (fetched === 0) return ran;
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (ticking) await ticking;
      await core.authWatch.stop();
      stopListening();
      await relay.stop();
      stopping = true;
      await queue.stop();
      // pg-boss's graceful stop gives up after its timeout; ours waits as long for what is still running.
      await Promise.race([
        Promise.allSettled([...inflight]),
        new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
      ]);
      await Promise.all(modules.map((m) => m.stop?.()));
      await queue.close();
    },
  };
}
