import type { PolicyView } from '@clos/core';
import { z } from 'zod';
import { type Json, roleSchema } from '../api.ts';
import type { RouteDefinition } from './definition.ts';

export const policyViewSchema = z
  .object({
    stages: z.array(
      z.object({
        name: z.string(),
        description: z.string().nullable(),
        gate: z
          .object({
            evidence: z
              .record(z.string(), z.unknown())
              .meta({ description: 'the JSON Schema the evidence for entering this stage must satisfy' }),
            approvals: z.object({ count: z.number().int(), roles: z.array(roleSchema) }),
          })
          .nullable()
          .meta({ description: 'null on the first stage, which projects enter without a gate' }),
      }),
    ),
    wip: z.object({
      types: z.array(z.object({ name: z.string(), defaultLimit: z.number().int() })),
    }),
    ideas: z.object({
      criteria: z
        .array(z.object({ key: z.string(), label: z.string(), weight: z.number() }))
        .meta({ description: 'each scored 0–5; an evaluation scores the weighted mean' }),
      minEvaluations: z.number().int(),
      promotionThreshold: z.number().meta({ description: 'the score (0–5) an idea needs to be promoted' }),
    }),
  })
  .meta({ id: 'PolicyView' });

export const policyRoutes = {
  getPolicy: {
    method: 'GET',
    path: '/api/v1/policy',
    responses: { 200: policyViewSchema },
    permission: 'read',
    summary: 'The operating model in force: stages and their gates, WIP item types, idea scoring rules',
    tags: ['policy'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _PolicyContractChecks = [Check<Same<z.infer<typeof policyViewSchema>, Json<PolicyView>>>];
