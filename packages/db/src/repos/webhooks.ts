import type { Webhook, WebhookDelivery, WebhookRepository } from '@clos/core';
import { and, desc, eq, lt, or } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import { prepared } from '../prepared.ts';
import * as t from '../schema/index.ts';
import { openSecret, type SecretBox, sealSecret } from '../secret-box.ts';
import { sealedPlace } from '../secrets-at-rest.ts';

const toDelivery = (r: typeof t.webhookDeliveries.$inferSelect): WebhookDelivery => r;

/**
 * The signing secret is sealed here, on its way into the table, and opened on its way out: the domain
 * works with the plain secret, the database (and its dumps and backups) only ever holds ciphertext.
 */

// Read by the relay once per pass (see prepared.ts).
const activeWebhooks = prepared((db) =>
  db.select().from(t.webhooks).where(eq(t.webhooks.active, true)).prepare(''),
);

export function webhookRepository(db: Db, box?: SecretBox): WebhookRepository {
  const place = (id: string) => sealedPlace('webhooks.secret', id);
  // Opened when used, not when read: the outbox relay matches every event against all active
  // webhooks without needing a secret, so a value that does not open (altered, or under a key this
  // process lacks) fails only what signs with it or shows it, and never stalls the relay.
  const toWebhook = ({ secret: stored, ...row }: typeof t.webhooks.$inferSelect): Webhook =>
    Object.defineProperty(row, 'secret', {
      get: () => openSecret(box, stored, place(row.id)),
      enumerable: true,
    }) as Webhook;
  return {
    async insert(webhook) {
      await db
        .insert(t.webhooks)
        .values({ ...webhook, secret: sealSecret(box, webhook.secret, place(webhook.id)) });
    },
    async byId(id) {
      const [row] = await db.select().from(t.webhooks).where(eq(t.webhooks.id, id));
      return row ? toWebhook(row) : null;
    },
    async list({ limit, cursor }) {
      const after = decodeCursor(cursor, ['timestamp', 'uuid']);
      const rows = await db
        .select()
        .from(t.webhooks)
        .where(
          after
            ? or(
                lt(t.webhooks.createdAt, after[0]),
                and(eq(t.webhooks.createdAt, after[0]), lt(t.webhooks.id, after[1])),
              )
            : undefined,
        )
        .orderBy(desc(t.webhooks.createdAt), desc(t.webhooks.id))
        .limit(limit + 1);
      return pageOf(rows.map(toWebhook), limit, (w) => [w.createdAt.toISOString(), w.id]);
    },
    async active() {
      return (await activeWebhooks(db).execute()).map(toWebhook);
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
      const after = decodeCursor(cursor, ['timestamp', 'int', 'uuid']);
      // Attempts of one event may share a timestamp (a coarse or injected clock): the attempt number
      // breaks the tie so a retry still lists above the attempt it repeats.
      const rows = await db
        .select()
        .from(d)
        .where(
          and(
            eq(d.webhookId, webhookId),
            after
              ? or(
                  lt(d.attemptedAt, after[0]),
                  and(eq(d.attemptedAt, after[0]), lt(d.attempt, after[1])),
                  and(eq(d.attemptedAt, after[0]), eq(d.attempt, after[1]), lt(d.id, after[2])),
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
