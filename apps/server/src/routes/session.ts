import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function sessionRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.getMe, async (req) => toJson(await services.session.me(ctxOf(req))));
}
