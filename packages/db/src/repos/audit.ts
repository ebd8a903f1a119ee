import { createHash } from 'node:crypto';
import { type AuditEvent, type AuditRepository, chainHash, type RecordedAuditEvent } from '@clos/core';
import { and, asc, count, desc, eq, exists, gt, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import { prepared } from '../prepared.ts';
import * as t from '../schema/index.ts';
import type { WriteBehind } from '../write-behind.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// The sealer's statements, built once per database (see prepared.ts).
const headIfPending = prepared((db) =>
  db
    .select()
    .from(t.auditHead)
    .where(
      and(
        eq(t.auditHead.id, 1),
        exists(db.select({ position: t.auditPending.position }).from(t.auditPending).limit(1)),
      ),
    )
    .for('update')
    .prepare(''),
);
const takePending = prepared((db) =>
  db
    .delete(t.auditPending)
    .where(
      inArray(
        t.auditPending.position,
        db
          .select({ position: t.auditPending.position })
          .from(t.auditPending)
          .orderBy(asc(t.auditPending.position))
          .limit(sql.placeholder('limit')),
      ),
    )
    .returning()
    .prepare(''),
);
const moveHead = prepared((db) =>
  db
    .update(t.auditHead)
    .set({ sequence: sql.placeholder('sequence') as never, hash: sql.placeholder('hash') as never })
    .where(eq(t.auditHead.id, 1))
    .prepare(''),
);

/**
 * `onAppend` is told of each event recorded (the unit of work rings the sealer's bell after commit);
 * with `writeBehind` the row waits there for the unit of work's flush before the commit.
 */
export function auditRepository(
  db: Db,
  ids: () => string,
  onAppend?: () => void,
  writeBehind?: WriteBehind,
): AuditRepository {
  const anyPending = async () =>
    (await db.select({ position: t.auditPending.position }).from(t.auditPending).limit(1)).length > 0;
  return {
    async append(e) {
      const fields: RecordedAuditEvent = {
        id: ids(),
        occurredAt: e.at,
        actorId: e.actorId,
        actorLabel: e.actorLabel,
        action: e.action,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        // Round-trip through JSON so what the change sees equals what JSONB gives back (dates → strings).
        before: e.before === undefined ? null : JSON.parse(JSON.stringify(e.before)),
        after: e.after === undefined ? null : JSON.parse(JSON.stringify(e.after)),
        reason: e.reason ?? null,
        requestId: e.requestId,
      };
      if (writeBehind) writeBehind.audit.push(fields);
      else await db.insert(t.auditPending).values(fields);
      onAppend?.();
      return fields;
    },
    async seal(limit) {
      // The head's row lock makes this the only sealer until commit (in every process), and keeps
      // a writer of the release before this one, which still appends under it, in the same chain.
      // It is taken only when something waits, in the same statement that looks: an idle sealer
      // never locks the head (the row always exists: migration 0006 seeds it and a trigger keeps it).
      const [head] = await headIfPending(db).execute();
      if (!head) return 0;
      // Read under the lock, in a statement of its own (a snapshot taken after the lock was granted):
      // rows another sealer chained while this one waited are gone by then. Taken out as they are
      // read: if chaining them fails, the rollback puts them back.
      const rows = (await takePending(db).execute({ limit })).sort((a, b) => a.position - b.position);
      if (rows.length === 0) return 0;
      let sequence = head.sequence;
      let prevHash = head.hash;
      const sealed: AuditEvent[] = rows.map(({ position: _position, ...fields }) => {
        sequence += 1;
        // Hashed as read back from the table, which is exactly what verification reads later.
        const event = { ...fields, sequence };
        const hash = chainHash(sha256, prevHash, event);
        const chained = { ...event, prevHash, hash };
        prevHash = hash;
        return chained;
      });
      await db.insert(t.auditEvents).values(sealed);
      // After the insert, in a statement of its own: the head's trigger checks that the event it
      // points at is in the log.
      await moveHead(db).execute({ sequence, hash: prevHash });
      return rows.length;
    },
    anyUnsealed: anyPending,
    async unsealed() {
      const [row] = await db.select({ n: count() }).from(t.auditPending);
      return Number(row?.n ?? 0);
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

/** Seals up to `limit` pending audit events in the transaction `db` (the relay's pass); how many. */
export const sealAudit = (db: Db, limit: number): Promise<number> =>
  auditRepository(db, () => {
    throw new Error('sealing records no new event');
  }).seal(limit);
