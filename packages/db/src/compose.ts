import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  type AuditCheckpointPorts,
  type Clock,
  createOutboxBell,
  createServices,
  type Deps,
  GateValidators,
  type Instrumentation,
  NO_INSTRUMENTATION,
  type OutboxBell,
  type Policy,
  type Repositories,
  type Secrets,
  type Services,
  type UnitOfWork,
} from '@clos/core';
import { type AuthWatch, createAuthWatch } from './auth-watch.ts';
import type { Database } from './database.ts';
import type { SecretBox } from './secret-box.ts';
import { systemClock } from './system-clock.ts';
import { createUnitOfWork } from './unit-of-work.ts';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** Tokens carry 192 random bits; a prefix makes leaked ones recognisable to secret scanners. */
export const nodeSecrets: Secrets = {
  newToken: () => `clos_${randomBytes(24).toString('base64url')}`,
  hashToken: sha256,
  sha256,
};

export interface ComposeOptions {
  database: Database;
  policy: Policy;
  clock?: Clock;
  /** Rung after a transaction that wrote domain events commits (the outbox relay listens); a new one if absent. */
  outbox?: OutboxBell | undefined;
  /** Wraps every unit of work (metrics, tracing); nothing when absent. */
  instrumentation?: Instrumentation | undefined;
  /** Seals and opens stored secrets; without it, registering a webhook is refused (503). */
  secretBox?: SecretBox | undefined;
  /** The audit signing key and checkpoint sinks; without them the checkpoint endpoints answer 503. */
  auditCheckpoints?: AuditCheckpointPorts | undefined;
  /** Tells the token cache of changes; a new one if absent (started by the job runner). */
  authWatch?: AuthWatch | undefined;
}

/**
 * Everything the use cases, the job runner and the HTTP layer share in one process, built once: the
 * ports over the database, the use cases over them, the outbox bell the relay listens to and the
 * instrumentation every layer reports to. The server's composition root (apps/server compose.ts)
 * builds it and passes it down; nothing below builds its own.
 */
export interface Core {
  database: Database;
  policy: Policy;
  deps: Deps;
  services: Services;
  outbox: OutboxBell;
  instrumentation: Instrumentation;
  secretBox: SecretBox | undefined;
  /** Started and stopped by the job runner; until started, PostgreSQL token lookups are not cached. */
  authWatch: AuthWatch;
}

/** The ports over a real database: what use cases, jobs and workflows are built from. */
export function composeDeps(options: ComposeOptions & { outbox: OutboxBell; authWatch?: AuthWatch }): Deps {
  const clock = options.clock ?? systemClock;
  const outbox = options.outbox;
  return {
    uow: createUnitOfWork(options.database, randomUUID, {
      afterCommitWithEvents: () => outbox.ring(),
      secretBox: options.secretBox,
      clock,
      instrumentation: options.instrumentation,
      authWatch: options.authWatch,
    }),
    clock,
    ids: { uuid: randomUUID },
    policy: options.policy,
    validators: new GateValidators(options.policy.stages),
    secrets: nodeSecrets,
    auditCheckpoints: options.auditCheckpoints,
  };
}

/** Builds a process's {@link Core}. */
export function composeCore(options: ComposeOptions): Core {
  const outbox = options.outbox ?? createOutboxBell();
  const authWatch = options.authWatch ?? createAuthWatch(options.database);
  const deps = composeDeps({ ...options, outbox, authWatch });
  return {
    database: options.database,
    policy: options.policy,
    deps,
    services: instrumentServices(createServices(deps), options.instrumentation),
    outbox,
    instrumentation: options.instrumentation ?? NO_INSTRUMENTATION,
    secretBox: options.secretBox,
    authWatch,
  };
}

/** Every use case over a real database (for tools and tests that need no job runner). */
export function composeServices(options: ComposeOptions): Services {
  return composeCore(options).services;
}

/**
 * A unit of work that runs everything inside one transaction already open: use cases called by a
 * workflow step join the step's transaction, so their effect and the step's completion commit together.
 */
export function boundUnitOfWork(repos: Repositories): UnitOfWork {
  return { run: (work) => work(repos), read: repos, writeVersion: () => null, authVersion: () => null };
}

/**
 * Every use case called through `services` wrapped in the instrumentation's `useCase` hook, named
 * `<service>.<method>` (`stages.advance`): one span per use case, and its tagged result seen by the
 * metrics. Use cases calling each other inside a service are not wrapped again. Without
 * instrumentation the services are returned as they are.
 */
export function instrumentServices(services: Services, instrumentation?: Instrumentation): Services {
  if (!instrumentation || instrumentation === NO_INSTRUMENTATION) return services;
  const wrap =
    (name: string, fn: (...args: unknown[]) => unknown, self: unknown) =>
    (...args: unknown[]) =>
      instrumentation.useCase({ name }, () => fn.apply(self, args));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(services)) {
    if (typeof value === 'function') out[key] = wrap(key, value as (...args: unknown[]) => unknown, services);
    else if (value && typeof value === 'object' && key !== 'policy') {
      const methods: Record<string, unknown> = {};
      for (const [method, fn] of Object.entries(value))
        methods[method] =
          typeof fn === 'function'
            ? wrap(`${key}.${method}`, fn as (...args: unknown[]) => unknown, value)
            : fn;
      out[key] = methods;
    } else out[key] = value;
  }
  return out as Services;
}
