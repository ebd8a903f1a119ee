import type { Alert, AlertRepository, AlertSnooze } from '@clos/core';
import { and, asc, desc, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import { prepared } from '../prepared.ts';
import * as t from '../schema/index.ts';

const a = t.alerts;
type Row = typeof a.$inferSelect;
const toAlert = ({
  acknowledgedAt,
  acknowledgedBy,
  acknowledgedByLabel,
  snoozedUntil,
  snoozedAt,
  snoozedBy,
  snoozedByLabel,
  ...r
}: Row): Alert => ({
  ...r,
  acknowledged:
    acknowledgedAt && acknowledgedByLabel !== null
      ? { at: acknowledgedAt, by: acknowledgedBy, byLabel: acknowledgedByLabel }
      : null,
  snooze:
    snoozedUntil && snoozedAt && snoozedByLabel !== null
      ? { until: snoozedUntil, at: snoozedAt, by: snoozedBy, byLabel: snoozedByLabel }
      : null,
});
const snoozeColumns = (s: AlertSnooze | null) => ({
  snoozedUntil: s?.until ?? null,
  snoozedAt: s?.at ?? null,
  snoozedBy: s?.by ?? null,
  snoozedByLabel: s?.byLabel ?? null,
});
// Any number, as long as nothing else takes it.
const RECONCILE_LOCK = 7_245_301_203;
// The list's sort key: open alerts first, each group newest first (opened, or resolved).
const rank = sql<number>`(case when ${a.status} = 'open' then 0 else 1 end)`;
const sortAt = sql<Date>`coalesce(${a.resolvedAt}, ${a.openedAt})`;

// Rank ascending, then time and id descending: the rows that sort after the cursor's row.
const afterCursor = (r: number, at: Date, id: string) =>
  sql`(${rank} > ${r} or (${rank} = ${r} and (${sortAt} < ${at.toISOString()}::timestamptz or (${sortAt} = ${at.toISOString()}::timestamptz and ${a.id} < ${id}::uuid))))`;

// Read by the relay once per pass that carries a release (see prepared.ts).
const openAlertKeys = prepared((db) =>
  db.select({ key: a.key }).from(a).where(eq(a.status, 'open')).prepare(''),
);

export function alertRepository(db: Db): AlertRepository {
  return {
    async lockReconcile() {
      await db.execute(sql`select pg_advisory_xact_lock(${RECONCILE_LOCK})`);
    },
    async openKeys() {
      return new Set((await openAlertKeys(db).execute()).map((r) => r.key));
    },
    async openAlerts() {
      const rows = await db.select().from(a).where(eq(a.status, 'open')).orderBy(asc(a.openedAt));
      return rows.map(toAlert);
    },
    async insertOpen({ acknowledged, snooze, ...alert }) {
      // No conflict target: the partial unique index on open keys is the one that can fire, and a
      // concurrent duplicate becomes a no-op instead of an error.
      const [row] = await db
        .insert(a)
        .values({
          ...alert,
          details: JSON.parse(JSON.stringify(alert.details)),
          acknowledgedAt: acknowledged?.at ?? null,
          acknowledgedBy: acknowledged?.by ?? null,
          acknowledgedByLabel: acknowledged?.byLabel ?? null,
          ...snoozeColumns(snooze),
        })
        .onConflictDoNothing()
        .returning();
      return row ? toAlert(row) : null;
    },
    async refresh(id, patch) {
      await db
        .update(a)
        .set({ ...patch, details: JSON.parse(JSON.stringify(patch.details)) })
        .where(and(eq(a.id, id), eq(a.status, 'open')));
    },
    async byId(id) {
      const [row] = await db.select().from(a).where(eq(a.id, id));
      return row ? toAlert(row) : null;
    },
    async acknowledge(id, ack) {
      const [row] = await db
        .update(a)
        .set({ acknowledgedAt: ack.at, acknowledgedBy: ack.by, acknowledgedByLabel: ack.byLabel })
        .where(and(eq(a.id, id), eq(a.status, 'open')))
        .returning();
      return row ? toAlert(row) : null;
    },
    async setSnooze(id, snooze) {
      const [row] = await db
        .update(a)
        .set(snoozeColumns(snooze))
        .where(and(eq(a.id, id), eq(a.status, 'open')))
        .returning();
      return row ? toAlert(row) : null;
    },
    async resolve(id, at) {
      const rows = await db
        .update(a)
        .set({ status: 'resolved', resolvedAt: at, ...snoozeColumns(null) })
        .where(and(eq(a.id, id), eq(a.status, 'open')))
        .returning({ id: a.id });
      return rows.length === 1;
    },
    async list(f, { limit, cursor }) {
      const after = decodeCursor(cursor, ['int', 'timestamp', 'uuid']);
      const rows = await db
        .select()
        .from(a)
        .where(
          and(
            f.status ? eq(a.status, f.status) : undefined,
            f.podId ? eq(a.podId, f.podId) : undefined,
            f.kind ? eq(a.kind, f.kind) : undefined,
            f.snoozed?.mode === 'only' ? gt(a.snoozedUntil, f.snoozed.at) : undefined,
            f.snoozed?.mode === 'exclude'
              ? or(isNull(a.snoozedUntil), lte(a.snoozedUntil, f.snoozed.at))
              : undefined,
            after ? afterCursor(...after) : undefined,
          ),
        )
        .orderBy(asc(rank), desc(sortAt), desc(a.id))
        .limit(limit + 1);
      return pageOf(rows.map(toAlert), limit, (r) => [
        r.status === 'open' ? 0 : 1,
        (r.resolvedAt ?? r.openedAt).toISOString(),
        r.id,
      ]);
    },
  };
}
