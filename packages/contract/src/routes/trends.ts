import { type DashboardTrends, TRENDS_DEFAULT_WEEKS, TRENDS_MAX_WEEKS } from '@clos/core';
import { z } from 'zod';
import type { Json } from '../api.ts';
import { ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

const count = z.number().int();
const perWeek = (description: string) => z.array(count).meta({ description });
const perWeekOrNull = (description: string) => z.array(z.number().nullable()).meta({ description });

export const trendsQuery = z.strictObject({
  weeks: z.coerce
    .number<number>()
    .int('must be a whole number of weeks')
    .min(1, 'must be at least 1')
    .max(TRENDS_MAX_WEEKS, `must be at most ${TRENDS_MAX_WEEKS}`)
    .default(TRENDS_DEFAULT_WEEKS),
});

export const dashboardTrendsSchema = z
  .object({
    weeks: z.array(ts).meta({
      description: 'each week’s start (Monday 00:00 UTC), oldest first; the last is the current week',
    }),
    cumulativeFlow: z
      .array(
        z.object({ stage: z.string(), counts: perWeek('open projects in the stage at each week’s end') }),
      )
      .meta({
        description: 'per stage, in policy order; the current week is read at the time of the request',
      }),
    closed: z.object({
      shipped: perWeek('projects shipped by each week’s end (running total)'),
      cancelled: perWeek('projects cancelled by each week’s end (running total)'),
    }),
    cycleTime: z.array(
      z.object({
        stage: z.string(),
        medianDays: perWeekOrNull(
          'median days of the stays in the stage that ended that week; null when none',
        ),
        meanDays: perWeekOrNull('mean days of the same stays'),
        stays: perWeek('how many stays each week’s figures are over'),
      }),
    ),
    throughput: z.object({
      advanced: perWeek('stage transitions made each week'),
      shipped: perWeek('projects shipped each week'),
      cancelled: perWeek('projects cancelled each week'),
    }),
    wip: z.object({
      types: z.array(z.string()).meta({ description: 'item types in policy order' }),
      pods: z.array(
        z.object({
          id: uuid,
          slug: z.string(),
          name: z.string(),
          cells: z.array(
            z.object({
              itemType: z.string(),
              limit: count.meta({
                description:
                  'the limit in force now (limits are not versioned: past weeks are measured against it)',
              }),
              used: perWeek('locks held at each week’s end'),
              utilisation: perWeekOrNull('used ÷ limit each week; null when the limit is 0'),
            }),
          ),
        }),
      ),
    }),
    ideas: z.object({
      submitted: perWeek('ideas submitted each week'),
      evaluated: perWeek('evaluations made each week (a re-evaluation counts in the week of the latest)'),
      promoted: perWeek('ideas promoted into projects each week'),
      archived: perWeek('ideas archived each week'),
    }),
  })
  .meta({ id: 'DashboardTrends' });

export const trendsRoutes = {
  getDashboardTrends: {
    method: 'GET',
    path: '/api/v1/dashboard/trends',
    query: trendsQuery,
    responses: { 200: dashboardTrendsSchema },
    permission: 'read',
    summary:
      'Weekly trends: cumulative flow, cycle time per stage, throughput, WIP utilisation per pod and the idea funnel',
    tags: ['dashboard'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _TrendsContractChecks = [
  Check<Same<z.infer<typeof dashboardTrendsSchema>, Json<DashboardTrends>>>,
];
