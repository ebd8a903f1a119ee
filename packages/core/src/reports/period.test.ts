import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.ts';
import { resolveReportPeriod } from './period.ts';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const d = (iso: string) => new Date(iso);

function problems(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).details;
  }
  throw new Error('expected a refusal');
}

describe('resolveReportPeriod', () => {
  it('defaults to the last N days up to now', () => {
    expect(resolveReportPeriod({}, NOW, 90)).toEqual({ from: d('2025-12-02T09:00:00.000Z'), to: NOW });
  });

  it('counts the default back from a given end, and keeps a given start', () => {
    expect(resolveReportPeriod({ to: d('2026-01-31T00:00:00Z') }, NOW, 30).from).toEqual(
      d('2026-01-01T00:00:00Z'),
    );
    expect(resolveReportPeriod({ from: d('2026-02-01T00:00:00Z') }, NOW, 90)).toEqual({
      from: d('2026-02-01T00:00:00Z'),
      to: NOW,
    });
  });

  it('requires both ends when there is no default, naming each', () => {
    expect(problems(() => resolveReportPeriod({}, NOW, null))).toEqual([
      { path: 'from', message: 'is required' },
      { path: 'to', message: 'is required' },
    ]);
  });

  it('refuses a start that is not before the end, naming from', () => {
    for (const from of ['2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z'])
      expect(
        problems(() => resolveReportPeriod({ from: d(from), to: d('2026-02-01T00:00:00Z') }, NOW, null)),
      ).toEqual([{ path: 'from', message: expect.stringContaining('must be before `to`') }]);
  });

  it('accepts a leap year and refuses anything longer', () => {
    const from = d('2024-01-01T00:00:00Z');
    expect(resolveReportPeriod({ from, to: d('2025-01-01T00:00:00Z') }, NOW, null).to).toEqual(
      d('2025-01-01T00:00:00Z'),
    );
    expect(problems(() => resolveReportPeriod({ from, to: d('2025-01-01T00:00:01Z') }, NOW, null))).toEqual([
      { path: 'to', message: expect.stringContaining('at most 1 year') },
    ]);
  });

  it('refuses an invalid date', () => {
    expect(problems(() => resolveReportPeriod({ from: new Date('nope') }, NOW, 90))).toEqual([
      { path: 'from', message: 'must be an ISO 8601 date-time' },
    ]);
  });
});
