import { createHash } from 'node:crypto';
import { type AuditEvent, type AuditRepository, chainHash, GENESIS_HASH } from '@clos/core';
import { and, asc, desc, eq, gt, gte, lt, lte } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function auditRepository(db: Db, ids: () => string): AuditRepository {
  return {
    async append(e) {
      // Locking the head row serialises appenders (across processes on PostgreSQL) until commit.
      const head = (await db.select().from(t.auditHead).where(eq(t.auditHead.id, 1)).for('update'))[0];
      const prevHash = head?.hash ?? GENESIS_HASH;
      const fields = {
        sequence: (head?.sequence ?? 0) + 1,
        id: ids(),
        occurredAt: e.at,
        actorId: e.actorId,
        actorLabel: e.actorLabel,
        action: e.action,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        // Round-trip through JSON so the hashed form equals what JSONB gives back (dates → strings).
        before: e.before === undefined ? null : JSON.parse(JSON.stringify(e.before)),
        after: e.after === undefined ? null : JSON.parse(JSON.stringify(e.after)),
        reason: e.reason ?? null,
        requestId: e.requestId,
      };
      const hash = chainHash(sha256, prevHash, fields);
      const event: AuditEvent = { ...fields, prevHash, hash };
      await db.insert(t.auditEvents).values(event);
      await db
        .insert(t.auditHead)
        .values({ id: 1, sequence: event.sequence, hash })
        .onConflictDoUpdate({ target: t.auditHead.id, set: { sequence: event.sequence, hash } });
      return event;
    },
    async list(f, { limit, cursor }) {
      const after = decodeCursor(cursor, ['int']);
      const rows = await db
        .select()
        .from(t.auditEvents)
        .where(
          and(
            f.subjectType ? eq(t.auditEvents.subjectType, f.subjectType) : undefined,
            f.subjectId ? eq(t.auditEvents.subjectId, f.subjectId) : undefined,
            f.actorId ? eq(t.auditEvents.actorId, f.actorId) : undefined,
            f.action ? eq(t.auditEvents.action, f.action) : undefined,
            f.from ? gte(t.auditEvents.occurredAt, f.from) : undefined,
            f.to ? lte(t.auditEvents.occurredAt, f.to) : undefined,
            after ? lt(t.auditEvents.sequence, after[0]) : undefined,
          ),
        )
        .orderBy(desc(t.auditEvents.sequence))
        .limit(limit + 1);
      return pageOf(rows, limit, (r) => [r.sequence]);
    },
    async *iterate(after = 0) {
      let from = after;
      for (;;) {
        const batch = await db
          .select()
          .from(t.auditEvents)
          .where(gt(t.auditEvents.sequence, from))
          .orderBy(asc(t.auditEvents.sequence))
          .limit(1000);
        yield* batch;
        if (batch.length < 1000) return;
        from = batch[batch.length - 1]!.sequence;
      }
    },
    async head() {
      return (
        (
          await db
            .select({ sequence: t.auditHead.sequence, hash: t.auditHead.hash })
            .from(t.auditHead)
            .where(eq(t.auditHead.id, 1))
        )[0] ?? null
      );
    },
  };
}
