import { routes } from '@clos/contract';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { toJson } from '../http/json.ts';
import { route } from './route.ts';

const dateOf = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

export function scorecardRoutes(app: FastifyInstance, { services }: RouteDeps) {
  route(app, routes.getScorecard, async (req) =>
    toJson(
      await services.scorecard.get(ctxOf(req), { from: dateOf(req.query.from), to: dateOf(req.query.to) }),
    ),
  );
}
