/** The scorecard's period, checked the same way for every caller (HTTP, CLI). */
import { type FieldProblem, InvalidInputError } from '../errors.ts';
import type { ScorecardWindow } from '../ports/scorecard.ts';

const DAY_MS = 86_400_000;
/** The default period: the last seven full UTC days. */
export const SCORECARD_DEFAULT_DAYS = 7;
/** A year, leap years included. */
export const SCORECARD_MAX_DAYS = 366;

const isDate = (d: Date | undefined): d is Date => d instanceof Date && !Number.isNaN(d.getTime());
const dayOf = (at: Date) => at.toISOString().slice(0, 10);
const startOfDay = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
/** The UTC day after the last one `[…, to)` touches: `to` itself at midnight, else the next midnight. */
const dayAfter = (to: Date) => dayOf(new Date(Math.ceil(to.getTime() / DAY_MS) * DAY_MS));

/**
 * Resolves `from`/`to` into the period asked about and the same-length one before it. Without `to`,
 * the period ends at today's 00:00 UTC (or now, when only `from` is given), so the default covers
 * whole days that can no longer change; without `from` it starts seven days before `to`. Refuses a
 * `to` in the future (its figures would look worse than they are), `from` not before `to`, and a
 * period longer than a year, naming the field to change.
 */
export function resolveScorecardPeriod(
  input: { from?: Date | undefined; to?: Date | undefined },
  now: Date,
): ScorecardWindow {
  const problems: FieldProblem[] = [];
  for (const field of ['from', 'to'] as const)
    if (input[field] !== undefined && !isDate(input[field]))
      problems.push({ path: field, message: 'must be an ISO 8601 date-time' });
  if (problems.length) throw new InvalidInputError(problems);
  const to = input.to ?? (input.from ? now : startOfDay(now));
  if (to.getTime() > now.getTime())
    throw new InvalidInputError([
      { path: 'to', message: `must not be in the future (it is ${now.toISOString()})` },
    ]);
  const from = input.from ?? new Date(to.getTime() - SCORECARD_DEFAULT_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime())
    throw new InvalidInputError([{ path: 'from', message: `must be before \`to\` (${to.toISOString()})` }]);
  const span = to.getTime() - from.getTime();
  if (span > SCORECARD_MAX_DAYS * DAY_MS)
    throw new InvalidInputError([
      {
        path: input.from ? 'from' : 'to',
        message: `the period must be at most ${SCORECARD_MAX_DAYS} days`,
      },
    ]);
  const previousFrom = new Date(from.getTime() - span);
  return {
    previousFrom,
    from,
    to,
    previousFromDay: dayOf(previousFrom),
    fromDay: dayOf(from),
    toDay: dayAfter(to),
  };
}

/** Days from `from` to `to` (UTC `YYYY-MM-DD`, `to` excluded). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
