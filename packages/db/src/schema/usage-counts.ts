import { date, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * How often something was used, per UTC day (`slack.command:/clos wip`, …): the adoption figures of
 * the seed's §9. Only the count is kept, never what was typed.
 */
export const usageCounts = pgTable(
  'usage_counts',
  {
    day: date('day', { mode: 'string' }).notNull(),
    metric: text('metric').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.metric] })],
);
