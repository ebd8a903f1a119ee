import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { InvalidInputError } from '../errors.ts';

const DAY = 86_400_000;
const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/** How a use reached CLOS: an API token, a dashboard session cookie, or a Slack command. */
export type ActiveVia = 'api' | 'session' | 'slack';

export interface DailyUsage {
  /** UTC `YYYY-MM-DD`. */
  day: string;
  total: number;
  /** Count per metric, the common prefix removed (`/clos wip`). */
  byMetric: Record<string, number>;
}

/**
 * Adoption counts (seed §9, e.g. "Slack command usage > 50/day"): a use is counted per UTC day and
 * metric, and nothing else about it is kept. Counting is bookkeeping, not a change: it is not audited.
 */
export function createUsageService(deps: Deps) {
  const { uow, clock } = deps;
  // Who this process has recorded today: every authenticated request calls `active`, and one insert
  // per user and day is enough. Only today's users are kept, so it stays as small as the team.
  let recordedDay = '';
  let recorded = new Set<string>();
  return {
    async count(metric: string): Promise<void> {
      await uow.read.usage.increment(dayOf(clock.now()), metric.slice(0, 200));
    },

    /**
     * Notes that `userId` used CLOS today (daily active users, seed §9), through a token (`api`), a
     * dashboard session or Slack. Written at most once per user and UTC day by this process; the
     * first use of the day is the one kept.
     */
    async active(userId: string, via: ActiveVia): Promise<void> {
      const day = dayOf(clock.now());
      if (day !== recordedDay) {
        recordedDay = day;
        recorded = new Set();
      }
      if (recorded.has(userId)) return;
      await uow.read.usage.recordActive(day, userId, via);
      // Only once written: a failed insert is tried again on the user's next request.
      if (day === recordedDay) recorded.add(userId);
    },

    /** The last `days` days (today included) of metrics starting with `prefix`, oldest first, days without use included. */
    async daily(ctx: Ctx, prefix: string, days: number): Promise<DailyUsage[]> {
      assertCan(ctx.actor, 'read');
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw new InvalidInputError([
          { path: 'days', message: 'must be a whole number of days from 1 to 366' },
        ]);
      const today = clock.now();
      const from = dayOf(new Date(today.getTime() - (days - 1) * DAY));
      const rows = await uow.read.usage.daily(from, dayOf(today), prefix);
      return Array.from({ length: days }, (_, i) => {
        const day = dayOf(new Date(today.getTime() - (days - 1 - i) * DAY));
        const byMetric: Record<string, number> = {};
        for (const r of rows) if (r.day === day) byMetric[r.metric.slice(prefix.length)] = r.count;
        return { day, total: Object.values(byMetric).reduce((a, b) => a + b, 0), byMetric };
      });
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
