import { routes } from '@clos/contract';
import type { Database } from '@clos/db';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/errors.ts';
import { route } from './route.ts';

export function systemRoutes(app: FastifyInstance, { database }: { database: Database }) {
  route(app, routes.healthz, async () => ({ status: 'ok' as const }));

  route(app, routes.readyz, async (request, reply) => {
    try {
      await database.query('select 1');
      return { status: 'ready' as const, engine: database.engine };
    } catch {
      return sendError(reply, request, 503, 'service_unavailable', 'the database does not answer');
    }
  });
}
