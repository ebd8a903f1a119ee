import { routes } from '@clos/contract';
import { type Ctx, type Instrumentation, SYSTEM_ACTOR, selectionPredicate } from '@clos/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { addressKey } from '../http/rate-limit.ts';
import { type StreamHub, startStreamHub } from '../stream/hub.ts';
import { type StreamLimits, StreamSlots } from '../stream/slots.ts';
import { route } from './route.ts';

export interface StreamOptions {
  /** How often open streams' tokens are re-checked; 30 s unless given (tests shorten it). */
  recheckMs?: number | undefined;
  /** Open streams allowed per token and per address; no cap when absent (the server always sets it). */
  limits?: StreamLimits | undefined;
  /** Told when readers connect and disconnect. */
  onReaders?: Instrumentation['streamReaders'] | undefined;
}

const SYSTEM: Ctx = { actor: SYSTEM_ACTOR, requestId: null };
const EVENT_ID = /^\d{1,15}$/;
const SESSION_PREFIX = 'session:';

/** Where a reconnecting client left off: the `Last-Event-ID` header (what EventSource sends) wins. */
function resumePoint(request: FastifyRequest, fromQuery: number | undefined): number | null {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return fromQuery ?? null;
  if (!EVENT_ID.test(value.trim()))
    throw new HttpError(
      400,
      'invalid_request',
      'headers.last-event-id: must be an event id (a whole number)',
      [{ path: 'headers.last-event-id', message: 'must be an event id (a whole number)' }],
    );
  return Number(value.trim());
}

/**
 * `GET /api/v1/stream`. One hub per process, started with the app when it has a job runner (the
 * relay that sequences events); the handler checks the request, then hands the response to it.
 */
export function streamRoutes(
  app: FastifyInstance,
  { services, database, runtime }: RouteDeps,
  streamOptions?: StreamOptions,
) {
  let hub: StreamHub | null = null;
  const slots = new StreamSlots(streamOptions?.limits ?? { perToken: 0, perAddress: 0 });
  if (runtime && database) {
    app.addHook('onReady', async () => {
      hub = await startStreamHub({
        database,
        feed: {
          after: (afterSeq, limit) => services.stream.feed(SYSTEM, afterSeq, limit),
          bounds: () => services.stream.bounds(SYSTEM),
        },
        logger: app.log.child({ component: 'stream' }),
        // Readers are re-checked by credential: an API token's id, or `session:<id>` for a browser
        // session, so revoking a token, signing out or deactivating a user ends their streams.
        activeTokens: async (ids) => {
          const sessions = ids.filter((id) => id.startsWith(SESSION_PREFIX));
          const tokens = ids.filter((id) => !id.startsWith(SESSION_PREFIX));
          const open = await services.signIn.openSessionIds(
            sessions.map((id) => id.slice(SESSION_PREFIX.length)),
          );
          const active = await services.auth.activeTokenIds(tokens);
          for (const id of open) active.add(`${SESSION_PREFIX}${id}`);
          return active;
        },
        ...(streamOptions?.recheckMs ? { recheckMs: streamOptions.recheckMs } : {}),
        onReaders: streamOptions?.onReaders,
      });
    });
    // Before the HTTP server closes: it waits for open responses, and a stream never ends by itself.
    // Readers are told to come back in a second: behind a load balancer, to another process.
    app.addHook('preClose', async () => hub?.disconnectAll({ reconnectMs: 1_000 }));
    app.addHook('onClose', async () => {
      await hub?.close();
      hub = null;
    });
  }

  route(app, routes.streamEvents, async (req, reply) => {
    if (!hub)
      throw new HttpError(
        503,
        'service_unavailable',
        'the event stream needs the job runner, which this process was started without',
      );
    // The caller is whoever the auth hook authenticated: a bearer token, or the dashboard's session
    // cookie. Visibility follows from the actor, not the transport.
    const ctx = ctxOf(req);
    const after = resumePoint(req, req.query.lastEventId);
    const selection = await services.stream.select(ctx, { types: req.query.types, pod: req.query.pod });

    // Counted per token (a caller without one, per user) and per address; taken before the response
    // is handed over, so the refusal is an ordinary error response.
    const caller = ctx.actor.tokenId ?? (ctx.actor.userId ? `user:${ctx.actor.userId}` : null);
    const address = addressKey(req.ip);
    const slot = slots.acquire(caller, address);
    if (typeof slot !== 'function') {
      const who = slot.scope === 'token' ? 'with this API token' : 'from this address';
      throw new HttpError(
        429,
        'rate_limited',
        `too many open event streams ${who}: the limit is ${slot.limit}; close one (each browser tab holds one) before opening another`,
        { scope: `stream-${slot.scope}`, limit: slot.limit },
      );
    }
    // 'close' fires however the stream ends: the client goes, the hub drops it (slow reader, revoked
    // token, replay failure) or ends it (server closing). If the client went while the request was
    // being checked, it has fired already.
    reply.raw.once('close', slot);
    if (reply.raw.destroyed) slot();

    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      // Like every /api answer (security-headers.ts): events may carry private data.
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx buffers proxied responses unless told not to; events would arrive in lumps.
      'x-accel-buffering': 'no',
      'x-request-id': String(req.id),
    });
    void hub.connect(reply.raw, {
      accepts: selectionPredicate(selection),
      tokenId: ctx.actor.tokenId ?? (ctx.actor.sessionId ? `${SESSION_PREFIX}${ctx.actor.sessionId}` : null),
      resume:
        after === null
          ? undefined
          : { after, replay: (afterSeq, limit) => services.stream.replay(ctx, selection, afterSeq, limit) },
    });
    return reply;
  });
}
