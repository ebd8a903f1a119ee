import { describe, expect, it } from 'vitest';
import { addDays, dueOccurrences, isoWeek, localDateTime, zonedTimeToInstant } from './schedule.ts';

describe('zonedTimeToInstant', () => {
  it('follows the zone offset on either side of a daylight-saving change', () => {
    // New York moves from EST (−5) to EDT (−4) on 2026-03-08.
    expect(zonedTimeToInstant('2026-03-07', '09:00', 'America/New_York').toISOString()).toBe(
      '2026-03-07T14:00:00.000Z',
    );
    expect(zonedTimeToInstant('2026-03-08', '09:00', 'America/New_York').toISOString()).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    // Paris moves from CET (+1) to CEST (+2) on 2026-03-29, and back on 2026-10-25.
    expect(zonedTimeToInstant('2026-03-28', '09:00', 'Europe/Paris').toISOString()).toBe(
      '2026-03-28T08:00:00.000Z',
    );
    expect(zonedTimeToInstant('2026-03-29', '09:00', 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
    expect(zonedTimeToInstant('2026-10-25', '09:00', 'Europe/Paris').toISOString()).toBe(
      '2026-10-25T08:00:00.000Z',
    );
  });

  it('moves a time in the spring-forward gap forward by the gap', () => {
    // 02:30 does not exist in New York on 2026-03-08 (02:00 → 03:00): it becomes 03:30 EDT.
    const at = zonedTimeToInstant('2026-03-08', '02:30', 'America/New_York');
    expect(at.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(localDateTime(at, 'America/New_York').time).toBe('03:30');
  });

  it('resolves a time repeated at fall-back to its first occurrence', () => {
    // 01:30 happens twice in New York on 2026-11-01 (EDT, then EST): the first is 05:30Z.
    expect(zonedTimeToInstant('2026-11-01', '01:30', 'America/New_York').toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });

  it('handles zones far from UTC and half-hour offsets', () => {
    expect(zonedTimeToInstant('2026-11-26', '09:00', 'Asia/Tokyo').toISOString()).toBe(
      '2026-11-26T00:00:00.000Z',
    );
    expect(zonedTimeToInstant('2026-11-26', '09:00', 'Asia/Kolkata').toISOString()).toBe(
      '2026-11-26T03:30:00.000Z',
    );
    expect(zonedTimeToInstant('2026-11-26', '00:15', 'Pacific/Kiritimati').toISOString()).toBe(
      '2026-11-25T10:15:00.000Z',
    );
  });
});

describe('calendar helpers', () => {
  it('numbers ISO weeks, including week 53 and weeks that belong to the next year', () => {
    expect(isoWeek('2026-11-26')).toBe('2026-W48');
    expect(isoWeek('2026-01-01')).toBe('2026-W01');
    expect(isoWeek('2027-01-01')).toBe('2026-W53');
    expect(isoWeek('2024-12-30')).toBe('2025-W01');
  });

  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('reads the local weekday and date', () => {
    const l = localDateTime(new Date('2026-11-26T23:30:00Z'), 'Asia/Tokyo');
    expect([l.date, l.time, l.weekday]).toEqual(['2026-11-27', '08:30', 'fri']);
  });
});

describe('dueOccurrences', () => {
  const spec = { key: 'daily:pod-1', timeZone: 'America/New_York', time: '09:00' };

  it('is due from its instant until the window closes, keyed by local date', () => {
    const at = new Date('2026-03-09T13:00:00Z'); // 09:00 EDT
    expect(dueOccurrences([spec], new Date(at.getTime() - 1_000), 60)).toEqual([]);
    expect(dueOccurrences([spec], at, 60).map((o) => o.key)).toEqual(['daily:pod-1:2026-03-09']);
    expect(dueOccurrences([spec], new Date(at.getTime() + 59 * 60_000), 60)).toHaveLength(1);
    expect(dueOccurrences([spec], new Date(at.getTime() + 61 * 60_000), 60)).toEqual([]);
  });

  it('fires at 09:00 local on both sides of the change, one hour apart in UTC', () => {
    const fired: string[] = [];
    // Tick every 5 minutes for four days around the US change.
    for (let t = Date.parse('2026-03-06T00:00:00Z'); t < Date.parse('2026-03-10T00:00:00Z'); t += 5 * 60_000)
      for (const o of dueOccurrences([spec], new Date(t), 5)) fired.push(o.at.toISOString());
    expect([...new Set(fired)]).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('keeps to the configured weekdays and day of the month', () => {
    const weekdays = { ...spec, days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const };
    // 2026-03-07 is a Saturday.
    expect(dueOccurrences([weekdays], new Date('2026-03-07T14:00:00Z'), 60)).toEqual([]);
    expect(dueOccurrences([weekdays], new Date('2026-03-06T14:00:00Z'), 60)).toHaveLength(1);
    const monthly = { key: 'm', timeZone: 'UTC', time: '10:00', dayOfMonth: 1 };
    expect(dueOccurrences([monthly], new Date('2026-12-01T10:05:00Z'), 60).map((o) => o.key)).toEqual([
      'm:2026-12-01',
    ]);
    expect(dueOccurrences([monthly], new Date('2026-12-02T10:05:00Z'), 60)).toEqual([]);
  });

  it('reaches back across local midnight when the window does', () => {
    const late = { key: 'late', timeZone: 'UTC', time: '23:50' };
    expect(dueOccurrences([late], new Date('2026-11-27T00:10:00Z'), 60).map((o) => o.key)).toEqual([
      'late:2026-11-26',
    ]);
  });
});
