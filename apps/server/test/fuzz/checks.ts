/**
 * What must hold for every answer, whatever was sent (issue 9): never a 5xx, every error in the one
 * envelope with a known code, every 400 naming its fields, a refused request changing nothing, NUL
 * and lone surrogates never accepted, bodies of other media types and charsets refused, and no
 * GraphQL field failing as an internal error.
 */
import { ERROR_CODES, type RouteDefinition, routes } from '@clos/contract';
import type { LightMyRequestResponse } from 'fastify';
import { isForeignCharset, isNonJsonMediaType } from './hostile.ts';
import type { FuzzCase } from './requests.ts';
import { carriesHostile, RawBody } from './values.ts';

export const CHECKS = [
  'no-5xx',
  'error-envelope',
  'field-paths',
  'refused-unchanged',
  'bad-chars-refused',
  'media-type',
  'email-length',
  'graphql-internal',
  'no-answer',
  'audit-verifies',
] as const;
export type Check = (typeof CHECKS)[number];

export interface Violation {
  check: Check;
  message: string;
}

const KNOWN_CODES = new Set<string>(ERROR_CODES);
// Where a problem can be: a field of the body, path or query, a header, or the URL as a whole.
const FIELD_PATH = /^(body|params|querystring|headers|url)([.[]|$)/;

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether the case sends a NUL or lone surrogate in a field the route declares (so reads). */
export function sendsBadChars(c: FuzzCase): boolean {
  if (c.kind === 'graphql') return c.document === null && c.args.some((a) => carriesHostile(a.value));
  const def = routes[c.route] as RouteDefinition;
  if (c.method !== def.method) return false;
  if (carriesHostile(Object.values(c.params), 'url')) return true;
  if (def.query && c.query.some(([k, v]) => carriesHostile(k, 'url') || carriesHostile(v, 'url')))
    return true;
  return !!def.body && c.body !== undefined && !(c.body instanceof RawBody) && carriesHostile(c.body);
}

/** Whether the case names a user by an email longer than an address can be (254 characters). */
export function sendsLongEmail(c: FuzzCase): boolean {
  const long = (v: unknown) => typeof v === 'string' && v.length > 254;
  if (c.kind === 'graphql')
    return c.document === null && c.args.some((a) => a.name === 'email' && long(a.value));
  const def = routes[c.route] as RouteDefinition;
  if (!def.body || c.method !== def.method || !isObject(c.body)) return false;
  return long(c.body.email) || long(c.body.user);
}

/** The REST error envelope, or why the body is not one. */
function envelopeProblem(body: unknown, requestId: string | undefined): string | null {
  if (!isObject(body)) return 'the body is not a JSON object';
  const keys = Object.keys(body);
  if (keys.length !== 1 || !isObject(body.error))
    return `expected { error: {…} }, got keys ${keys.join(', ')}`;
  const e = body.error;
  if (typeof e.code !== 'string' || !KNOWN_CODES.has(e.code))
    return `unknown error code ${JSON.stringify(e.code)}`;
  if (typeof e.message !== 'string' || !e.message) return 'error.message is missing';
  if (typeof e.requestId !== 'string') return 'error.requestId is missing';
  if (requestId !== undefined && e.requestId !== requestId)
    return `error.requestId ${e.requestId} differs from the X-Request-Id header ${requestId}`;
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'requestId', 'details'].includes(k));
  if (extra.length) return `unexpected error fields ${extra.join(', ')}`;
  return null;
}

/** GraphQL's own error list (`{ errors: [{ message, extensions: { code } }] }`), or why not. */
function graphqlErrorsProblem(body: unknown): string | null {
  if (!isObject(body) || !Array.isArray(body.errors) || !body.errors.length) return 'no errors list';
  for (const e of body.errors) {
    if (!isObject(e) || typeof e.message !== 'string') return 'an error without a message';
    const code = isObject(e.extensions) ? e.extensions.code : undefined;
    if (typeof code !== 'string') return `an error without extensions.code: ${e.message}`;
  }
  return null;
}

export interface Answer {
  status: number;
  body: string;
  headers: LightMyRequestResponse['headers'];
}

/**
 * A refusal, after which the database must be as it was (`refused-unchanged`, compared by the runner):
 * every 4xx but the one documented exception, which records the refused WIP acquire; and a GraphQL
 * answer whose every field failed.
 */
