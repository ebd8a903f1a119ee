/**
 * The typed HTTP client of CLOS: one method per entry of the route table, its input and output types
 * derived from the same Zod schemas the server validates with. Errors arrive as values: the server's
 * `{ error: { code, message, details, requestId } }` as {@link ClosApiError}, an unreachable or slow
 * server as {@link ClosConnectionError}. It uses only `fetch`, so it runs in Node.js and browsers.
 */
import type { z } from 'zod';
import { type ErrorCode, type ErrorDetails, errorSchema } from './api.ts';
import type { RouteDefinition, RoutePart, RouteResponse, RouteSuccessStatus } from './routes/definition.ts';
import type { streamEventSchema } from './routes/stream.ts';
import { type RouteKey, type Routes, routes } from './routes.ts';

/** The subset of `fetch` the client calls; the global one fits, and so does a test's fake. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface ClosClientOptions {
  /** Where CLOS listens, e.g. `http://127.0.0.1:4000`; a path prefix (behind a proxy) is kept. */
  url: string;
  /** An API token, sent as `Authorization: Bearer <token>`. Health probes need none. */
  token?: string | undefined;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike | undefined;
  /** Per request, including reading the body; 0 turns it off. Default 30 000. */
  timeoutMs?: number | undefined;
  /**
   * Parse every success body with its route's schema and throw {@link ClosResponseError} on a
   * mismatch. Off by default: the server already serialises through those schemas.
   */
  validateResponses?: boolean | undefined;
  /** Sent with every request (a `user-agent`, say). */
  headers?: Record<string, string> | undefined;
}

/** Per-call options, the second argument of every method. */
export interface CallOptions {
  /** Cancels the request; the signal's reason is thrown as is. */
  signal?: AbortSignal | undefined;
  /** Sent as `X-Request-Id`; the server uses it in its log and audit events (1–128 of `\w.:-`). */
  requestId?: string | undefined;
  headers?: Record<string, string> | undefined;
}

type Simplify<T> = { [K in keyof T]: T[K] };
// biome-ignore lint/complexity/noBannedTypes: `{} extends T` is how to ask "may every key of T be left out?"
type AllOptional<T> = {} extends T ? true : false;

// A part the route lacks is `never` (sending it does not compile); one the schema lets you omit
// (all fields optional or defaulted, or a nullable body) becomes optional.
type Part<K extends string, S> = [S] extends [undefined]
  ? { [P in K]?: never }
  : undefined extends S
    ? { [P in K]?: S }
    : AllOptional<S> extends true
      ? { [P in K]?: S }
      : { [P in K]: S };

/** What a method takes: `{ params, query, body }` as the schemas accept them (`z.input`). */
export type RouteInput<R extends RouteDefinition> = Simplify<
  Part<'params', RoutePart<R, 'params', 'input'>> &
    Part<'query', RoutePart<R, 'query', 'input'>> &
    Part<'body', RoutePart<R, 'body', 'input'>>
>;

/** A success with its status, from `client.raw.*`: a union over the route's 2xx statuses. */
export type RawResponse<R extends RouteDefinition> = {
  [S in RouteSuccessStatus<R>]: {
    status: S;
    data: RouteResponse<R, S>;
    requestId: string | null;
    headers: Headers;
  };
}[RouteSuccessStatus<R>];

type Method<R extends RouteDefinition, Out> =
  AllOptional<RouteInput<R>> extends true
    ? (input?: RouteInput<R>, options?: CallOptions) => Promise<Out>
    : (input: RouteInput<R>, options?: CallOptions) => Promise<Out>;

/** Routes answering JSON; the event stream has its own method, {@link ClosClient.events}. */
export type JsonRouteKey = {
  [K in RouteKey]: Routes[K] extends { produces: string } ? never : K;
}[RouteKey];

/**
 * One event of `GET /api/v1/stream`, as the typed client yields it: a union discriminated by `type`,
 * so `if (e.type === 'stage.advanced')` narrows `e.data` to that type's payload.
 */
export type StreamedEvent = z.output<typeof streamEventSchema>;

/** The streamed event of one type, e.g. `StreamedEventOf<'idea.submitted'>`. */
export type StreamedEventOf<T extends StreamedEvent['type']> = Extract<StreamedEvent, { type: T }>;

export interface EventsOptions {
  /** Only these event types. */
  types?: string[] | undefined;
  /** Only this pod's events. */
  pod?: string | undefined;
  /** Resume after this event id (the `seq` of the last event handled). */
  lastEventId?: number | undefined;
  /** Ends the iteration. */
  signal?: AbortSignal | undefined;
  /** Reconnect after a dropped connection (default true), resuming after the last event received. */
  reconnect?: boolean | undefined;
  /** Called each time the stream is (re)connected, and each time it drops. */
  onStatus?: ((status: 'open' | 'closed') => void) | undefined;
}

