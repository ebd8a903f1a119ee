import {
  type Instrumentation,
  NO_INSTRUMENTATION,
  REQUEST_DURATION_BUCKETS_MS,
  requestBucket,
} from '@clos/core';

const MINUTE_MS = 60_000;

export interface ServiceMinuteRow {
  minute: Date;
  instance: string;
  ready: boolean;
  requests: number;
  errors: number;
  durationBuckets: number[];
}

export interface ServiceMinutesOptions {
  /** This process's name (CLOS_INSTANCE, else host:pid). */
  instance: string;
  /** Stores one minute's row (repos.serviceMinutes.record). */
  record(row: ServiceMinuteRow): Promise<void>;
  /** What `/readyz` checks: the database answers. */
  selfCheck(): Promise<boolean>;
  onError(error: unknown): void;
  /** Wall-clock milliseconds (tests move it). */
  now?: () => number;
}

/**
 * Which answers count as "the API" for the scorecard's p95 and error rate: the JSON and GraphQL API,
 * inbound webhooks included. Probes, `/metrics`, the dashboard's files and the event stream (whose
 * "duration" is how long someone watched) would only blur those figures.
 */
export const countsAsApi = (route: string) =>
  (route.startsWith('/api/') || route === '/graphql') &&
  route !== '/api/v1/stream' &&
  !route.startsWith('/api/docs');

/**
 * What this process served, minute by minute, written to `service_minutes` once each minute is over,
 * with the result of a self-check made then — the scorecard's availability, API p95 and error rate
 * (docs/scorecard.md). A minute in which the process could not write (the database down, the process
 * gone) has no row, and counts as unavailable.
 */
export function createServiceMinutes(options: ServiceMinutesOptions) {
  const now = options.now ?? Date.now;
  const open = new Map<number, { requests: number; errors: number; buckets: number[] }>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let flushing: Promise<void> = Promise.resolve();

  const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

  function observe(status: number, durationMs: number) {
    const minute = minuteOf(now());
    let m = open.get(minute);
    if (!m) {
      m = { requests: 0, errors: 0, buckets: Array(REQUEST_DURATION_BUCKETS_MS.length + 1).fill(0) };
      open.set(minute, m);
    }
    m.requests += 1;
    if (status >= 500) m.errors += 1;
    m.buckets[requestBucket(durationMs)]! += 1;
  }

  /** Writes every finished minute (and, when `all`, the current one too), with one self-check. */
  async function flushNow(all: boolean) {
    const current = minuteOf(now());
    // The minute that just ended is written even without requests: an idle minute is an available one.
    const due = new Set([...open.keys()].filter((m) => all || m < current));
    if (!all) due.add(current - MINUTE_MS);
    if (due.size === 0) return;
    const ready = await options.selfCheck().catch(() => false);
    for (const minute of [...due].sort((a, b) => a - b)) {
      const m = open.get(minute);
      open.delete(minute);
      try {
        await options.record({
          minute: new Date(minute),
          instance: options.instance,
          ready,
          requests: m?.requests ?? 0,
          errors: m?.errors ?? 0,
          durationBuckets: m?.buckets ?? Array(REQUEST_DURATION_BUCKETS_MS.length + 1).fill(0),
        });
      } catch (error) {
        options.onError(error);
      }
    }
  }

  const flush = (all = false) => {
    flushing = flushing.then(() => flushNow(all));
    return flushing;
  };

  const instrumentation: Instrumentation = {
    ...NO_INSTRUMENTATION,
    httpResponse({ route, status, durationMs }) {
      if (countsAsApi(route)) observe(status, durationMs);
    },
  };

  return {
    instrumentation,
    flush,
    /** Writes each minute a second after it ends. */
    start() {
      const schedule = () => {
        if (stopped) return;
        const wait = minuteOf(now()) + MINUTE_MS + 1_000 - now();
        timer = setTimeout(() => {
          flush().finally(schedule);
        }, wait);
        timer.unref();
      };
      schedule();
    },
    /** Stops the timer and writes what the current minute has so far. */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await flush(true);
    },
  };
}
