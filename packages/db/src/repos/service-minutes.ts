import type { ServiceMinuteRepository } from '@clos/core';
import { sql } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const m = t.serviceMinutes;
const n = (value: unknown) => Number(value ?? 0);

async function rows(db: Db, query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown as { rows: Record<string, unknown>[] };
  return result.rows;
}

/** Reads a timestamp the way either driver hands it back (a Date from pg, a Date or text from PGlite). */
const instant = (value: unknown) => (value == null ? null : new Date(value as string | Date));

export function serviceMinuteRepository(db: Db): ServiceMinuteRepository {
  return {
    async record(row) {
      // A process that writes its minute twice (a retry after a timeout) replaces it rather than failing.
      await db
        .insert(m)
        .values(row)
        .onConflictDoUpdate({
          target: [m.minute, m.instance],
          set: {
            ready: sql`excluded.ready`,
            requests: sql`excluded.requests`,
            errors: sql`excluded.errors`,
            durationBuckets: sql`excluded.duration_buckets`,
          },
        });
    },

    async totals(window) {
      const previousFrom = sql`${window.previousFrom.toISOString()}::timestamptz`;
      const from = sql`${window.from.toISOString()}::timestamptz`;
      const to = sql`${window.to.toISOString()}::timestamptz`;
      // Per minute first (processes merged: a minute is up when any process was ready), then per
      // period; the buckets are summed element-wise by their position.
      const result = await rows(
        db,
        sql`with scoped as (
            select *, case when minute >= ${from} then 'current' else 'previous' end as period
            from service_minutes where minute >= ${previousFrom} and minute < ${to}
          ),
          minutes as (
            select period, minute, bool_or(ready) as ready from scoped group by period, minute
          ),
          totals as (
            select period, count(*) as recorded, count(*) filter (where ready) as ready_minutes
            from minutes group by period
          ),
          sums as (
            select period, sum(requests) as requests, sum(errors) as errors from scoped group by period
          ),
          buckets as (
            select period, array_agg(total::float8 order by i) as buckets
            from (
              select s.period, b.i, sum(b.count) as total
              from scoped s cross join lateral unnest(s.duration_buckets) with ordinality as b(count, i)
              group by s.period, b.i
            ) per_bucket
            group by period
          )
          select totals.period, totals.recorded, totals.ready_minutes, sums.requests, sums.errors,
            buckets.buckets,
            (select min(minute) from service_minutes) as first,
            (select max(minute) from service_minutes) as last
          from totals join sums using (period) left join buckets using (period)`,
      );
      const empty = { recordedMinutes: 0, readyMinutes: 0, requests: 0, errors: 0, buckets: [] as number[] };
      const periods = { current: { ...empty }, previous: { ...empty } };
      for (const r of result)
        periods[r.period as 'current' | 'previous'] = {
          recordedMinutes: n(r.recorded),
          readyMinutes: n(r.ready_minutes),
          requests: n(r.requests),
          errors: n(r.errors),
          buckets: ((r.buckets as unknown[] | null) ?? []).map(n),
        };
      let first = instant(result[0]?.first);
      let last = instant(result[0]?.last);
      if (!result.length) {
        // No row in either period: the span still matters (a period with no row inside it is down).
        const [span] = await rows(
          db,
          sql`select min(minute) as first, max(minute) as last from service_minutes`,
        );
        first = instant(span?.first);
        last = instant(span?.last);
      }
      return { first, last, periods };
    },
  };
}
