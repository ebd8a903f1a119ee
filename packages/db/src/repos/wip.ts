import type { WipLock, WipRepository } from '@clos/core';
import { and, asc, count, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import { prepared, preparedSql } from '../prepared.ts';
import * as t from '../schema/index.ts';
import { podColumns } from './pods.ts';

const open = (podId: unknown, itemType?: unknown) =>
  and(
    eq(t.wipLocks.podId, podId as string),
    itemType ? eq(t.wipLocks.itemType, itemType as string) : undefined,
    isNull(t.wipLocks.releasedAt),
  );

// The statements of an acquire and a release, built once per database (see prepared.ts).
const podInScopeQuery = prepared((db) =>
  db
    .select({
      ...podColumns,
      // The lock's key is lockScope's, built in SQL from the row found: the same scope, one trip.
      scope: sql`pg_advisory_xact_lock(hashtextextended('wip:' || ${t.pods.id}::text || ':' || ${sql.placeholder('itemType')}, 0))`,
    })
    .from(t.pods)
    .where(eq(t.pods.slug, sql.placeholder('slug')))
    .prepare(''),
);

/**
 * One round trip for what an acquire decides on. The pod row anchors the one result row; the item's
 * open lock joins it when there is one (`forItem`), and never otherwise.
 */
const slotStateQuery = (forItem: boolean) =>
  prepared((db) => {
    const podId = sql.placeholder('podId');
    const itemType = sql.placeholder('itemType');
    return db
      .select({
        lock: t.wipLocks,
        used: sql<number>`(select count(*) from ${t.wipLocks} where ${open(podId, itemType)})`.mapWith(
          Number,
        ),
        storedLimit: sql<number | null>`(select ${t.wipLimits.limit} from ${t.wipLimits} where ${and(
          eq(t.wipLimits.podId, podId as never),
          eq(t.wipLimits.itemType, itemType as never),
        )})`,
        queued: sql<number>`(select count(*) from ${t.wipQueue} where ${and(
          eq(t.wipQueue.podId, podId as never),
          eq(t.wipQueue.itemType, itemType as never),
        )})`.mapWith(Number),
      })
      .from(t.pods)
      .leftJoin(
        t.wipLocks,
        forItem
          ? and(
              eq(t.wipLocks.podId, t.pods.id),
              open(podId, itemType),
              eq(t.wipLocks.itemId, sql.placeholder('itemId') as never),
            )
          : sql`false`,
      )
      .where(eq(t.pods.id, podId as never))
      .prepare('');
  });
const slotStateForItem = slotStateQuery(true);
const slotStateOfLine = slotStateQuery(false);

// A new lock is open: its release columns are written as nulls, not placeholders (a placeholder's
// value goes through the column's encoder, and a timestamp's does not take null). `satisfies` keeps
// the list whole: a field added to WipLock fails to compile here until it is written.
const insertLockQuery = prepared((db) => {
  const p = sql.placeholder;
  const values = {
    id: p('id'),
    podId: p('podId'),
    itemType: p('itemType'),
    itemId: p('itemId'),
    acquiredBy: p('acquiredBy'),
    acquiredAt: p('acquiredAt'),
    releasedAt: null,
    releasedBy: null,
    label: p('label'),
    url: p('url'),
  } satisfies Record<keyof WipLock, unknown>;
  return db.insert(t.wipLocks).values(values).prepare('');
});

// A release's first statement: the lock, its pod and the scope of its (pod, type), the key built in
// SQL as podInScope builds it (from the lock's pod_id, which is the pod's id).
const lockInScopeQuery = prepared((db) =>
  db
    .select({
      lock: t.wipLocks,
      pod: podColumns,
      scope: sql`pg_advisory_xact_lock(hashtextextended('wip:' || ${t.wipLocks.podId}::text || ':' || ${t.wipLocks.itemType}, 0))`,
    })
    .from(t.wipLocks)
    .innerJoin(t.pods, eq(t.pods.id, t.wipLocks.podId))
    .where(eq(t.wipLocks.id, sql.placeholder('lockId')))
    .prepare(''),
);

// The line's length comes back with the release: this statement's snapshot is taken after the
// caller's scope, so no item can join the line unseen, and a release with nobody waiting (nearly all
// of them) needs no further read.
const releaseQuery = preparedSql<{ released: number; queued: number }>((db) => {
  const update = db
    .update(t.wipLocks)
    .set({ releasedAt: sql.placeholder('at') as never, releasedBy: sql.placeholder('by') as never })
    .where(and(eq(t.wipLocks.id, sql.placeholder('id') as never), isNull(t.wipLocks.releasedAt)))
    .returning({ podId: t.wipLocks.podId, itemType: t.wipLocks.itemType });
  return sql`with released as (${update.getSQL()}) select count(*)::int as released, (select count(*)::int from ${t.wipQueue} q join released r on q.pod_id = r.pod_id and q.item_type = r.item_type) as queued from released`;
});

// Two of a pod's status reads.
const storedLimitsQuery = prepared((db) =>
  db
    .select({ itemType: t.wipLimits.itemType, limit: t.wipLimits.limit })
    .from(t.wipLimits)
    .where(eq(t.wipLimits.podId, sql.placeholder('podId')))
    .prepare(''),
);
const countOpenQuery = prepared((db) =>
  db
    .select({ itemType: t.wipLocks.itemType, n: count() })
    .from(t.wipLocks)
    .where(open(sql.placeholder('podId')))
    .groupBy(t.wipLocks.itemType)
    .prepare(''),
);

export function wipRepository(db: Db): WipRepository {
  return {
    async lockScope(podId, itemType) {
      // A transaction-scoped advisory lock per (pod, type): works the same on PGlite and PostgreSQL,
      // needs no row to exist, and is released by COMMIT or ROLLBACK.
      await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`wip:${podId}:${itemType}`}, 0))`);
    },
    async podInScope(slug, itemType) {
      const [row] = await podInScopeQuery(db).execute({ slug, itemType });
      if (!row) return null;
      const { scope: _scope, ...pod } = row;
      return pod;
    },
    async lockInScope(lockId) {
      const [row] = await lockInScopeQuery(db).execute({ lockId });
      return row ? { lock: row.lock, pod: row.pod } : null;
    },
    async openLocks(podId, itemType) {
      return db.select().from(t.wipLocks).where(open(podId, itemType)).orderBy(asc(t.wipLocks.acquiredAt));
    },
    async openCount(podId, itemType) {
      return Number((await db.select({ n: count() }).from(t.wipLocks).where(open(podId, itemType)))[0]!.n);
    },
    async slotState(podId, itemType, itemId) {
      const rows =
        itemId === null
          ? await slotStateOfLine(db).execute({ podId, itemType })
          : await slotStateForItem(db).execute({ podId, itemType, itemId });
      const row = rows[0];
      if (!row) return { existing: null, used: 0, storedLimit: null, queued: 0 };
      return {
        existing: row.lock,
        used: row.used,
        storedLimit: row.storedLimit === null ? null : Number(row.storedLimit),
        queued: row.queued,
      };
    },
    async openLockForItem(podId, itemType, itemId) {
      return (
        (
          await db
            .select()
            .from(t.wipLocks)
            .where(and(open(podId, itemType), eq(t.wipLocks.itemId, itemId)))
        )[0] ?? null
      );
    },
    async insertLock(lock) {
      if (lock.releasedAt !== null || lock.releasedBy !== null)
        throw new Error('insertLock: a new lock is open');
      await insertLockQuery(db).execute({ ...lock });
    },
    async lockById(id) {
      return (await db.select().from(t.wipLocks).where(eq(t.wipLocks.id, id)))[0] ?? null;
    },
    async release(id, at, by) {
      const row = (await releaseQuery(db).execute({ id, at, by })).rows[0]!;
      return { released: Number(row.released) > 0, queued: Number(row.queued) };
    },
    async storedLimits(podId) {
      const rows = await storedLimitsQuery(db).execute({ podId });
      return Object.fromEntries(rows.map((r) => [r.itemType, r.limit]));
    },
    async setLimit(podId, itemType, limit, at, by) {
      await db
        .insert(t.wipLimits)
        .values({ podId, itemType, limit, updatedAt: at, updatedBy: by })
        .onConflictDoUpdate({
          target: [t.wipLimits.podId, t.wipLimits.itemType],
          set: { limit, updatedAt: at, updatedBy: by },
        });
    },
    async countOpen(podId) {
      const rows = await countOpenQuery(db).execute({ podId });
      return Object.fromEntries(rows.map((r) => [r.itemType, Number(r.n)]));
    },
    async countQueued(podId) {
      // Counted, not fetched: the GitHub App queues every pull request of a full pod, so a line can be long.
      const rows = await db
        .select({ itemType: t.wipQueue.itemType, n: count() })
        .from(t.wipQueue)
        .where(eq(t.wipQueue.podId, podId))
        .groupBy(t.wipQueue.itemType);
      return Object.fromEntries(rows.map((r) => [r.itemType, Number(r.n)]));
    },
    async enqueue(entry) {
      const [row] = await db.insert(t.wipQueue).values(entry).returning();
      return row!;
    },
    async queueEntry(podId, itemType, itemId) {
      return (
        (
          await db
            .select()
            .from(t.wipQueue)
            .where(
              and(
                eq(t.wipQueue.podId, podId),
                eq(t.wipQueue.itemType, itemType),
                eq(t.wipQueue.itemId, itemId),
              ),
            )
        )[0] ?? null
      );
    },
    async queue(podId, itemType, limit) {
      const q = db
        .select()
        .from(t.wipQueue)
        .where(and(eq(t.wipQueue.podId, podId), itemType ? eq(t.wipQueue.itemType, itemType) : undefined))
        .orderBy(asc(t.wipQueue.itemType), asc(t.wipQueue.position));
      return limit === undefined ? q : q.limit(limit);
    },
    async queueAhead(entry) {
      const rows = await db
        .select({ n: count() })
        .from(t.wipQueue)
        .where(
          and(
            eq(t.wipQueue.podId, entry.podId),
            eq(t.wipQueue.itemType, entry.itemType),
            lt(t.wipQueue.position, entry.position),
          ),
        );
      return Number(rows[0]!.n);
    },
    async dequeue(id) {
      await db.delete(t.wipQueue).where(eq(t.wipQueue.id, id));
    },
  };
}