export type ClosClient = {
  readonly [K in JsonRouteKey]: Method<Routes[K], RouteResponse<Routes[K]>>;
} & {
  /** The same methods answering `{ status, data, requestId, headers }` (e.g. 201 new lock vs 200 held). */
  readonly raw: { readonly [K in JsonRouteKey]: Method<Routes[K], RawResponse<Routes[K]>> };
  /**
   * The live event stream: yields each event the token may see, in order, reconnecting with
   * `Last-Event-ID` after a dropped connection so none is missed or repeated. A `reset` from the server
   * (events older than its retention were asked for) is yielded as `{ reset: reason }` so the caller
   * can refetch what it shows.
   */
  events(options?: EventsOptions): AsyncIterable<StreamedEvent | { reset: string }>;
};

// ---------------------------------------------------------------- errors

/** Base of every error the client throws, for one `instanceof` in a catch-all. */
export class ClosError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server answered with an error status; `code` is stable, branch on it. */
export class ClosApiError<C extends ErrorCode = ErrorCode> extends ClosError {
  readonly status: number;
  readonly code: C;
  readonly details: ErrorDetails<C> | undefined;
  /** The server's request id (body or `X-Request-Id`); null when neither was sent (a proxy's error). */
  readonly requestId: string | null;
  /** The route key that was called, e.g. `acquireWipLock`. */
  readonly route: string;

  constructor(init: {
    status: number;
    code: C;
    message: string;
    details?: ErrorDetails<C> | undefined;
    requestId: string | null;
    route: string;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.route = init.route;
  }
}

/** No answer: the server is unreachable, the connection broke, or the timeout passed. */
export class ClosConnectionError extends ClosError {
  readonly url: string;
  readonly timedOut: boolean;
  constructor(message: string, init: { url: string; cause: unknown; timedOut?: boolean }) {
    super(message, { cause: init.cause });
    this.url = init.url;
    this.timedOut = init.timedOut ?? false;
  }
}

/**
 * A success status whose body is not what the contract says: not JSON, or (with
 * `validateResponses`) not matching the route's schema. A client/server version mismatch, usually.
 */
export class ClosResponseError extends ClosError {
  readonly status: number;
  readonly requestId: string | null;
  readonly issues: z.core.$ZodIssue[];
  constructor(
    message: string,
    init: { status: number; requestId: string | null; issues?: z.core.$ZodIssue[]; cause?: unknown },
  ) {
    super(message, { cause: init.cause });
    this.status = init.status;
    this.requestId = init.requestId;
    this.issues = init.issues ?? [];
  }
}

/** Is `error` an API error (with `code`, one of that code, its `details` typed accordingly)? */
export function isClosApiError<C extends ErrorCode>(error: unknown, code: C): error is ClosApiError<C>;
export function isClosApiError(error: unknown): error is ClosApiError;
export function isClosApiError(error: unknown, code?: ErrorCode): boolean {
  return error instanceof ClosApiError && (code === undefined || error.code === code);
}

// ---------------------------------------------------------------- the client

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A client with one method per route key, e.g. `client.acquireWipLock({ params: { slug, itemType },
 * body: { itemId } })`. Methods resolve to the success body; `client.raw.*` also gives the status.
 */
export function createClosClient(options: ClosClientOptions): ClosClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function call(
    key: string,
    definition: RouteDefinition,
    input: RequestParts,
    callOptions?: CallOptions,
  ) {
    const url = base + pathOf(key, definition.path, input.params) + queryOf(input.query);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (callOptions?.requestId) headers['x-request-id'] = callOptions.requestId;
    // Only a route with a body sends one: an empty JSON body is a 400, and so is a stray one.
    const sendsBody = definition.body !== undefined && input.body !== undefined && input.body !== null;
    if (sendsBody) headers['content-type'] = 'application/json';
    Object.assign(headers, callOptions?.headers);

    const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    const caller = callOptions?.signal;
    const signal = timeout && caller ? AbortSignal.any([timeout, caller]) : (timeout ?? caller);

    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: definition.method,
        headers,
        ...(sendsBody ? { body: JSON.stringify(input.body) } : {}),
        ...(signal ? { signal } : {}),
      });
      text = await response.text();
    } catch (error) {
      if (caller?.aborted) throw caller.reason;
      if (timeout?.aborted)
        throw new ClosConnectionError(`${definition.method} ${url} timed out after ${timeoutMs} ms`, {
          url,
          cause: error,
          timedOut: true,
        });
      throw new ClosConnectionError(`${definition.method} ${url} failed: ${describe(error)}`, {
        url,
        cause: error,
      });
    }

    const requestId = response.headers.get('x-request-id');
    let body: unknown;
    let isJson = true;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      isJson = false;
      body = error;
    }

    if (!response.ok) throw apiError(key, response, text, isJson ? body : undefined, requestId);
    if (!isJson)
      throw new ClosResponseError(`${key}: ${response.status} answer is not JSON`, {
        status: response.status,
        requestId,
        cause: body,
      });
    let data = body;
    if (options.validateResponses) {
      const schema = definition.responses[response.status];
      if (!schema)
        throw new ClosResponseError(`${key}: status ${response.status} is not in the contract`, {
          status: response.status,
          requestId,
        });
      const parsed = schema.safeParse(body);
      if (!parsed.success)
        throw new ClosResponseError(
          `${key}: the ${response.status} answer does not match the contract: ${parsed.error.issues
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')}`,
          { status: response.status, requestId, issues: parsed.error.issues },
        );
      data = parsed.data;
    }
    return { status: response.status, data, requestId, headers: response.headers };
  }

  async function* events(
    eventOptions: EventsOptions = {},
  ): AsyncGenerator<StreamedEvent | { reset: string }> {
    let last = eventOptions.lastEventId;
    let delay = 500;
    const definition = routes.streamEvents as RouteDefinition;
    for (;;) {
      const query: Record<string, unknown> = {};
      if (eventOptions.types?.length) query.types = eventOptions.types.join(',');
      if (eventOptions.pod) query.pod = eventOptions.pod;
      const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (last !== undefined) headers['last-event-id'] = String(last);
      const url = base + definition.path + queryOf(query);
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'GET',
          headers,
          ...(eventOptions.signal ? { signal: eventOptions.signal } : {}),
        });
      } catch (error) {
        if (eventOptions.signal?.aborted) return;
        if (eventOptions.reconnect === false)
          throw new ClosConnectionError(`GET ${url} failed: ${describe(error)}`, { url, cause: error });
        await sleep(delay, eventOptions.signal);
        delay = Math.min(delay * 2, 30_000);
        continue;
      }
      if (!response.ok) {
        const text = await response.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        throw apiError('streamEvents', response, text, body, response.headers.get('x-request-id'));
      }
      delay = 500;
      eventOptions.onStatus?.('open');
      try {
        for await (const message of parseSse(response.body)) {
          if (message.event === 'reset') {
            yield { reset: message.data };
            continue;
          }
          if (!message.data) continue;
          const event = JSON.parse(message.data) as StreamedEvent;
          last = event.seq;
          yield event;
        }
      } catch (error) {
        if (eventOptions.signal?.aborted) return;
        eventOptions.onStatus?.('closed');
        if (eventOptions.reconnect === false) throw error;
      }
      if (eventOptions.signal?.aborted || eventOptions.reconnect === false) return;
      eventOptions.onStatus?.('closed');
      await sleep(delay, eventOptions.signal);
    }
  }

  const methods: Record<string, unknown> = { events };
  const raw: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(routes) as [string, RouteDefinition][]) {
    if (definition.produces) continue;
    raw[key] = (input: RequestParts = {}, callOptions?: CallOptions) =>
      call(key, definition, input, callOptions);
    methods[key] = async (input: RequestParts = {}, callOptions?: CallOptions) =>
      (await call(key, definition, input, callOptions)).data;
  }
  return { ...methods, raw } as unknown as ClosClient;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Server-sent events from a response body: `{ event, data, id }` per message (comments skipped). */
