/** The period a report covers, checked the same way for every caller (HTTP, CLI, GraphQL). */
import { type FieldProblem, InvalidInputError } from '../errors.ts';

export interface ReportPeriod {
  from: Date;
  to: Date;
}

const DAY_MS = 86_400_000;
/** A year, leap years included: a period from 1 January to 1 January of the next year must pass. */
export const REPORT_MAX_DAYS = 366;
/** The access report's default period for "access changes": the last 90 days. */
export const ACCESS_DEFAULT_DAYS = 90;

const isDate = (d: Date | undefined): d is Date => d instanceof Date && !Number.isNaN(d.getTime());

/**
 * Resolves `from`/`to`: with `defaultDays`, a missing `to` is `now` and a missing `from` is
 * `defaultDays` before `to`; without it both are required. Refuses `from` not before `to` and a period
 * longer than {@link REPORT_MAX_DAYS}, naming the field to change.
 */
export function resolveReportPeriod(
  input: { from?: Date | undefined; to?: Date | undefined },
  now: Date,
  defaultDays: number | null,
): ReportPeriod {
  const problems: FieldProblem[] = [];
  const given = (field: 'from' | 'to') => {
    const value = input[field];
    if (value === undefined) {
      if (defaultDays === null) problems.push({ path: field, message: 'is required' });
      return undefined;
    }
    if (!isDate(value)) {
      problems.push({ path: field, message: 'must be an ISO 8601 date-time' });
      return undefined;
    }
    return value;
  };
  const from = given('from');
  const to = given('to');
  if (problems.length) throw new InvalidInputError(problems);
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - (defaultDays ?? 0) * DAY_MS);
  if (start.getTime() >= end.getTime())
    throw new InvalidInputError([{ path: 'from', message: `must be before \`to\` (${end.toISOString()})` }]);
  if (end.getTime() - start.getTime() > REPORT_MAX_DAYS * DAY_MS)
    throw new InvalidInputError([
      {
        path: to ? 'to' : 'from',
        message: `the period must be at most 1 year (${REPORT_MAX_DAYS} days); split a longer one into several reports`,
      },
    ]);
  return { from: start, to: end };
}
