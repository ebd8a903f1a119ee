import type { IntegrationMessageRepository } from '@clos/core';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const m = t.integrationMessages;

export function integrationMessageRepository(db: Db): IntegrationMessageRepository {
  return {
    async remember(message) {
      // A newer message about the same thing replaces the older one: that is the one kept up to date.
      await db
        .insert(m)
        .values(message)
        .onConflictDoUpdate({
          target: [m.integration, m.key],
          set: { channel: message.channel, ref: message.ref, createdAt: message.createdAt },
        });
    },
    async find(integration, key) {
      const [row] = await db
        .select({ channel: m.channel, ref: m.ref })
        .from(m)
        .where(and(eq(m.integration, integration), eq(m.key, key)));
      return row ?? null;
    },
  };
}
