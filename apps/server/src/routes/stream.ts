import { routes } from '@clos/contract';
import { type Ctx, SYSTEM_ACTOR, selectionPredicate } from '@clos/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { type StreamHub, startStreamHub } from '../stream/hub.ts';
import { route } from './route.ts';

const SYSTEM: Ctx = { actor: SYSTEM_ACTOR, requestId: null };
const EVENT_ID = /^\d{1,15}$/;

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
  streamOptions?: { recheckMs?: number | undefined },
) {
  let hub: StreamHub | null = null;
  if (runtime && database) {
    app.addHook('onReady', async () => {
      hub = await startStreamHub({
        database,
        feed: {
          after: (afterSeq, limit) => services.stream.feed(SYSTEM, afterSeq, limit),
          bounds: () => services.stream.bounds(SYSTEM),
        },
        logger: app.log.child({ component: 'stream' }),
        activeTokens: (ids) => services.auth.activeTokenIds(ids),
        ...(streamOptions?.recheckMs ? { recheckMs: streamOptions.recheckMs } : {}),
      });
    });
    // Before the HTTP server closes: it waits for open responses, and a stream never ends by itself.
    app.addHook('preClose', async () => hub?.disconnectAll());
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
    // The caller is whoever the auth hook authenticated: a bearer token today (browsers use a
    // fetch-based EventSource that sends the header); the dashboard's cookie session (issue 5) only
    // needs to set `request.actor` there too. Visibility follows from the actor, not the transport.
    const ctx = ctxOf(req);
    const after = resumePoint(req, req.query.lastEventId);
    const selection = await services.stream.select(ctx, { types: req.query.types, pod: req.query.pod });

    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // nginx buffers proxied responses unless told not to; events would arrive in lumps.
      'x-accel-buffering': 'no',
      'x-request-id': String(req.id),
    });
    void hub.connect(reply.raw, {
      accepts: selectionPredicate(selection),
      tokenId: ctx.actor.tokenId,
      resume:
        after === null
          ? undefined
          : { after, replay: (afterSeq, limit) => services.stream.replay(ctx, selection, afterSeq, limit) },
    });
    return reply;
  });
}
