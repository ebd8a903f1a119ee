import { boolean, date, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * What each process served in each minute (seed §9's technical figures: availability, API p95, error
 * rate). Prometheus keeps these too, but only as long as its retention and only if someone runs it;
 * the scorecard must work from CLOS's own database. Each process writes its own row once a minute, so
 * nothing is merged under contention; the scorecard sums across processes.
 *
 * `durationBuckets[i]` counts requests that took at most `REQUEST_DURATION_BUCKETS_MS[i]` ms and more
 * than the bound before it (the last bucket is unbounded): p95 over any period is then the sum of the
 * rows' buckets, read like a Prometheus histogram.
 */
export const serviceMinutes = pgTable(
  'service_minutes',
  {
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    /** The writing process: host name and pid, or what the operator named it. */
    instance: text('instance').notNull(),
    /** The process's self-check (database reachable, runtime running) passed in this minute. */
    ready: boolean('ready').notNull(),
    requests: integer('requests').notNull(),
    /** Answers with status 5xx (the client's 4xx are not the service failing). */
    errors: integer('errors').notNull(),
    durationBuckets: integer('duration_buckets').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.instance] })],
);

/** Who used CLOS on which UTC day (daily active users, seed §9): the first use of the day is kept, nothing else. */
export const activeUsers = pgTable(
  'active_users',
  {
    day: date('day', { mode: 'string' }).notNull(),
    userId: uuid('user_id').notNull(),
    /** How the first use of the day came: `api` (token), `session` (dashboard) or `slack`. */
    via: text('via').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.userId] })],
);
