import { ATTENTION_KINDS, type AttentionOverview } from '@clos/core';
import { z } from 'zod';
import type { Json } from '../api.ts';
import { uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

const count = z.number().int();
const weekChange = z
  .object({
    thisWeek: z
      .number()
      .nullable()
      .meta({ description: 'the 7 days up to now; null when nothing to measure' }),
    lastWeek: z.number().nullable().meta({ description: 'the 7 days before those' }),
    delta: z.number().nullable().meta({ description: 'thisWeek − lastWeek; null when either is null' }),
  })
  .meta({ id: 'WeekChange' });

export const attentionItemSchema = z
  .object({
    kind: z.enum(ATTENTION_KINDS).meta({
      description:
        'alert_critical, wip_full (a pod at or over a limit), approval_waiting (a gate the caller may approve), gate_stuck, health_low, idea_ready',
    }),
    rank: count.meta({ description: '1 for the most urgent' }),
    title: z.string().meta({ description: 'what needs attention, in words' }),
    why: z.string().meta({ description: 'why, with its figures: "3 days in build, 2 criteria unmet"' }),
    link: z.string().meta({ description: 'the dashboard path where it is resolved' }),
    subject: z.object({ type: z.enum(['pod', 'project', 'idea', 'alert']), id: uuid }),
  })
  .meta({ id: 'AttentionItem' });

export const attentionOverviewSchema = z
  .object({
    items: z.array(attentionItemSchema).meta({ description: 'ranked by urgency, most urgent first' }),
    figures: z.object({
      windowDays: count,
      cycleTimeDays: z
        .array(z.object({ stage: z.string(), ...weekChange.shape }))
        .meta({ description: 'median days of stays in each stage that ended in the window, policy order' }),
      throughput: z.object({
        advanced: weekChange.meta({ description: 'projects moved through a gate' }),
        shipped: weekChange.meta({ description: 'projects shipped' }),
      }),
      wip: z
        .array(z.object({ itemType: z.string(), used: count, limit: count, utilisation: weekChange }))
        .meta({
          description: 'per item type over every pod: used ÷ limit now and 7 days ago (today’s limits)',
        }),
    }),
    empty: z.object({
      pods: z.boolean().meta({ description: 'no pod is registered yet' }),
      projects: z.boolean().meta({ description: 'no project was ever created' }),
    }),
  })
  .meta({ id: 'AttentionOverview' });

export const attentionRoutes = {
  getDashboardAttention: {
    method: 'GET',
    path: '/api/v1/dashboard/attention',
    responses: { 200: attentionOverviewSchema },
    permission: 'read',
    summary:
      'What needs the caller today, ranked by urgency with a link to where each is resolved, and headline figures against last week',
    tags: ['dashboard'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _AttentionContractChecks = [
  Check<Same<z.infer<typeof attentionOverviewSchema>, Json<AttentionOverview>>>,
];
