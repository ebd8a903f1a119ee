import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { route } from './route.ts';

export function policyRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.getPolicy, async (req) => services.policyView.get(ctxOf(req)));
}
