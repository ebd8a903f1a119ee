import { timingSafeEqual } from 'node:crypto';
import { type Actor, can, NO_POD, type Permission, type Services } from '@clos/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_COOKIE, CSRF_HEADER, readCookie, SESSION_COOKIE } from './cookies.ts';
import { sendError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Every route declares what it needs; routes without one are refused at start-up. */
    permission?: Permission;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** Every route with its permission, for the route × role test and the docs. */
    routeCatalog: RouteEntry[];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  permission: Permission;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Authentication and the role check run in `onRequest`, before the body is even read: an
 * unauthenticated or unauthorised caller learns nothing from validation errors.
 *
 * Two ways in: an API token (`Authorization: Bearer`), checked against its address allowlist with the
 * client address Fastify derives (`X-Forwarded-For` only from `server.trustProxy` peers); or a
 * browser session cookie (SSO), whose state-changing requests must echo the session's CSRF token in
 * `X-CSRF-Token` — a cookie is sent by the browser on its own, a header only by our script.
 */
/** Who scrapes with `CLOS_METRICS_TOKEN`: the token reads `/metrics` and nothing else. */
const METRICS_SCRAPER: Actor = {
  userId: null,
  tokenId: null,
  role: 'viewer',
  podIds: [NO_POD],
  label: 'metrics token',
};

export function registerAuth(
  app: FastifyInstance,
  services: Services,
  options: { metricsToken?: string | undefined } = {},
) {
  app.decorateRequest('actor', null);
  const catalog: RouteEntry[] = [];
  app.decorate('routeCatalog', catalog);
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (!permission) throw new Error(`route ${route.method} ${route.url} declares no permission`);
    for (const method of [route.method].flat())
      if (method !== 'HEAD') catalog.push({ method, url: route.url, permission });
  });
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const permission = request.routeOptions.config.permission;
    if (permission === undefined || permission === 'public') return;
    const header = request.headers.authorization;
    const cookie = header === undefined ? readCookie(request, SESSION_COOKIE) : undefined;
    let actor: Actor;
    if (cookie !== undefined) {
      const signedIn = await services.signIn.authenticate(cookie);
      if (!signedIn)
        return sendError(
          reply,
          request,
          401,
          'unauthorized',
          'your session has ended (signed out, expired, idle too long, or ended by an administrator); sign in again',
        );
      if (!SAFE_METHODS.has(request.method)) {
        const given = request.headers[CSRF_HEADER];
        if (typeof given !== 'string' || !sameToken(given, services.signIn.csrfToken(cookie)))
          return sendError(
            reply,
            request,
            403,
            'csrf_token_invalid',
            `a request that changes something and is signed in by cookie must send the session's CSRF token (the ${CSRF_COOKIE} cookie) in the ${CSRF_HEADER} header`,
          );
      }
      actor = signedIn.actor;
    } else {
      const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
      if (!match)
        return sendError(
          reply,
          request,
          401,
          'unauthorized',
          'send an API token as "Authorization: Bearer <token>" (or sign in to the dashboard)',
        );
      // Compared only on the one route it opens, so it is worth nothing anywhere else.
      if (
        permission === 'metrics:read' &&
        options.metricsToken &&
        sameToken(match[1]!, options.metricsToken)
      ) {
        request.actor = METRICS_SCRAPER;
        return;
      }
      const outcome = await services.auth.authenticate(match[1]!, { address: request.ip });
      if (!outcome.ok) {
        if (outcome.reason === 'address_not_allowed')
          return sendError(
            reply,
            request,
            403,
            'address_not_allowed',
            `this API token may only be used from ${outcome.allowedCidrs.join(', ')}; this request came from ${outcome.address}`,
            { address: outcome.address, allowedCidrs: outcome.allowedCidrs },
          );
        return sendError(reply, request, 401, 'unauthorized', 'the API token is unknown, revoked or expired');
      }
      actor = outcome.actor;
    }
    request.actor = actor;
    if (actor.userId)
      // Daily active users (seed §9): bookkeeping that must never slow or fail the request itself.
      services.usage
        .active(actor.userId, cookie !== undefined ? 'session' : 'api')
        .catch((err: unknown) => request.log.error({ err }, 'recording the daily active user failed'));
    if (!can(actor, permission))
      return sendError(
        reply,
        request,
        403,
        'forbidden',
        `role "${actor.role}" lacks the "${permission}" permission`,
        { permission, role: actor.role },
      );
  });
}
