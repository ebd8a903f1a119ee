import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Deliveries received from an integration's webhook (GitHub's `X-GitHub-Delivery`, …): the row is
 * written in the transaction that enqueues the delivery's work, so a redelivery finds it and changes
 * nothing.
 */
export const inboundDeliveries = pgTable(
  'inbound_deliveries',
  {
    integration: text('integration').notNull(),
    deliveryId: text('delivery_id').notNull(),
    /** The event name the sender gave (`pull_request`, …). */
    event: text('event').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.integration, t.deliveryId] })],
);
