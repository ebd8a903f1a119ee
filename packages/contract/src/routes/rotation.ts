import { z } from 'zod';
import { ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const rotationMoveSchema = z
  .object({ userId: uuid, email: z.string(), from: z.string(), to: z.string() })
  .meta({ id: 'RotationMove' });

export const rotationPreviewSchema = z
  .object({
    /** `rotation.enabled`: a disabled rotation is still previewed, it just never runs. */
    enabled: z.boolean(),
    /** When the next scheduled rotation runs; null when rotation is disabled. */
    nextRunAt: ts.nullable(),
    moves: z.array(rotationMoveSchema),
    /** Pods named in `rotation.exchanges` that are not registered: they neither send nor receive. */
    missingPods: z.array(z.string()),
  })
  .meta({ id: 'RotationPreview' });

export const rotationRoutes = {
  previewRotation: {
    method: 'POST',
    path: '/api/v1/rotation/preview',
    responses: { 200: rotationPreviewSchema },
    // Read-only, but it names who will move: for those who manage pods (pod leads and admins).
    permission: 'pods:manage',
    summary: 'The moves the monthly rotation would make if it ran now (changes nothing)',
    tags: ['pods'],
  },
} as const satisfies Record<string, RouteDefinition>;