export function isRefusal(c: FuzzCase, res: Answer): boolean {
  const json = parse(res.body);
  const code = isObject(json) && isObject(json.error) ? json.error.code : undefined;
  if (res.status >= 400 && res.status < 500) return code !== 'wip_limit_exceeded';
  return (
    c.kind === 'graphql' &&
    res.status === 200 &&
    isObject(json) &&
    Array.isArray(json.errors) &&
    json.errors.length > 0 &&
    (!isObject(json.data) || Object.values(json.data).every((v) => v === null)) &&
    json.errors.every(
      (e) => isObject(e) && isObject(e.extensions) && e.extensions.code !== 'wip_limit_exceeded',
    )
  );
}

/** Checks one answer (all but `refused-unchanged`, which needs the database). */
export function checkAnswer(c: FuzzCase, res: Answer): Violation[] {
  const out: Violation[] = [];
  const def = c.kind === 'rest' ? (routes[c.route] as RouteDefinition) : null;
  const method = c.kind === 'rest' ? c.method : 'POST';
  const json = parse(res.body);
  const headerId = typeof res.headers['x-request-id'] === 'string' ? res.headers['x-request-id'] : undefined;
  const code = isObject(json) && isObject(json.error) ? json.error.code : undefined;

  // A 5xx the route documents (readyz's and the stream's 503) is an answer, not a fault.
  const sameRoute = def && (method === def.method || (method === 'HEAD' && def.method === 'GET'));
  const declared =
    sameRoute &&
    res.status in def.responses &&
    (code === 'service_unavailable' || (method === 'HEAD' && !res.body));
  if (res.status >= 500 && !declared)
    out.push({ check: 'no-5xx', message: `${res.status} ${res.body.slice(0, 300)}` });

  if (res.status >= 400 && method !== 'HEAD') {
    const rest = envelopeProblem(json, headerId);
    const graphql = c.kind === 'graphql' ? graphqlErrorsProblem(json) : 'not GraphQL';
    if (rest && graphql)
      out.push({ check: 'error-envelope', message: `${res.status}: ${rest}: ${res.body.slice(0, 300)}` });
    else if (!rest && !String(res.headers['content-type'] ?? '').startsWith('application/json'))
      out.push({ check: 'error-envelope', message: `${res.status} sent as ${res.headers['content-type']}` });
    if (code === 'invalid_request' && isObject(json) && isObject(json.error)) {
      const details = json.error.details;
      const ok =
        Array.isArray(details) &&
        details.length > 0 &&
        details.every(
          (d) =>
            isObject(d) &&
            typeof d.path === 'string' &&
            FIELD_PATH.test(d.path) &&
            typeof d.message === 'string',
        );
      if (!ok)
        out.push({
          check: 'field-paths',
          message: `400 without a field path for each problem: ${JSON.stringify(details ?? null).slice(0, 300)}`,
        });
    }
  }

  if (sendsBadChars(c)) {
    const accepted =
      c.kind === 'rest'
        ? res.status < 300
        : res.status < 300 && !(isObject(json) && Array.isArray(json.errors) && json.errors.length > 0);
    if (accepted)
      out.push({
        check: 'bad-chars-refused',
        message: `a NUL or lone surrogate in a field was accepted: ${res.status} ${res.body.slice(0, 200)}`,
      });
  }

  if (sendsLongEmail(c)) {
    const accepted =
      res.status < 300 &&
      !(c.kind === 'graphql' && isObject(json) && Array.isArray(json.errors) && json.errors.length);
    if (accepted)
      out.push({
        check: 'email-length',
        message: `an email over 254 characters was accepted: ${res.status}`,
      });
  }

  // Only where a body is read: a route without one may ignore what it is sent.
  const sentBody = c.kind === 'graphql' || (!!def?.body && c.body !== undefined && method === def.method);
  if (sentBody) {
    // Refused for something else first (the token, the URL, the size) is fine; read as a body is not.
    const details = isObject(json) && isObject(json.error) ? json.error.details : undefined;
    const readBody =
      res.status < 300 ||
      res.status === 409 ||
      res.status === 422 ||
      (res.status === 400 &&
        Array.isArray(details) &&
        details.some((d) => isObject(d) && String(d.path).startsWith('body')));
    if (isNonJsonMediaType(c.contentType) && readBody)
      out.push({
        check: 'media-type',
        message: `non-JSON body read: ${c.contentType} answered ${res.status}, not 415`,
      });
    if (isForeignCharset(c.contentType) && res.status < 300)
      out.push({
        check: 'media-type',
        message: `non-UTF-8 charset accepted: ${c.contentType} answered ${res.status}`,
      });
  }

  if (c.kind === 'graphql' && isObject(json) && Array.isArray(json.errors))
    for (const e of json.errors)
      if (isObject(e) && isObject(e.extensions) && e.extensions.code === 'internal_error')
        out.push({
          check: 'graphql-internal',
          message: `${JSON.stringify(e.path ?? null)}: ${String(e.message)}`,
        });

  return out;
}
