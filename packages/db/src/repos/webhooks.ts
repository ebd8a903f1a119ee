import type { Webhook, WebhookDelivery, WebhookRepository } from '@clos/core';
import { and, desc, eq, lt, or } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const toWebhook = (r: typeof t.webhooks.$inferSelect): Webhook => r;
const toDelivery = (r: typeof t.webhookDeliveries.$inferSelect): WebhookDelivery => r;

export function webhookRepository(db: Db): WebhookRepository {
  return {
    async insert(webhook) {
      await db.insert(t.webhooks).values(webhook);
    },
    async byId(id) {
      const [row] = await db.select().from(t.webhooks).where(eq(t.webhooks.id, id));
      return row ? toWebhook(row) : null;
    },
    async list({ limit, cursor }) {
      const after = decodeCursor(cursor, 2);
      const at = after ? new Date(String(after[0])) : null;
      const rows = await db
        .select()
        .from(t.webhooks)
        .where(
          at
            ? or(
                lt(t.webhooks.createdAt, at),
                and(eq(t.webhooks.createdAt, at), lt(t.webhooks.id, String(after![1]))),
              )
            : undefined,
        )
        .orderBy(desc(t.webhooks.createdAt), desc(t.webhooks.id))
        .limit(limit + 1);
      return pageOf(rows.map(toWebhook), limit, (w) => [w.createdAt.toISOString(), w.id]);
    },
    async active() {
      const rows = await db.select().from(t.webhooks).where(eq(t.webhooks.active, true));
      return rows.map(toWebhook);
    },
    async disable(id, at) {
      await db
        .update(t.webhooks)
        .set({ active: false, disabledAt: at })
        .where(and(eq(t.webhooks.id, id), eq(t.webhooks.active, true)));
    },
    async insertDelivery(delivery) {
      await db.insert(t.webhookDeliveries).values(delivery);
    },
    async deliveries(webhookId, { limit, cursor }) {
      const d = t.webhookDeliveries;
      const after = decodeCursor(cursor, 3);
      const at = after ? new Date(String(after[0])) : null;
      // Attempts of one event may share a timestamp (a coarse or injected clock): the attempt number
      // breaks the tie so a retry still lists above the attempt it repeats.
      const rows = await db
        .select()
        .from(d)
        .where(
          and(
            eq(d.webhookId, webhookId),
            at
              ? or(
                  lt(d.attemptedAt, at),
                  and(eq(d.attemptedAt, at), lt(d.attempt, Number(after![1]))),
                  and(eq(d.attemptedAt, at), eq(d.attempt, Number(after![1])), lt(d.id, String(after![2]))),
                )
              : undefined,
          ),
        )
        .orderBy(desc(d.attemptedAt), desc(d.attempt), desc(d.id))
        .limit(limit + 1);
      return pageOf(rows.map(toDelivery), limit, (r) => [r.attemptedAt.toISOString(), r.attempt, r.id]);
    },
    async delivered(webhookId, eventId) {
      const d = t.webhookDeliveries;
      const rows = await db
        .select({ id: d.id })
        .from(d)
        .where(and(eq(d.webhookId, webhookId), eq(d.eventId, eventId), eq(d.status, 'succeeded')))
        .limit(1);
      return rows.length === 1;
    },
  };
}
