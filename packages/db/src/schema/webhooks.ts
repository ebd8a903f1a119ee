import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { domainEvents } from './domain-events.ts';
import { users } from './users.ts';

/** Outbound webhooks registered by admins. The secret signs deliveries, so it is kept to be used. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey(),
  url: text('url').notNull(),
  /** Event types, or `["*"]` for all. */
  events: jsonb('events').$type<string[]>().notNull(),
  secret: text('secret').notNull(),
  description: text('description'),
  active: boolean('active').notNull().default(true),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
});

/** One row per delivery attempt: the log users read to see why a receiver did not get an event. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id),
    eventId: uuid('event_id')
      .notNull()
      .references(() => domainEvents.id),
    eventType: text('event_type').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status', { enum: ['succeeded', 'failed', 'abandoned', 'blocked'] }).notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webhook_deliveries_webhook_idx').on(t.webhookId, t.attemptedAt)],
);
