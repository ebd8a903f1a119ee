import type { Alert } from '@clos/core';
import { z } from 'zod';
import type { Json } from '../api.ts';
import { listQuery, page, ts, uuid } from './common.ts';
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
  })
  .meta({ id: 'Alert' });

export const alertListQuery = listQuery.extend({
  status: alertStatusSchema.optional(),
  pod: z.string().max(60).optional(),
  kind: alertKindSchema.optional(),
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
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _AlertContractChecks = [
  Check<Same<keyof z.infer<typeof alertSchema>, keyof Json<Alert>>>,
  Check<Same<z.infer<typeof alertSchema>['kind'], Alert['kind']>>,
  Check<Same<z.infer<typeof alertSchema>['severity'], Alert['severity']>>,
];
