import { routes } from '@clos/contract';
import type { Database } from '@clos/db';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/errors.ts';
import type { PressureMonitor } from '../http/pressure.ts';
import { route } from './route.ts';

export function systemRoutes(
  app: FastifyInstance,
  { database, pressure }: { database: Database; pressure?: PressureMonitor | null },
) {
  // Liveness: the process answers, so it is alive, even when overloaded; restarting it for that would
  // only add a cold start to the load. The figures say how loaded it is.
  route(app, routes.healthz, async () =>
    pressure ? { status: 'ok' as const, pressure: pressure.report() } : { status: 'ok' as const },
  );

  route(app, routes.readyz, async (request, reply) => {
    const report = pressure?.report();
    if (report?.underPressure) {
      reply.header('retry-after', String(pressure!.retryAfterSeconds));
      return sendError(
        reply,
        request,
        503,
        'service_unavailable',
        `the server is overloaded (${report.exceeded.join(', ')} over the limit); send traffic elsewhere for now`,
        report,
      );
    }
    try {
      await database.query('select 1');
      return { status: 'ready' as const, engine: database.engine };
    } catch {
      return sendError(reply, request, 503, 'service_unavailable', 'the database does not answer');
    }
  });
}
