import { routes } from '@clos/contract';
import type { Importer } from '@clos/integrations';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { sendError } from '../http/errors.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

/** Imports answer 200 with every row's outcome, failed rows included: the body says which failed. */
export function importRoutes(
  app: FastifyInstance,
  { services }: RouteDeps,
  importers: Readonly<Record<string, Importer>> = {},
) {
  // From Linear, with the server's Linear credentials: the integration's own importer.
  route(app, routes.importLinear, async (req, reply) => {
    const importer = importers.linear;
    if (!importer)
      return sendError(
        reply,
        req,
        404,
        'not_found',
        'the Linear integration is not configured (CLOS_LINEAR_API_KEY and CLOS_LINEAR_WEBHOOK_SECRET; docs/linear.md)',
      );
    // The importer's answer is the route's response schema (the serializer checks it on the way out).
    return toJson(await importer(services, ctxOf(req), req.body as never)) as never;
  });
  route(app, routes.importProjects, async (req) =>
    toJson(await services.imports.importProjects(ctxOf(req), req.body)),
  );
  route(app, routes.importIdeas, async (req) =>
    toJson(await services.imports.importIdeas(ctxOf(req), req.body)),
  );
}
