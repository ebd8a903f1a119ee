import type { ErrorCode } from '@clos/contract';
import { DomainError } from '@clos/core';
import type { FastifyBaseLogger } from 'fastify';
import type { ZodError } from 'zod';

/** GraphQL-only: the query was refused before execution for its depth or estimated cost. */
export type GraphqlErrorCode = ErrorCode | 'query_too_complex';

/**
 * An error a resolver throws: graphql-js copies `extensions` from the original error onto the one it
 * reports, so clients read the same `code` and `details` a REST call would answer with.
 */
export class GraphqlFailure extends Error {
  readonly extensions: { code: GraphqlErrorCode; details?: unknown };

  constructor(code: GraphqlErrorCode, message: string, details?: unknown) {
    super(message);
    this.extensions = { code, ...(details === undefined ? {} : { details }) };
  }
}

/** A tagged failure from a use case (WIP limit, unmet gate or promotion criteria), as REST reports it. */
export function failureOf(failure: { code: string; message: string } & object): GraphqlFailure {
  const { code, message, ...details } = failure;
  return new GraphqlFailure(code as ErrorCode, message, details);
}

/** Argument problems, worded like REST's `invalid_request` (paths are argument names). */
export function invalidArguments(error: ZodError): GraphqlFailure {
  return invalidInput(
    error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(arguments)',
      message: issue.message,
    })),
  );
}

/** Values no field may hold (NUL, lone surrogates, nesting too deep), found by the shared input rules. */
export function invalidInput(problems: { path: string; message: string }[]): GraphqlFailure {
  return new GraphqlFailure(
    'invalid_request',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    problems,
  );
}

/** Domain faults keep their code, message and details; anything else is an internal error. */
export function toFailure(error: unknown): GraphqlFailure | null {
  if (error instanceof GraphqlFailure) return error;
  if (error instanceof DomainError)
    return new GraphqlFailure(error.code as ErrorCode, error.message, error.details);
  return null;
}

interface ReportedError {
  message: string;
  locations?: readonly { line: number; column: number }[] | undefined;
  path?: readonly (string | number)[] | undefined;
  originalError?: unknown;
  extensions?: Record<string, unknown> | undefined;
}

export interface FormattedError {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  extensions: Record<string, unknown>;
}

/**
 * One error as it leaves `/graphql`. Before execution (`request`: syntax, validation, variables) every
 * problem is the caller's: `invalid_request`. During execution, faults that are not ours to explain (a
 * bug, a database failure) are logged and reported as `internal_error` without their message, as REST
 * does.
 */
export function formatError(
  error: ReportedError,
  log: FastifyBaseLogger,
  phase: 'request' | 'execution',
): FormattedError {
  const located = {
    ...(error.locations ? { locations: error.locations } : {}),
    ...(error.path ? { path: error.path } : {}),
  };
  const failure = toFailure(error.originalError);
  if (failure) return { message: failure.message, ...located, extensions: { ...failure.extensions } };
  if (phase === 'request' || error.originalError == null)
    return {
      message: error.message,
      ...located,
      extensions: {
        ...error.extensions,
        code: (error.extensions?.code as string | undefined) ?? 'invalid_request',
      },
    };
  log.error({ err: error.originalError, path: error.path }, 'unhandled error in a GraphQL resolver');
  return {
    message: 'internal error; the request id is in the server log',
    ...located,
    extensions: { code: 'internal_error' },
  };
}
