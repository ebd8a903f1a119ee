import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  type AuditCheckpointPorts,
  type Clock,
  createServices,
  type Deps,
  GateValidators,
  type Policy,
  type Repositories,
  type Secrets,
  type UnitOfWork,
} from '@clos/core';
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
  /** Called after a transaction that wrote domain events commits (the outbox relay's cue). */
  afterCommitWithEvents?: () => void;
  /** Seals and opens stored secrets; without it, registering a webhook is refused (503). */
  secretBox?: SecretBox | undefined;
  /** The audit signing key and checkpoint sinks; without them the checkpoint endpoints answer 503. */
  auditCheckpoints?: AuditCheckpointPorts | undefined;
}

/** The ports over a real database: what use cases, jobs and workflows are built from. */
export function composeDeps(options: ComposeOptions): Deps {
  const clock = options.clock ?? systemClock;
  return {
    uow: createUnitOfWork(options.database, randomUUID, {
      afterCommitWithEvents: () => options.afterCommitWithEvents?.(),
      secretBox: options.secretBox,
      clock,
    }),
    clock,
    ids: { uuid: randomUUID },
    policy: options.policy,
    validators: new GateValidators(options.policy.stages),
    secrets: nodeSecrets,
    auditCheckpoints: options.auditCheckpoints,
  };
}

/** Every use case over a real database: the composition the server, jobs and tests share. */
export function composeServices(options: ComposeOptions) {
  return createServices(composeDeps(options));
}

/**
 * A unit of work that runs everything inside one transaction already open: use cases called by a
 * workflow step join the step's transaction, so their effect and the step's completion commit together.
 */
export function boundUnitOfWork(repos: Repositories): UnitOfWork {
  return { run: (work) => work(repos), read: repos, writeVersion: () => null };
}
