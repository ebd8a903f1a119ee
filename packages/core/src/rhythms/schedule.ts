/**
 * Wall-clock times in a pod's time zone, turned into instants — the part of scheduling that daylight
 * saving makes hard. Pure: `Intl` only reads the time-zone database, never the clock.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface LocalDateTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM */
  time: string;
  weekday: Weekday;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** What the wall clock in `timeZone` shows at `instant`. */
export function localDateTime(instant: Date, timeZone: string): LocalDateTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const weekday = (parts.weekday ?? 'Sun').toLowerCase().slice(0, 3) as Weekday;
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${year}-${pad(month)}-${pad(day)}`,
    time: `${pad(hour)}:${pad(minute)}`,
    weekday,
    year,
    month,
    day,
    hour,
    minute,
  };
}

/** The zone's offset from UTC at `instant`, in minutes (e.g. +60 for Paris in winter). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const l = localDateTime(instant, timeZone);
  const second = instant.getUTCSeconds();
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, second);
  return Math.round((asUtc - (instant.getTime() - instant.getUTCMilliseconds())) / 60_000);
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `time`. On a spring-forward day a
 * time inside the gap (02:30 when clocks jump from 02:00 to 03:00) does not exist and is moved forward
 * by the gap (03:30): a meeting set for then still happens that morning. On a fall-back day a time
 * that occurs twice resolves to its first occurrence, so it fires once.
 */
export function zonedTimeToInstant(date: string, time: string, timeZone: string): Date {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const wallAsUtc = Date.UTC(y, mo - 1, d, h, mi);
  // Offsets either side of the wanted time; the true instant uses one of them.
  const before = zoneOffsetMinutes(new Date(wallAsUtc - 86_400_000), timeZone);
  const after = zoneOffsetMinutes(new Date(wallAsUtc + 86_400_000), timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wallAsUtc - offset * 60_000)
    .filter((t) => localDateTime(new Date(t), timeZone).time === time)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(candidates[0]!);
  // In the gap: the wall time is skipped; shift by the gap (the difference between the offsets).
  return new Date(wallAsUtc - before * 60_000);
}

/** Adds whole days to a YYYY-MM-DD date (calendar arithmetic, no time zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** The ISO-8601 week of a YYYY-MM-DD date, e.g. `2026-W48`. */
export function isoWeek(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  const dayNum = (t.getUTCDay() + 6) % 7; // Monday = 0
  t.setUTCDate(t.getUTCDate() - dayNum + 3); // Thursday of this week decides the year
  const weekYear = t.getUTCFullYear();
  // The week's Thursday lies in week 1 when it is among the year's first 7 days, and so on.
  const week = 1 + Math.floor((t.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 / 7);
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

/** One configured wall-clock schedule, for one time zone. */
export interface ScheduleSpec {
  /** Prefix of the occurrence key, e.g. `daily-rhythm:unblock:<podId>`. */
  key: string;
  timeZone: string;
  /** HH:MM local time. */
  time: string;
  /** Local weekdays on which it runs; absent = every day. */
  days?: readonly Weekday[] | undefined;
  /** Day of the month (1–28) on which it runs; absent = any. */
  dayOfMonth?: number | undefined;
}

export interface Occurrence {
  /** `<spec.key>:<local date>`: unique per firing, so it is the run key. */
  key: string;
  spec: ScheduleSpec;
  localDate: string;
  at: Date;
}

/**
 * Occurrences due at `now`: those whose instant lies in (now − window, now]. The window lets a tick
 * that came late (a restart, a slow worker) still fire a time it passed, without firing stale ones
 * hours later. Callers de-duplicate by `key`, so ticking often and from several processes is safe.
 */
export function dueOccurrences(
  specs: readonly ScheduleSpec[],
  now: Date,
  windowMinutes: number,
): Occurrence[] {
  const from = now.getTime() - windowMinutes * 60_000;
  const due: Occurrence[] = [];
  for (const spec of specs) {
    const today = localDateTime(now, spec.timeZone).date;
    // The window may reach back over local midnight (and a 24 h window over a whole day).
    const span = Math.ceil(windowMinutes / 1440) + 1;
    for (let back = span; back >= 0; back -= 1) {
      const date = addDays(today, -back);
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
      if (spec.days && !spec.days.includes(weekday)) continue;
      if (spec.dayOfMonth !== undefined && d !== spec.dayOfMonth) continue;
      const at = zonedTimeToInstant(date, spec.time, spec.timeZone);
      if (at.getTime() > from && at.getTime() <= now.getTime())
        due.push({ key: `${spec.key}:${date}`, spec, localDate: date, at });
    }
  }
  return due.sort((a, b) => a.at.getTime() - b.at.getTime());
}
