import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** The value last applied from the config file, per key (`pod:ratio`, `wip:ratio:project`, …). */
export const configState = pgTable('config_state', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull(),
});