export async function* parseSse(
  body: ReadableStream<Uint8Array> | null,
): AsyncGenerator<{ event: string; data: string; id: string | null }> {
  if (!body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  let id: string | null = null;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r?\n/);
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
      if (line === '') {
        if (data.length) yield { event, data: data.join('\n'), id };
        event = 'message';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      newline = buffer.search(/\r?\n/);
    }
  }
}

interface RequestParts {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

function pathOf(key: string, path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = params?.[name];
    const text = value === undefined || value === null ? '' : String(value);
    // The URL parser resolves "." and ".." segments, which would address another route.
    if (text === '' || text === '.' || text === '..')
      throw new TypeError(`${key}: params.${name} must be a non-empty value other than "." or ".."`);
    return encodeURIComponent(text);
  });
}

function queryOf(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    for (const item of Array.isArray(value) ? value : [value])
      if (item !== undefined && item !== null)
        search.append(name, item instanceof Date ? item.toISOString() : String(item));
  const text = search.toString();
  return text ? `?${text}` : '';
}

// A body that is not CLOS's error shape (a proxy's 502 page, say) still becomes a ClosApiError, with
// the code its status means, so callers handle one error type.
const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

function apiError(
  key: string,
  response: Response,
  text: string,
  body: unknown,
  headerRequestId: string | null,
): ClosApiError {
  const parsed = errorSchema.safeParse(body);
  if (parsed.success) {
    const { code, message, details, requestId } = parsed.data.error;
    return new ClosApiError({
      status: response.status,
      code,
      message,
      details: details as ErrorDetails,
      requestId,
      route: key,
    });
  }
  const code =
    CODE_FOR_STATUS[response.status] ?? (response.status >= 500 ? 'internal_error' : 'invalid_request');
  const snippet = text.trim().slice(0, 200);
  return new ClosApiError({
    status: response.status,
    code,
    message: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`,
    requestId: headerRequestId,
    route: key,
  });
}

function describe(error: unknown): string {
  // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is on the cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string')
    return `${cause.code}${cause.message ? ` (${String(cause.message)})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
