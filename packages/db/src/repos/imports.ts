import type { ImportRecord, ImportRepository } from '@clos/core';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

// Bound parameters per `in (…)` list: far below PostgreSQL's 65,535 per statement.
const CHUNK = 1000;

export function importRepository(db: Db): ImportRepository {
  return {
    async insert(record) {
      // The unique index decides, as for inbound deliveries: a concurrent import of the same row
      // waits for this row's transaction and then conflicts.
      const inserted = await db
        .insert(t.importRecords)
        .values(record)
        .onConflictDoNothing()
        .returning({ id: t.importRecords.entityId });
      return inserted.length === 1;
    },
    async setEntity(source, externalId, entityType, entityId) {
      await db
        .update(t.importRecords)
        .set({ entityId })
        .where(
          and(
            eq(t.importRecords.source, source),
            eq(t.importRecords.externalId, externalId),
            eq(t.importRecords.entityType, entityType),
          ),
        );
    },
    async find(source, externalId, entityType) {
      const rows = await db
        .select()
        .from(t.importRecords)
        .where(
          and(
            eq(t.importRecords.source, source),
            eq(t.importRecords.externalId, externalId),
            eq(t.importRecords.entityType, entityType),
          ),
        );
      return rows[0] ?? null;
    },
    async byEntity(entityType, entityId) {
      const rows = await db
        .select()
        .from(t.importRecords)
        .where(and(eq(t.importRecords.entityType, entityType), eq(t.importRecords.entityId, entityId)))
        .orderBy(asc(t.importRecords.importedAt))
        .limit(1);
      return rows[0] ?? null;
    },
    async findMany(source, entityType, externalIds) {
      const found = new Map<string, ImportRecord>();
      const unique = [...new Set(externalIds)];
      for (let at = 0; at < unique.length; at += CHUNK) {
        const rows = await db
          .select()
          .from(t.importRecords)
          .where(
            and(
              eq(t.importRecords.source, source),
              eq(t.importRecords.entityType, entityType),
              inArray(t.importRecords.externalId, unique.slice(at, at + CHUNK)),
            ),
          );
        for (const row of rows) found.set(row.externalId, row);
      }
      return found;
    },
  };
}
