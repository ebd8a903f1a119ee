import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Messages an integration posted about something that changes later (a Slack approval request), by
 * what they are about, so the message can be updated in place when the change happens elsewhere.
 */
export const integrationMessages = pgTable(
  'integration_messages',
  {
    integration: text('integration').notNull(),
    /** What the message is about, e.g. `approval:<project id>:<stage>`. */
    key: text('key').notNull(),
    channel: text('channel').notNull(),
    /** The service's id of the message (Slack's `ts`). */
    ref: text('ref').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.integration, t.key] })],
);
