/**
 * The success scorecard (seed §9, docs/scorecard.md): every figure with its target, its value this
 * period and the one before, and how it is computed.
 */
import { SCORECARD_GROUPS, type Scorecard } from '@clos/core';
import { z } from 'zod';
import type { Json } from '../api.ts';
import { ts } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const scorecardQuery = z.strictObject({
  from: ts.optional().meta({ description: 'start of the period (inclusive); default: 7 days before `to`' }),
  to: ts.optional().meta({
    description:
      'end of the period (exclusive), not in the future; default: today 00:00 UTC (now when only `from` is given)',
  }),
});

const figureValue = z.number().nullable();

export const scorecardTargetSchema = z
  .object({
    op: z.enum(['>', '>=', '<', '<=']),
    value: z.number(),
    unit: z.string(),
    text: z.string().meta({ description: 'the seed’s wording' }),
    on: z.enum(['value', 'change']).meta({
      description: 'compared with the period’s value, or with its change (%) against the previous period',
    }),
  })
  .meta({ id: 'ScorecardTarget' });

export const scorecardFigureSchema = z
  .object({
    key: z.string(),
    group: z.enum(SCORECARD_GROUPS),
    label: z.string(),
    target: scorecardTargetSchema.nullable().meta({ description: 'null where the seed sets none' }),
    value: figureValue.meta({ description: 'this period; null without data (see `reason`)' }),
    previous: figureValue.meta({ description: 'the same-length period just before' }),
    change: figureValue.meta({ description: 'value against previous, in %' }),
    unit: z.string(),
    met: z.boolean().nullable().meta({ description: 'null without a target or a value' }),
    how: z.string().meta({ description: 'how the figure is computed, in one sentence' }),
    reason: z.string().nullable().meta({ description: 'why `value` is null' }),
    detail: z
      .array(z.object({ label: z.string(), value: figureValue, previous: figureValue, unit: z.string() }))
      .optional()
      .meta({ description: 'the figure’s parts (the cycle time per stage, …)' }),
  })
  .meta({ id: 'ScorecardFigure' });

export const scorecardSchema = z
  .object({
    from: ts,
    to: ts,
    previousFrom: ts.meta({ description: 'start of the previous period, which ends at `from`' }),
    figures: z.array(scorecardFigureSchema),
  })
  .meta({ id: 'Scorecard' });

export const scorecardRoutes = {
  getScorecard: {
    method: 'GET',
    path: '/api/v1/scorecard',
    query: scorecardQuery,
    responses: { 200: scorecardSchema },
    permission: 'read',
    summary:
      'The success scorecard (seed §9): technical, business and adoption figures against their targets, this period and the previous one',
    tags: ['dashboard'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _ScorecardContractChecks = [Check<Same<z.infer<typeof scorecardSchema>, Json<Scorecard>>>];
