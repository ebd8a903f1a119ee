import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { traceFields } from '../observability/tracing.ts';

/**
 * Query parameters whose values are credentials, by name: any name containing one of these (case
 * ignored), so `access_token`, `client_secret`, `X-Amz-Signature`, `apiKey` and `code` all match. A
 * harmless parameter caught by the net (`country_code`) only loses its value in the log.
 */
export const CREDENTIAL_PARAM_PARTS = [
  'token',
  'secret',
  'passw',
  'pwd',
  'key',
  'signature',
  'sig',
  'code',
  'auth',
  'session',
  'cookie',
  'credential',
  'jwt',
  'ticket',
  'otp',
] as const;

export const REDACTED = '[REDACTED]';

function paramName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** Whether a query parameter's value is a credential that must not be logged. */
export const isCredentialParam = (name: string): boolean => {
  const n = paramName(name);
  return CREDENTIAL_PARAM_PARTS.some((part) => n.includes(part));
};

/**
 * A URL (path and query, as logged) with the values of credential-like query parameters replaced by
 * `[REDACTED]`; everything else is kept byte for byte, so log searches still match.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = pair.slice(0, eq);
      return isCredentialParam(name) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, q + 1)}${redacted}${hash < 0 ? '' : url.slice(hash)}`;
}

/**
 * Headers that carry credentials: removed wherever a log line holds them (a request, a response, an
 * error from an HTTP client), whatever a serializer or a `debug` call puts there.
 */
const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-clos-signature',
];
const HEADER_HOLDERS = ['headers', 'req.headers', 'res.headers', '*.headers', '*.*.headers'];

export const LOG_REDACT_PATHS = HEADER_HOLDERS.flatMap((holder) =>
  CREDENTIAL_HEADERS.flatMap((h) => [
    `${holder}["${h}"]`,
    `${holder}["${h[0]!.toUpperCase()}${h.slice(1)}"]`,
  ]),
);

/** The access log's view of a request: Fastify's fields, the URL redacted, never a header. */
function requestSerializer(req: FastifyRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}

const HARDENING: Pick<LoggerOptions, 'serializers' | 'redact'> = {
  serializers: { req: requestSerializer as (value: unknown) => unknown },
  redact: { paths: LOG_REDACT_PATHS, remove: true },
};

/** The process logger: pino at `level`, with the redactions above. */
export function createLogger(level: string, stream?: DestinationStream): Logger {
  // Every line written inside a span names it (trace_id, span_id): a log search finds the trace and
  // the trace its log lines. Nothing is added when tracing is off.
  return pino({ level, ...HARDENING, mixin: traceFields }, stream);
}

/**
 * The HTTP server's logger: whoever built `logger`, its access log goes through the redactions (the
 * child's serializers win over Fastify's defaults, and its redaction applies to every line).
 */
export function hardenLogger(logger: FastifyBaseLogger): FastifyBaseLogger {
  return logger.child({}, HARDENING as never);
}
