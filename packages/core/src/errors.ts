/**
 * Faults: the small closed set of errors a use case may throw. The HTTP layer maps each class to one
 * status and error code; anything else is a 500.
 */
export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `scores.impact`. */
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that parses but is wrong for the domain (an unknown criterion, a bad time zone). */
export class InvalidInputError extends DomainError {
  constructor(problems: FieldProblem[]) {
    super('invalid_request', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, key: string) {
    super('not_found', `${entity} ${JSON.stringify(key)} does not exist`, { entity, key });
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('forbidden', message, details);
  }
}

/** The request is valid but contradicts the current state (duplicate slug, archived idea…). */
export class ConflictError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, details);
  }
}
