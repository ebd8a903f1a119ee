/**
 * The records a running server keeps for the success scorecard, written for the demo's last
 * `BOOKKEEPING_DAYS` days as if it had been running: one process's minutes (with two short outages),
 * who used CLOS each day, Slack commands and dashboard page loads, and the daily rhythm's runs. They
 * are bookkeeping, not changes anyone made, so they are written directly and not audited, as the
 * server writes them.
 */
import { randomUUID } from 'node:crypto';
import { type Policy, REQUEST_DURATION_BUCKETS_MS, zonedTimeToInstant } from '@clos/core';
import type { Database } from '@clos/db';
import {
  BOOKKEEPING_DAYS,
  DASHBOARD_VIEWS_PER_WEEKDAY,
  OUTAGES,
  SLACK_COMMANDS_PER_WEEKDAY,
} from './data/scorecard.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);
const isWeekend = (at: number) => [0, 6].includes(new Date(at).getUTCDay());

export interface ScorecardRecordPeople {
  id: string;
  role: string;
}

export async function seedScorecardRecords(
  database: Database,
  policy: Policy,
  input: {
    now: number;
    users: readonly ScorecardRecordPeople[];
    pods: readonly { id: string; slug: string; timezone: string }[];
  },
): Promise<{ serviceMinutes: number; activeUserDays: number; workflowRuns: number }> {
  const { now, users, pods } = input;
  const today = Math.floor(now / DAY) * DAY;
  const first = today - BOOKKEEPING_DAYS * DAY;

  // One row per minute of one process, up to the last whole minute. Busier in office hours; about
  // 80 % of requests within 25 ms and 95 % within 50 ms; one 5xx every 997 minutes.
  const minutes = Math.floor((now - first) / MINUTE);
  const buckets = REQUEST_DURATION_BUCKETS_MS.length + 1;
  const down = OUTAGES.map((o) => {
    const [h, m] = o.time.split(':').map(Number) as [number, number];
    const from = today - o.daysAgo * DAY + (h * 60 + m) * MINUTE;
    return [new Date(from).toISOString(), new Date(from + o.minutes * MINUTE).toISOString()];
  });
  const outage = down.map((_, i) => `(m >= $${3 + i * 2}::timestamptz and m < $${4 + i * 2}::timestamptz)`);
  await database.query(
    `insert into service_minutes (minute, instance, ready, requests, errors, duration_buckets)
      select m, 'demo-web-1', not (${outage.join(' or ') || 'false'}), r,
        case when i % 997 = 0 then 1 else 0 end,
        array[r * 3 / 10, r * 3 / 10, r * 2 / 10,
          r - (r * 3 / 10) * 2 - r * 2 / 10 - r * 4 / 100 - r / 100, r * 4 / 100, r / 100]
          || array_fill(0, array[${buckets - 6}])
      from (
        select m, i, (case when extract(hour from m at time zone 'UTC') between 8 and 17 then 60 else 15 end + i % 7)::int as r
        from (select $1::timestamptz + i * interval '1 minute' as m, i from generate_series(0, $2::int - 1) as i) g
      ) per_minute
      on conflict do nothing`,
    [new Date(first).toISOString(), minutes, ...down.flat()],
  );

  // Who used CLOS each day: most people on weekdays, a few leads and admins at weekends.
  let activeUserDays = 0;
  for (let day = first, d = 0; day < now; day += DAY, d += 1) {
    for (const [i, u] of users.entries()) {
      const active = isWeekend(day)
        ? (u.role === 'admin' || u.role === 'pod-lead') && (i + d) % 3 === 0
        : u.role === 'viewer'
          ? d % 2 === 0
          : (i + d) % 5 !== 0;
      if (!active) continue;
      const via = u.role === 'developer' ? (i % 2 ? 'api' : 'slack') : 'session';
      await database.query(
        'insert into active_users (day, user_id, via) values ($1, $2, $3) on conflict do nothing',
        [dayOf(day), u.id, via],
      );
      activeUserDays += 1;
    }
  }

  // Slack commands and dashboard page loads per day, added to whatever the server counts itself.
  for (let day = first, d = 0; day < today; day += DAY, d += 1) {
    const weekend = isWeekend(day);
    const counts: [string, number][] = Object.entries(SLACK_COMMANDS_PER_WEEKDAY).map(([command, n], j) => [
      `slack.command:${command}`,
      weekend ? Math.round(n / 10) : n - ((d + j) % 4),
    ]);
    counts.push([
      'dashboard.view',
      weekend ? Math.round(DASHBOARD_VIEWS_PER_WEEKDAY / 6) : DASHBOARD_VIEWS_PER_WEEKDAY + ((d * 13) % 40),
    ]);
    for (const [metric, count] of counts)
      if (count > 0)
        await database.query(
          `insert into usage_counts (day, metric, count) values ($1, $2, $3)
            on conflict (day, metric) do update set count = usage_counts.count + excluded.count`,
          [dayOf(day), metric, count],
        );
  }

  // The daily rhythm's runs on past working days (not today's or yesterday's, which the scheduler may
  // still start itself), one failed now and then, as the Workflows page shows them.
  let workflowRuns = 0;
  const daily = policy.rhythms.daily;
  if (daily.enabled)
    for (let day = first, d = 0; day < today - DAY; day += DAY, d += 1) {
      const date = dayOf(day);
      const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(day).getUTCDay()]!;
      if (!(daily.days as readonly string[]).includes(weekday)) continue;
      for (const [p, pod] of pods.entries())
        for (const phase of ['unblock', 'commit', 'recap'] as const) {
          const at = zonedTimeToInstant(date, daily[phase], pod.timezone);
          const failed = (d + p) % 9 === 0 && phase === 'recap';
          const runId = randomUUID();
          const finished = new Date(at.getTime() + 2_000).toISOString();
          await database.query(
            `insert into workflow_runs (id, workflow, key, pod_id, status, input, output, error, attempts,
                scheduled_for, created_at, started_at, finished_at)
              values ($1, 'daily-rhythm', $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $10)
              on conflict do nothing`,
            [
              runId,
              `daily-rhythm:${phase}:${pod.id}:${date}`,
              pod.id,
              failed ? 'failed' : 'succeeded',
              JSON.stringify({ phase, localDate: date, scheduledFor: at.toISOString() }),
              failed ? null : JSON.stringify({ pod: pod.slug, phase, day: date }),
              failed ? 'the chat provider answered 503 three times' : null,
              failed ? 3 : 1,
              at.toISOString(),
              finished,
            ],
          );
          await database.query(
            `insert into workflow_steps (id, run_id, name, position, status, attempts, error, started_at, finished_at)
              values ($1, $2, 'digest', 0, $3, $4, $5, $6, $7) on conflict do nothing`,
            [
              randomUUID(),
              runId,
              failed ? 'failed' : 'succeeded',
              failed ? 3 : 1,
              failed ? 'the chat provider answered 503 three times' : null,
              at.toISOString(),
              finished,
            ],
          );
          workflowRuns += 1;
        }
    }
  return { serviceMinutes: minutes, activeUserDays, workflowRuns };
}
