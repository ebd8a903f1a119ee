/**
 * How a CLOS command-line tool (the `clos` CLI, the GitHub Action) reports a failure of the typed
 * HTTP client from `@clos/contract`: the exit code it means and lines that say what to do next.
 */
import {
  type ClosApiError,
  ClosConnectionError,
  ClosResponseError,
  type ErrorCode,
  isClosApiError,
} from '@clos/contract';
import { CliError, EXIT, type ExitCode } from './errors.ts';

/** The server's error body as it came over the wire, for `--json`. */
export function errorBody(error: ClosApiError): unknown {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
      requestId: error.requestId,
    },
  };
}

interface Holder {
  lockId: string;
  itemId: string;
  acquiredAt: string;
}

/** Lines naming each WIP holder, and how to free a slot. */
export function holderLines(holders: readonly Holder[]): string[] {
  if (holders.length === 0) return [];
  return [
    'holders:',
    ...holders.map((h) => `  ${h.itemId}  lock ${h.lockId}  since ${h.acquiredAt}`),
    'release one with: clos wip release --lock <id>',
  ];
}

/** Lines listing every unmet criterion of a gate evaluation, one per line. */
export function unmetLines(criteria: readonly { met: boolean; message: string }[]): string[] {
  return criteria.filter((c) => !c.met).map((c) => `  ✗ ${c.message}`);
}

/** What each error code means for the exit status: refused by state, caller's mistake, or no service. */
const EXIT_FOR_CODE: Record<ErrorCode, ExitCode> = {
  invalid_request: EXIT.usage,
  not_found: EXIT.usage,
  payload_too_large: EXIT.usage,
  unsupported_media_type: EXIT.usage,
  uri_too_long: EXIT.usage,
  headers_too_large: EXIT.usage,
  wip_limit_exceeded: EXIT.failed,
  gate_criteria_unmet: EXIT.failed,
  promotion_criteria_unmet: EXIT.failed,
  conflict: EXIT.failed,
  unauthorized: EXIT.unreachable,
  forbidden: EXIT.unreachable,
  address_not_allowed: EXIT.unreachable,
  csrf_token_invalid: EXIT.unreachable,
  rate_limited: EXIT.unreachable,
  request_timeout: EXIT.unreachable,
  internal_error: EXIT.unreachable,
  service_unavailable: EXIT.unreachable,
};

/** The detail lines for an API error: every field problem, unmet criterion, holder or blocker. */
function detailLines(error: ClosApiError): string[] {
  if (isClosApiError(error, 'invalid_request'))
    return (error.details ?? []).map((d) => `  ${d.path}: ${d.message}`);
  if (isClosApiError(error, 'wip_limit_exceeded')) return holderLines(error.details?.holders ?? []);
  if (isClosApiError(error, 'gate_criteria_unmet'))
    return ['unmet:', ...unmetLines(error.details?.evaluation.criteria ?? [])];
  if (isClosApiError(error, 'promotion_criteria_unmet'))
    return (error.details?.blockers ?? []).map((b) => `  ✗ ${b.message}`);
  if (isClosApiError(error, 'unauthorized'))
    return [
      'the token is missing, unknown, revoked or expired: run clos login --url URL --token TOKEN (or set CLOS_TOKEN)',
    ];
  if (isClosApiError(error, 'forbidden')) {
    const details = (error.details ?? {}) as {
      permission?: string;
      role?: string;
      pod?: string;
      allowedRoles?: string[];
    };
    return [
      ...(details.permission
        ? [`this needs the "${details.permission}" permission; the token acts as ${details.role}`]
        : []),
      ...(details.allowedRoles ? [`only ${details.allowedRoles.join(' or ')} may do this`] : []),
      ...(details.pod ? [`the token is not scoped to pod "${details.pod}"`] : []),
      'use a token with the right role or pod scope (an admin can make one: clos token create)',
    ];
  }
  if (isClosApiError(error, 'rate_limited')) return ['too many requests: wait a moment and try again'];
  if (EXIT_FOR_CODE[error.code] === EXIT.unreachable && error.requestId)
    return [`request id ${error.requestId} (look it up in the server log)`];
  return [];
}

/**
 * Maps a failure of the client to a `CliError`. Expected refusals (gate unmet, WIP limit, conflicts)
 * are exit 1; what the caller sent wrong is exit 2; not reaching, not being let in, or a broken server
 * is exit 3.
 */
export function toCliError(error: unknown): unknown {
  if (error instanceof ClosConnectionError)
    return new CliError(error.message, EXIT.unreachable, [
      'check that the server is running and that CLOS_URL or the profile (clos login) points at it',
    ]);
  if (error instanceof ClosResponseError)
    return new CliError(`${error.message} (is that a CLOS server, of a matching version?)`, EXIT.unreachable);
  if (!isClosApiError(error)) return error;
  const lines = detailLines(error);
  return new CliError(headline(error, lines), EXIT_FOR_CODE[error.code], lines, errorBody(error));
}

// The server's message for these codes joins the very problems listed below it, one per line.
function headline(error: ClosApiError, lines: string[]): string {
  if (lines.length === 0) return error.message;
  if (error.code === 'invalid_request') return 'the server rejected the request:';
  if (error.code === 'promotion_criteria_unmet') return 'the idea cannot be promoted yet:';
  return error.message;
}
