import { randomUUID } from 'node:crypto';
import {
  createServices,
  type Deps,
  type Instrumentation,
  type NewDomainEvent,
  NO_INSTRUMENTATION,
  type OutboxBell,
  type Policy,
  type Repositories,
  type Services,
  type WorkflowRun,
} from '@clos/core';
import { boundUnitOfWork, createRepositories, type Database, type Db, type SecretBox } from '@clos/db';
import type { Enqueue, JobDefinition, JobQueue } from './queue.ts';

/** What a step sees: everything it touches joins the step's one transaction. */
export interface StepContext<I> {
  run: WorkflowRun;
  input: I;
  now: Date;
  repos: Repositories;
  /** The use cases, joined to the step's transaction. */
  services: Services;
  policy: Policy;
  /** Outputs of the steps before this one, by step name. */
  outputs: Record<string, unknown>;
  /** Enqueues a job in the step's transaction. */
  enqueue: Enqueue;
}

export interface WorkflowStepDefinition<I> {
  name: string;
  /** Its result is stored as the step's output (JSON). */
  run(ctx: StepContext<I>): Promise<unknown>;
}

/** A workflow: named steps run in order, each at most once to completion. */
export interface WorkflowDefinition<I = Record<string, unknown>> {
  name: string;
  steps: WorkflowStepDefinition<I>[];
}

/** What the engine runs on: one per process. */
export interface WorkflowEnv {
  database: Database;
  deps: Deps;
  queue: JobQueue;
  workflows: ReadonlyMap<string, WorkflowDefinition<never>>;
  /** Rung after a step's transaction that wrote events commits (the relay listens). */
  outbox?: OutboxBell | undefined;
  /** Seals and opens stored secrets for the use cases a step calls. */
  secretBox?: SecretBox | undefined;
  /** Told of each step's transaction and of the events it commits (metrics, tracing). */
  instrumentation?: Instrumentation | undefined;
}

export const RUN_QUEUE = 'clos.workflow-run';

/**
 * Creates a run (and its pending steps) and enqueues its execution, in the caller's transaction.
 * Returns null when a run with this key exists already: the key makes starting idempotent.
 */
export async function startRun(
  tx: Db,
  env: Pick<WorkflowEnv, 'queue' | 'workflows' | 'deps'>,
  start: {
    workflow: string;
    key: string;
    podId: string | null;
    input: Record<string, unknown>;
    scheduledFor?: Date;
  },
): Promise<WorkflowRun | null> {
  const def = env.workflows.get(start.workflow);
  if (!def) throw new Error(`unknown workflow "${start.workflow}"`);
  const repos = createRepositories(tx, randomUUID);
  const run = await repos.workflows.createRun(
    {
      id: randomUUID(),
      workflow: start.workflow,
      key: start.key,
      podId: start.podId,
      input: start.input,
      scheduledFor: start.scheduledFor ?? null,
      createdAt: env.deps.clock.now(),
    },
    def.steps.map((s) => s.name),
  );
  if (run) await env.queue.enqueueIn(tx)(RUN_QUEUE, { runId: run.id });
  return run;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/**
 * Executes a run's remaining steps. At-least-once delivery means this may run twice for one run, or
 * again after a crash: each step locks its row, skips itself when already succeeded, and commits its
 * effect together with its `succeeded` mark — so each step's effect happens once.
 */
export async function executeRun(
  env: WorkflowEnv,
  runId: string,
  attempt: { retryCount: number; retryLimit: number },
): Promise<void> {
  const { database, deps } = env;
  const instrumentation = env.instrumentation ?? NO_INSTRUMENTATION;
  const read = deps.uow.read;
  const run = await read.workflows.runById(runId);
  if (!run || run.status === 'succeeded') return;
  const def = env.workflows.get(run.workflow);
  if (!def) throw new Error(`unknown workflow "${run.workflow}"`);
  await read.workflows.updateRun(runId, {
    status: 'running',
    attempts: attempt.retryCount + 1,
    startedAt: run.startedAt ?? deps.clock.now(),
    error: null,
  });
  const outputs: Record<string, unknown> = {};
  for (const step of def.steps) {
    // Committed on its own so the run's page shows the step running (and each attempt counted),
    // even when the step's own transaction is rolled back by a crash.
    if (!(await read.workflows.markStepRunning(runId, step.name, deps.clock.now()))) {
      outputs[step.name] =
        (await read.workflows.steps(runId)).find((s) => s.name === step.name)?.output ?? null;
      continue;
    }
    // The relay is told once the transaction that wrote events has committed, not when they are written.
    const emitted: NewDomainEvent[] = [];
    const noteEmit = (event: NewDomainEvent) => {
      emitted.push(event);
      return instrumentation.traceparent();
    };
    try {
      outputs[step.name] = await instrumentation.unitOfWork({ snapshot: false }, () =>
        database.db.transaction(async (tx) => {
          const repos = createRepositories(tx as unknown as Db, randomUUID, {
            onEmit: noteEmit,
            secretBox: env.secretBox,
          });
          const row = await repos.workflows.lockStep(runId, step.name);
          if (row && (row.status === 'succeeded' || row.status === 'skipped')) return row.output;
          const now = deps.clock.now();
          const services = createServices({ ...deps, uow: boundUnitOfWork(repos) });
          const output =
            (await step.run({
              run,
              input: run.input as never,
              now,
              repos,
              services,
              policy: deps.policy,
              outputs,
              enqueue: env.queue.enqueueIn(tx as unknown as Db),
            })) ?? null;
          const stored = JSON.parse(JSON.stringify(output));
          await repos.workflows.updateStep(runId, step.name, {
            status: 'succeeded',
            output: stored,
            finishedAt: deps.clock.now(),
          });
          return stored;
        }),
      );
      if (emitted.length) env.outbox?.ring();
      instrumentation.committed(emitted);
    } catch (error) {
      await read.workflows.updateStep(runId, step.name, {
        status: 'failed',
        error: message(error),
        finishedAt: deps.clock.now(),
      });
      const final = attempt.retryCount >= attempt.retryLimit;
      await database.db.transaction(async (tx) => {
        const repos = createRepositories(tx as unknown as Db, randomUUID, { onEmit: noteEmit });
        await repos.workflows.updateRun(runId, {
          status: final ? 'failed' : 'running',
          error: `${step.name}: ${message(error)}`,
          ...(final ? { finishedAt: deps.clock.now() } : {}),
        });
        if (final)
          await repos.events.emit({
            type: 'workflow.run_failed',
            podId: run.podId,
            subjectType: 'workflow_run',
            subjectId: runId,
            actorId: null,
            data: { workflow: run.workflow, key: run.key, step: step.name, error: message(error) },
            occurredAt: deps.clock.now(),
          });
      });
      if (emitted.length) env.outbox?.ring();
      instrumentation.committed(emitted);
      throw error;
    }
  }
  await read.workflows.updateRun(runId, {
    status: 'succeeded',
    output: JSON.parse(JSON.stringify(outputs)),
    error: null,
    finishedAt: deps.clock.now(),
  });
}

/** The job that executes workflow runs. */
export function runJob(env: WorkflowEnv): JobDefinition<{ runId: string }> {
  const p = env.deps.policy.workflows;
  return {
    queue: RUN_QUEUE,
    policy: {
      retryLimit: p.retryLimit,
      retryDelay: p.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: p.jobTimeoutSeconds,
    },
    handle: (data, meta) => executeRun(env, data.runId, meta),
  };
}
