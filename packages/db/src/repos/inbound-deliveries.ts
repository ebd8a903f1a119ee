import type { InboundDeliveryRepository } from '@clos/core';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

export function inboundDeliveryRepository(db: Db): InboundDeliveryRepository {
  return {
    async record(delivery) {
      // The primary key decides: a concurrent redelivery waits for this row's transaction and then
      // conflicts, so exactly one of them records it.
      const inserted = await db
        .insert(t.inboundDeliveries)
        .values(delivery)
        .onConflictDoNothing()
        .returning({ id: t.inboundDeliveries.deliveryId });
      return inserted.length === 1;
    },
  };
}
