import { type AuditCheckpointRepository, CHECKPOINT_FORMAT, type StoredCheckpoint } from '@clos/core';
import { and, asc, desc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

type Row = typeof t.auditCheckpoints.$inferSelect;

const toCheckpoint = (r: Row): StoredCheckpoint => ({
  format: CHECKPOINT_FORMAT,
  sequence: r.sequence,
  hash: r.hash,
  // Written from `toISOString()` (milliseconds); timestamptz keeps microseconds, so this round-trips.
  time: r.signedAt.toISOString(),
  keyId: r.keyId,
  publicKey: r.publicKey,
  signature: r.signature,
  exportedAt: r.exportedAt,
  exportAttempts: r.exportAttempts,
  lastExportError: r.lastExportError,
});

export function auditCheckpointRepository(db: Db): AuditCheckpointRepository {
  const one = (keyId: string, sequence: number) =>
    and(eq(t.auditCheckpoints.keyId, keyId), eq(t.auditCheckpoints.sequence, sequence));
  return {
    async latest(keyId) {
      const rows = await db
        .select()
        .from(t.auditCheckpoints)
        .where(eq(t.auditCheckpoints.keyId, keyId))
        .orderBy(desc(t.auditCheckpoints.sequence))
        .limit(1);
      return rows[0] ? toCheckpoint(rows[0]) : null;
    },
    async get(keyId, sequence) {
      const rows = await db.select().from(t.auditCheckpoints).where(one(keyId, sequence));
      return rows[0] ? toCheckpoint(rows[0]) : null;
    },
    async insert(c, nextExportAt) {
      const rows = await db
        .insert(t.auditCheckpoints)
        .values({
          sequence: c.sequence,
          keyId: c.keyId,
          hash: c.hash,
          signedAt: new Date(c.time),
          publicKey: c.publicKey,
          signature: c.signature,
          nextExportAt,
        })
        .onConflictDoNothing()
        .returning({ sequence: t.auditCheckpoints.sequence });
      return rows.length === 1;
    },
    async dueExports(now, limit) {
      const rows = await db
        .select()
        .from(t.auditCheckpoints)
        .where(
          and(
            isNull(t.auditCheckpoints.exportedAt),
            or(isNull(t.auditCheckpoints.nextExportAt), lte(t.auditCheckpoints.nextExportAt, now)),
          ),
        )
        .orderBy(asc(t.auditCheckpoints.sequence))
        .limit(limit);
      return rows.map(toCheckpoint);
    },
    async markExported(keyId, sequence, at) {
      await db
        .update(t.auditCheckpoints)
        .set({
          exportedAt: at,
          exportAttempts: sql`${t.auditCheckpoints.exportAttempts} + 1`,
          lastExportError: null,
          nextExportAt: null,
        })
        .where(one(keyId, sequence));
    },
    async markExportFailed(keyId, sequence, error, nextAttemptAt) {
      await db
        .update(t.auditCheckpoints)
        .set({
          exportAttempts: sql`${t.auditCheckpoints.exportAttempts} + 1`,
          lastExportError: error,
          nextExportAt: nextAttemptAt,
        })
        // A concurrent exporter that succeeded wins: its row is not marked failed afterwards.
        .where(and(one(keyId, sequence), isNull(t.auditCheckpoints.exportedAt)));
    },
  };
}
