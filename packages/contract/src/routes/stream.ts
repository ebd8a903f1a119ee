import { type DomainEvent, type DomainEventType, isDomainEventType } from '@clos/core';
import { z } from 'zod';
import { errorSchema, type Json } from '../api.ts';
import { domainEventSchema } from '../events.ts';
import type { RouteDefinition } from './definition.ts';

/** `types=a.b,c.d`: a comma-separated list of catalogued event types. */
const eventTypeList = z
  .string()
  .max(4000)
  .transform((value, ctx): DomainEventType[] => {
    const types = [
      ...new Set(
        value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = types.filter((type) => !isDomainEventType(type));
    if (unknown.length)
      ctx.addIssue({
        code: 'custom',
        message: `unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} (docs/events.md lists them)`,
      });
    else if (types.length === 0) ctx.addIssue({ code: 'custom', message: 'list at least one event type' });
    return types as DomainEventType[];
  })
  .meta({ description: 'Only these event types, comma-separated (e.g. `idea.submitted,stage.advanced`)' });

export const streamQuery = z.strictObject({
  types: eventTypeList.optional(),
  pod: z
    .string()
    .min(1)
    .max(60)
    .optional()
    .meta({ description: "Only this pod's events (company-wide ones are left out)" }),
  lastEventId: z
    .string()
    .regex(/^\d{1,15}$/, 'must be an event id (a whole number)')
    .transform(Number)
    .optional()
    .meta({
      description:
        'Resume after this event id, like the `Last-Event-ID` header (for clients that cannot set headers)',
    }),
});

/**
 * The JSON `data:` line of each event on the stream (and the body of a webhook delivery): a union
 * discriminated by `type`, each type with its documented payload (events.ts).
 */
export const streamEventSchema = domainEventSchema;

export const streamRoutes = {
  streamEvents: {
    method: 'GET',
    path: '/api/v1/stream',
    query: streamQuery,
    produces: 'text/event-stream',
    responses: {
      200: z.string().meta({
        description:
          'Server-Sent Events, one per domain event the caller may see: `id: <seq>`, `event: <type>`, ' +
          '`data: <StreamEvent as JSON>`. Starts with `retry: 2000`; `: keepalive` comments every 15 s; ' +
          '`event: reset` when events a resuming client missed are no longer retained. Reconnect with ' +
          '`Last-Event-ID` (or `lastEventId`) to receive what was missed. See docs/events.md.',
      }),
      // Too many open streams for the token or from the address (CLOS_STREAM_MAX_PER_TOKEN / _PER_IP).
      429: errorSchema,
      503: errorSchema,
    },
    permission: 'read',
    summary: 'Live stream of domain events (Server-Sent Events), resumable with Last-Event-ID',
    tags: ['events'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _StreamContractChecks = [
  Check<Same<z.infer<typeof streamEventSchema>['type'], Json<DomainEvent>['type']>>,
  Check<Same<keyof z.infer<typeof streamEventSchema>, keyof Json<DomainEvent>>>,
];
