import type {
  Deps,
  Notifier,
  OutboxBell,
  Pod,
  Policy,
  ScheduleSpec,
  Services,
  WorkflowRun,
} from '@clos/core';
import type { Database, Db, SecretBox } from '@clos/db';
import type { HostLookup } from '@clos/outbound';
import type { WorkflowDefinition } from './engine.ts';
import type { JobDefinition, JobQueue } from './queue.ts';
import type { EventSubscriber } from './relay.ts';

/** A workflow started by the clock: per pod (in the pod's time zone) or company-wide. */
export interface ScheduledStart {
  workflow: string;
  spec: ScheduleSpec;
  podId: string | null;
  input: Record<string, unknown>;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What every module is built with: one per process. */
export interface RuntimeEnv {
  database: Database;
  deps: Deps;
  /** The process's use cases (the composition root's, built once). */
  services: Services;
  policy: Policy;
  queue: JobQueue;
  notifiers: readonly Notifier[];
  /** Resolves host names for outbound calls to chosen URLs (tests inject one; the system's otherwise). */
  outboundLookup?: HostLookup | undefined;
  logger: Logger;
  /** Seals and opens stored secrets (webhook signing secrets); absent when no key is configured. */
  secretBox?: SecretBox | undefined;
  /** Starts a workflow run in `tx` (idempotent by key); null if the key exists. */
  startRun(
    tx: Db,
    start: {
      workflow: string;
      key: string;
      podId: string | null;
      input: Record<string, unknown>;
      scheduledFor?: Date;
    },
  ): Promise<WorkflowRun | null>;
  /** Rung after a transaction that wrote events commits (the relay listens). */
  outbox: OutboxBell;
}

/**
 * One feature of the job runner: its workflows, the clock times that start them, the events it
 * reacts to, its own job queues, and work done at every scheduler tick. A new workflow or reaction is
 * one module file plus one line in `registry.ts`.
 */
export interface RuntimeModule {
  name: string;
  workflows?: WorkflowDefinition<never>[];
  schedules?: (policy: Policy, pods: Pod[]) => ScheduledStart[];
  subscribers?: EventSubscriber[];
  jobs?: JobDefinition<never>[];
  /** Runs at each scheduler tick of each worker (keep it idempotent). */
  onTick?: (now: Date) => Promise<void>;
  /** Releases what the module holds (pooled connections) when the runtime stops. */
  stop?: () => Promise<void>;
}
