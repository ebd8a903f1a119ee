import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Clock, type Deps, GateValidators, type Policy, type Secrets, createServices } from '@clos/core';
import { type Database, createUnitOfWork } from '@clos/db';

export const nodeSecrets: Secrets = {
  newToken: () => `clos_${randomBytes(24).toString('base64url')}`,
  hashToken: (v) => createHash('sha256').update(v).digest('hex'),
  sha256: (v) => createHash('sha256').update(v).digest('hex'),
};

/** The use cases over a real database, as the server composes them. */
export function servicesOver(database: Database, policy: Policy, clock: Clock) {
  const deps: Deps = {
    uow: createUnitOfWork(database, randomUUID),
    clock,
    ids: { uuid: randomUUID },
    policy,
    validators: new GateValidators(policy.stages),
    secrets: nodeSecrets,
  };
  return createServices(deps);
}
