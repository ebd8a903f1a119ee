import type { Actor } from './auth/permissions.ts';
import type { Policy } from './policy.ts';
import type { AuditCheckpointPorts } from './ports/audit-checkpoints.ts';
import type { Clock, IdSource } from './ports/clock.ts';
import type { UnitOfWork } from './ports/repositories.ts';
import type { GateValidators } from './stages/gate.ts';

/** Who asks, and the request id that ties their audit events to the HTTP log. */
export interface Ctx {
  actor: Actor;
  requestId: string | null;
}

export interface Secrets {
  /** A new random API token value (≥ 128 bits). */
  newToken(): string;
  /** The stored form of a token value. */
  hashToken(value: string): string;
  sha256(input: string): string;
}

/** The ports every use case factory takes. */
export interface Deps {
  uow: UnitOfWork;
  clock: Clock;
  ids: IdSource;
  policy: Policy;
  validators: GateValidators;
  secrets: Secrets;
  /** The audit signing key and checkpoint sinks; absent where checkpoints are not set up (503). */
  auditCheckpoints?: AuditCheckpointPorts | undefined;
}
