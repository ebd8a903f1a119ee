import { type Actor, can, type Permission, type Services } from '@clos/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * Authentication and the role check run in `onRequest`, before the body is even read: an
 * unauthenticated or unauthorised caller learns nothing from validation errors.
 */
export function registerAuth(app: FastifyInstance, services: Services) {
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
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match)
      return sendError(
        reply,
        request,
        401,
        'unauthorized',
        'send an API token as "Authorization: Bearer <token>"',
      );
    const actor = await services.auth.authenticate(match[1]!);
    if (!actor)
      return sendError(reply, request, 401, 'unauthorized', 'the API token is unknown, revoked or expired');
    request.actor = actor;
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
