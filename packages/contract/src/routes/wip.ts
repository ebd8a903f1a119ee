/** WIP: limits per pod and item type, and the locks that hold the slots. */
import {
  acquireBody,
  errorSchema,
  itemTypeParams,
  setLimitBody,
  wipCheckSchema,
  wipLimitSchema,
  wipLockSchema,
  wipStatusSchema,
} from '../api.ts';
import { idParam, slugParam } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const wipRoutes = {
  setWipLimit: {
    method: 'PUT',
    path: '/api/v1/pods/:slug/wip-limits/:itemType',
    params: itemTypeParams,
    body: setLimitBody,
    responses: { 200: wipLimitSchema },
    permission: 'pods:manage',
    summary: 'Set a WIP limit; lowering it below usage keeps existing locks and admits nothing new',
    tags: ['wip'],
  },
  getWipStatus: {
    method: 'GET',
    path: '/api/v1/pods/:slug/wip',
    params: slugParam,
    responses: { 200: wipStatusSchema },
    permission: 'read',
    summary: 'WIP per item type with holders',
    tags: ['wip'],
  },
  checkWip: {
    method: 'GET',
    path: '/api/v1/pods/:slug/wip/:itemType/check',
    params: itemTypeParams,
    responses: { 200: wipCheckSchema },
    permission: 'read',
    summary: 'Would an acquire succeed now?',
    tags: ['wip'],
  },
  acquireWipLock: {
    method: 'POST',
    path: '/api/v1/pods/:slug/wip/:itemType/locks',
    params: itemTypeParams,
    body: acquireBody,
    responses: { 200: wipLockSchema, 201: wipLockSchema, 409: errorSchema },
    permission: 'wip:use',
    summary:
      'Acquire a WIP slot for an item (201 new, 200 when the item already holds one; 409 over the limit)',
    tags: ['wip'],
  },
  releaseWipLock: {
    method: 'DELETE',
    path: '/api/v1/wip-locks/:id',
    params: idParam,
    responses: { 200: wipLockSchema, 404: errorSchema },
    permission: 'wip:use',
    summary: 'Release a WIP lock (idempotent)',
    tags: ['wip'],
  },
} as const satisfies Record<string, RouteDefinition>;
