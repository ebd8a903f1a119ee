import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

export function rotationRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.previewRotation, async (req) => toJson(await services.rotation.preview(ctxOf(req))));
}
