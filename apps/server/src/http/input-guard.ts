import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { findInputProblems, type InputProblem, jsonTextDepth, MAX_INPUT_DEPTH } from '@clos/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, sendError } from './errors.ts';

/** Longest request target (path and query) accepted; longer ones are answered 414. */
export const MAX_URL_LENGTH = 8 * 1024;

/**
 * Longest path parameter: far above any real slug (60) or id (36), so an over-long one reaches the
 * route's schema and is refused there by name, instead of Fastify's bare 414 before routing.
 */
export const MAX_PARAM_LENGTH = 1000;

function invalid(problems: InputProblem[]): HttpError {
  return new HttpError(
    400,
    'invalid_request',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    problems,
  );
}

const UTF8 = /^utf-?8$/i;

/** The `charset` parameter of a Content-Type header, unquoted, or null when none is given. */
function charsetOf(contentType: string | undefined): string | null {
  const match = contentType?.match(/;\s*charset\s*=\s*("?)([^";\s]*)\1/i);
  return match ? match[2]! : null;
}

/**
 * One guard at the boundary for every route, so no field can be forgotten:
 * - JSON is the only body format (Fastify's text/plain parser is removed: 415 otherwise), in UTF-8
 *   only (JSON's own encoding, RFC 8259; any other charset is 415), nested at most
 *   {@link MAX_INPUT_DEPTH} levels (counted on the raw text before parsing, so a million-level body
 *   costs one pass and no stack), parsed with prototype-poisoning protection as Fastify's own is;
 * - params, query values and bodies hold no string PostgreSQL or UTF-8 cannot store (NUL, lone
 *   surrogates), keys included, checked before schema validation with each field's path;
 * - over-long request targets are 414 in the error envelope.
 * GraphQL arguments written inline in a query are checked by the resolvers with the same rules.
 */
export function registerInputGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== null && !UTF8.test(charset)) {
      done(
        new HttpError(
          415,
          'unsupported_media_type',
          `send JSON in UTF-8 (charset=${charset.slice(0, 40)} is not accepted)`,
          { charset: charset.slice(0, 40) },
        ),
        undefined,
      );
      return;
    }
    const text = body as string;
    const depth = jsonTextDepth(text, MAX_INPUT_DEPTH);
    if (depth > MAX_INPUT_DEPTH) {
      done(
        invalid([
          { path: 'body', message: `nests deeper than ${MAX_INPUT_DEPTH} levels of objects and arrays` },
        ]),
        undefined,
      );
      return;
    }
    parseJson(request, text, done);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length > MAX_URL_LENGTH)
      return sendError(
        reply,
        request,
        414,
        'uri_too_long',
        `the request URL is ${request.url.length} characters long; the limit is ${MAX_URL_LENGTH}`,
        { length: request.url.length, limit: MAX_URL_LENGTH },
      );
    // A segment over the router's parameter limit matches no route but the SPA's catch-all (404):
    // say what is wrong with it instead.
    const path = request.url.split('?', 1)[0]!;
    if (path.length > MAX_PARAM_LENGTH && path.split('/').some((s) => s.length > MAX_PARAM_LENGTH))
      return sendError(
        reply,
        request,
        414,
        'uri_too_long',
        `a segment of the URL path is longer than ${MAX_PARAM_LENGTH} characters`,
        { limit: MAX_PARAM_LENGTH },
      );
  });

  app.addHook('preValidation', async (request) => {
    const problems = [
      ...findInputProblems(request.params, 'params'),
      ...findInputProblems(request.query, 'querystring'),
      ...(request.body === undefined ? [] : findInputProblems(request.body, 'body')),
    ];
    if (problems.length) throw invalid(problems);
  });
}

/** What every API answer carries (security-headers.ts), for answers written before any hook runs. */
const EARLY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/**
 * Errors Fastify meets before a route runs (a URL that does not decode, a path parameter longer than
 * {@link MAX_PARAM_LENGTH}), answered in the error envelope like everything else.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // No hook runs for these (helmet's included): the answer carries the API's headers itself.
  reply.headers(EARLY_HEADERS);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return sendError(reply, request, 414, 'uri_too_long', 'a path segment of the URL is too long');
  return sendError(reply, request, 400, 'invalid_request', 'the URL is not valid (it does not decode)', [
    { path: 'url', message: 'is not a valid URL (malformed percent-encoding)' },
  ]);
}

/**
 * Errors the HTTP parser meets before Fastify sees a request (headers over the size limit, a
 * malformed request line, a client too slow to send its headers): Node would answer with a bare
 * status; this writes the error envelope, with a request id for the log.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'the request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request_timeout', 'the request was not received in time']
        : [400, 'Bad Request', 'invalid_request', 'the request is not valid HTTP'];
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message, requestId } });
  this.log.debug({ err: error, requestId }, 'client error before routing');
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${Object.entries(
        EARLY_HEADERS,
      )
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}
