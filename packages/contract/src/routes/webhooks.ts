import type { WebhookDelivery, WebhookView } from '@clos/core';
import { z } from 'zod';
import type { Json } from '../api.ts';
import { idParam, listQuery, page, ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const webhookSchema = z
  .object({
    id: uuid,
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    secretHint: z.string().meta({ description: 'the last 4 characters of the secret; never the secret' }),
    createdBy: uuid.nullable(),
    createdAt: ts,
    disabledAt: ts.nullable(),
  })
  .meta({ id: 'Webhook' });

export const webhookDeliverySchema = z
  .object({
    id: uuid,
    webhookId: uuid,
    eventId: uuid,
    eventType: z.string(),
    attempt: z.number().int(),
    status: z.enum(['succeeded', 'failed', 'abandoned', 'blocked']).meta({
      description:
        'blocked: not sent, the host is or resolves to an internal address (webhooks.allowPrivateNetworks); not retried',
    }),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    attemptedAt: ts,
  })
  .meta({ id: 'WebhookDelivery' });

// Shapes only: which URLs, event types and secret lengths are acceptable is the domain's to say
// (it names `events[i]` for an unknown type).
export const createWebhookBody = z.strictObject({
  url: z.string().min(1).max(2000).meta({
    description:
      'absolute http(s) URL the events are POSTed to; not an internal address unless webhooks.allowPrivateNetworks allows it',
  }),
  events: z
    .array(z.string().max(100))
    .max(100)
    .meta({ description: 'event types (docs/events.md), or ["*"] for every type' }),
  secret: z
    .string()
    .max(1000)
    .meta({ description: '16–256 characters; signs each delivery (X-Clos-Signature); never returned' }),
  description: z.string().max(500).nullable().optional(),
});

export const webhookRoutes = {
  createWebhook: {
    method: 'POST',
    path: '/api/v1/webhooks',
    body: createWebhookBody,
    responses: { 201: webhookSchema },
    permission: 'webhooks:manage',
    summary: 'Register an outbound webhook for some event types (or "*"); deliveries are signed',
    tags: ['webhooks'],
  },
  listWebhooks: {
    method: 'GET',
    path: '/api/v1/webhooks',
    query: listQuery,
    responses: { 200: page(webhookSchema) },
    permission: 'webhooks:manage',
    summary: 'Registered webhooks, newest first (never their secrets)',
    tags: ['webhooks'],
  },
  getWebhook: {
    method: 'GET',
    path: '/api/v1/webhooks/:id',
    params: idParam,
    responses: { 200: webhookSchema },
    permission: 'webhooks:manage',
    summary: 'One webhook',
    tags: ['webhooks'],
  },
  disableWebhook: {
    method: 'DELETE',
    path: '/api/v1/webhooks/:id',
    params: idParam,
    responses: { 200: webhookSchema },
    permission: 'webhooks:manage',
    summary: 'Disable a webhook (idempotent): no more deliveries, pending retries abandoned; the log is kept',
    tags: ['webhooks'],
  },
  listWebhookDeliveries: {
    method: 'GET',
    path: '/api/v1/webhooks/:id/deliveries',
    params: idParam,
    query: listQuery,
    responses: { 200: page(webhookDeliverySchema) },
    permission: 'webhooks:manage',
    summary: 'Delivery attempts of a webhook, newest first (status code, error, duration, attempt)',
    tags: ['webhooks'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _WebhookContractChecks = [
  Check<Same<keyof z.infer<typeof webhookSchema>, keyof Json<WebhookView>>>,
  Check<Same<keyof z.infer<typeof webhookDeliverySchema>, keyof Json<WebhookDelivery>>>,
  Check<Same<z.infer<typeof webhookDeliverySchema>['status'], WebhookDelivery['status']>>,
];
