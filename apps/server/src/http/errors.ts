import type { ErrorCode } from '@clos/contract';
import { DomainError, type FieldProblem, InvalidInputError } from '@clos/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/** The one shape every error leaves the API in. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

const DOMAIN_STATUS: Record<string, number> = {
  invalid_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  wip_limit_exceeded: 409,
  gate_criteria_unmet: 422,
  promotion_criteria_unmet: 422,
  // A fault of this server's configuration, not of the request (no CLOS_SECRET_KEY to store secrets).
  service_unavailable: 503,
};

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: ErrorCode,
  message: string,
  details?: unknown,
) {
  return reply.code(status).send({
    error: { code, message, ...(details === undefined ? {} : { details }), requestId: String(request.id) },
  });
}

/** A tagged failure from a use case (WIP limit, unmet gate) as its HTTP answer. */
export function sendFailure(
  reply: FastifyReply,
  request: FastifyRequest,
  failure: { code: string; message: string } & Record<string, unknown>,
) {
  const { code, message, ...details } = failure;
  return sendError(reply, request, DOMAIN_STATUS[code] ?? 409, code as ErrorCode, message, details);
}

/**
 * The domain names input fields without knowing HTTP; say where each one was sent (`body.scores.x`,
 * `params.itemType`, `querystring.cursor`) so every 400 reads the same way.
 */
function locate(request: FastifyRequest, path: string): string {
  const head = path.split('.')[0]!;
  const has = (part: unknown) => part !== null && typeof part === 'object' && head in (part as object);
  if (has(request.params)) return `params.${path}`;
  if (has(request.query)) return `querystring.${path}`;
  return `body.${path}`;
}

function fieldPath(
  context: string | undefined,
  instancePath: string,
  params: Record<string, unknown>,
): string[] {
  const base = [context ?? 'body', ...instancePath.split('/').filter(Boolean)].join('.');
  // Unknown keys come as one issue listing all of them; name each.
  const keys = params.keys;
  if (Array.isArray(keys) && keys.length) return keys.map((k) => `${base}.${String(k)}`);
  return [base];
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as { validationContext?: string }).validationContext;
    const problems = error.validation.flatMap((v) => {
      const params = (v.params ?? {}) as Record<string, unknown>;
      const isUnknown = Array.isArray(params.keys);
      return fieldPath(context, v.instancePath, params).map((path) => ({
        path,
        message: isUnknown ? 'is not a known field' : (v.message ?? 'is invalid'),
      }));
    });
    return sendError(
      reply,
      request,
      400,
      'invalid_request',
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      problems,
    );
  }
  if (error instanceof InvalidInputError) {
    const problems = (error.details as FieldProblem[]).map((p) => ({ ...p, path: locate(request, p.path) }));
    return sendError(
      reply,
      request,
      400,
      'invalid_request',
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      problems,
    );
  }
  if (error instanceof DomainError)
    return sendError(
      reply,
      request,
      DOMAIN_STATUS[error.code] ?? 400,
      error.code as ErrorCode,
      error.message,
      error.details,
    );
  if (error instanceof HttpError)
    return sendError(reply, request, error.status, error.code, error.message, error.details);
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
    return sendError(
      reply,
      request,
      500,
      'internal_error',
      'the server produced an invalid response; this is a bug',
    );
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(
        reply,
        request,
        413,
        'payload_too_large',
        'request body is larger than the server accepts',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, request, 415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendError(
        reply,
        request,
        400,
        'invalid_request',
        'body: must not be empty when Content-Type is application/json',
        [{ path: 'body', message: 'is empty' }],
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendError(reply, request, 400, 'invalid_request', `body: is not valid JSON (${error.message})`, [
        { path: 'body', message: 'is not valid JSON' },
      ]);
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own client errors (e.g. malformed JSON from the parser, which has no FST_ code).
    const code: ErrorCode =
      error.statusCode === 404
        ? 'not_found'
        : error.statusCode === 413
          ? 'payload_too_large'
          : 'invalid_request';
    return sendError(reply, request, error.statusCode, code, error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendError(
    reply,
    request,
    500,
    'internal_error',
    'internal error; the request id is in the server log',
  );
}
