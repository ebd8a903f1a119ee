import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Clock, createServices, type Deps, GateValidators, type Policy, type Secrets } from '@clos/core';
import type { Database } from './database.ts';
import { createUnitOfWork } from './repositories.ts';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** Tokens carry 192 random bits; a prefix makes leaked ones recognisable to secret scanners. */
export const nodeSecrets: Secrets = {
  newToken: () => `clos_${randomBytes(24).toString('base64url')}`,
  hashToken: sha256,
  sha256,
};

export const systemClock: Clock = { now: () => new Date() };

/** Every use case over a real database: the composition the server, jobs and tests share. */
export function composeServices(options: { database: Database; policy: Policy; clock?: Clock }) {
  const deps: Deps = {
    uow: createUnitOfWork(options.database, randomUUID),
    clock: options.clock ?? systemClock,
    ids: { uuid: randomUUID },
    policy: options.policy,
    validators: new GateValidators(options.policy.stages),
    secrets: nodeSecrets,
  };
  return createServices(deps);
}
