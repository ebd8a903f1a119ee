/** System routes: liveness and readiness, answered without a token. */
import { z } from 'zod';
import { errorSchema } from '../api.ts';
import type { RouteDefinition } from './definition.ts';

export const systemRoutes = {
  healthz: {
    method: 'GET',
    path: '/healthz',
    responses: {
      200: z.object({
        status: z.literal('ok'),
        // Present when load shedding is configured (the server always configures it).
        pressure: z
          .object({
            underPressure: z.boolean(),
            exceeded: z.array(z.enum(['eventLoopDelay', 'heapUsed', 'rss'])),
            eventLoopDelayMs: z.number().nullable(),
            heapUsedBytes: z.number(),
            rssBytes: z.number(),
            limits: z.object({
              eventLoopDelayMs: z.number(),
              heapUsedBytes: z.number(),
              rssBytes: z.number(),
            }),
          })
          .optional(),
      }),
    },
    permission: 'public',
    summary: 'Liveness, with the load figures that make the server shed requests (503) when over a limit',
    tags: ['system'],
  },
  readyz: {
    method: 'GET',
    path: '/readyz',
    responses: {
      200: z.object({ status: z.literal('ready'), engine: z.enum(['pglite', 'postgres']) }),
      503: errorSchema,
    },
    permission: 'public',
    summary: 'Readiness: the database answers and the server is not overloaded',
    tags: ['system'],
  },
} as const satisfies Record<string, RouteDefinition>;
