import type { Alert } from '@clos/core';
import { z } from 'zod';
import type { Json } from '../api.ts';
import { errorSchema } from '../api.ts';
import { idParam, listQuery, page, ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const alertKindSchema = z.enum([
  'wip.limit_exceeded',
  'gate.stuck',
  'pod.health_low',
  'deployment.failure_rate',
]);
export const alertStatusSchema = z.enum(['open', 'resolved']);

export const alertSchema = z
  .object({
    id: uuid,
    key: z.string().meta({ description: 'the condition, e.g. wip.limit_exceeded:<podId>:<itemType>' }),
    kind: alertKindSchema,
    podId: uuid.nullable(),
    subjectType: z.string().nullable(),
    subjectId: z.string().nullable(),
    severity: z.enum(['warning', 'critical']),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    status: alertStatusSchema,
    openedAt: ts,
    lastSeenAt: ts.meta({ description: 'when the condition was last found true' }),
    resolvedAt: ts.nullable(),
    acknowledged: z
      .object({
        at: ts,
        by: uuid.nullable().meta({ description: 'the user; null for an actor without one' }),
        byLabel: z.string().meta({ description: 'as the audit log names the actor, e.g. an email' }),
      })
      .nullable()
      .meta({ description: 'who took the alert on, and when; null until acknowledged' }),
    snooze: z.object({ until: ts, at: ts, by: uuid.nullable(), byLabel: z.string() }).nullable().meta({
      description:
        'hidden from open lists until `until`, then announced again if still open; null when not snoozed',
    }),
  })
  .meta({ id: 'Alert' });

export const alertListQuery = listQuery.extend({
  status: alertStatusSchema.optional(),
  pod: z.string().max(60).optional(),
  kind: alertKindSchema.optional(),
  snoozed: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'true: only alerts snoozed now; false: none snoozed now (what needs attention)' }),
});

export const snoozeAlertBody = z.strictObject({
  until: ts.meta({ description: 'when the snooze ends: in the future, at most 90 days ahead' }),
});

export const alertRoutes = {
  listAlerts: {
    method: 'GET',
    path: '/api/v1/alerts',
    query: alertListQuery,
    responses: { 200: page(alertSchema) },
    permission: 'read',
    summary: 'Alerts: open ones first (newest first), then resolved ones (most recently resolved first)',
    tags: ['alerts'],
  },
  acknowledgeAlert: {
    method: 'POST',
    path: '/api/v1/alerts/:id/acknowledge',
    params: idParam,
    responses: { 200: alertSchema, 409: errorSchema },
    permission: 'pods:manage',
    summary:
      "Acknowledge an open alert (who and when, audited; idempotent). pods:manage on the alert's pod; admin for an alert of no pod. 409 when resolved",
    tags: ['alerts'],
  },
  snoozeAlert: {
    method: 'POST',
    path: '/api/v1/alerts/:id/snooze',
    params: idParam,
    body: snoozeAlertBody,
    responses: { 200: alertSchema, 409: errorSchema },
    permission: 'pods:manage',
    summary:
      'Snooze an open alert until a time (audited): hidden from `snoozed=false` lists, announced again when the snooze ends if still open; resolving ends it. 409 when resolved',
    tags: ['alerts'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _AlertContractChecks = [
  Check<Same<keyof z.infer<typeof alertSchema>, keyof Json<Alert>>>,
  Check<Same<z.infer<typeof alertSchema>['kind'], Alert['kind']>>,
  Check<Same<z.infer<typeof alertSchema>['severity'], Alert['severity']>>,
];
