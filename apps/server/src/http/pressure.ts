import { getHeapStatistics } from 'node:v8';
import type { ErrorCode } from '@clos/contract';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Thresholds above which the process sheds requests; 0 turns that check off. */
export interface PressureOptions {
  /** Mean event-loop delay over one sample, in milliseconds. */
  maxEventLoopDelayMs: number;
  /** V8 heap in use, in bytes. */
  maxHeapUsedBytes: number;
  /** Resident memory of the process, in bytes. */
  maxRssBytes: number;
  /** How often the figures are sampled; 1000 ms unless given (tests shorten it). */
  sampleIntervalMs?: number | undefined;
  /** The `Retry-After` of a refusal, in seconds; 10 unless given. */
  retryAfterSeconds?: number | undefined;
}

export type PressureCheck = 'eventLoopDelay' | 'heapUsed' | 'rss';

/** The figures of the last sample, what they are compared with, and which are over. */
export interface PressureReport {
  underPressure: boolean;
  exceeded: PressureCheck[];
  /** Null when no sample was taken in the last interval: the loop was blocked throughout it. */
  eventLoopDelayMs: number | null;
  heapUsedBytes: number;
  rssBytes: number;
  limits: { eventLoopDelayMs: number; heapUsedBytes: number; rssBytes: number };
}

export interface PressureMonitor {
  report(): PressureReport;
  readonly retryAfterSeconds: number;
}

/** Above this mean delay a 2-core server is no longer keeping up; a healthy one stays under 10 ms. */
export const DEFAULT_MAX_EVENT_LOOP_DELAY_MS = 1000;

/**
 * 90% of the V8 heap limit: past it, garbage collection takes most of the time and the process is
 * close to dying of "heap out of memory"; refusing new work lets the requests in flight finish.
 */
export function defaultMaxHeapUsedBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.9);
}

// Probes answer under pressure too: /healthz is liveness (the process is alive, and says it is loaded)
// and /readyz says "not ready" itself, in the error shape, so a load balancer stops sending traffic.
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Sheds load when the process is overloaded: with @fastify/under-pressure sampling the event-loop
 * delay, heap and RSS, every request but the probes is answered `503 service_unavailable` with
 * `Retry-After` while a threshold is exceeded, instead of queueing behind the work that overloads it.
 * Registered before rate limits and authentication, so a shed request costs no token lookup and no
 * rate-limit budget. Returns null (and checks nothing) without options; the server always passes them.
 */
export async function registerPressure(
  app: FastifyInstance,
  options: PressureOptions | undefined,
): Promise<PressureMonitor | null> {
  if (!options) return null;
  const retryAfterSeconds = options.retryAfterSeconds ?? 10;
  const limits = {
    eventLoopDelayMs: options.maxEventLoopDelayMs,
    heapUsedBytes: options.maxHeapUsedBytes,
    rssBytes: options.maxRssBytes,
  };
  await app.register(underPressure, {
    maxEventLoopDelay: limits.eventLoopDelayMs,
    maxHeapUsedBytes: limits.heapUsedBytes,
    maxRssBytes: limits.rssBytes,
    sampleInterval: options.sampleIntervalMs ?? 1000,
    retryAfter: retryAfterSeconds,
    // What this returns (other than a promise or nothing) the plugin sends, and it stops the request
    // there. Sending from here and returning nothing would let the next hooks (authentication) run
    // while the answer is still being written.
    pressureHandler: ((request: FastifyRequest, reply: FastifyReply, type: string) => {
      if (PROBES.has(request.routeOptions.url ?? '')) return undefined;
      const check = CHECK_OF_TYPE[type] ?? type;
      reply.code(503).header('retry-after', String(retryAfterSeconds));
      return {
        error: {
          code: 'service_unavailable' satisfies ErrorCode,
          message: `the server is overloaded (${DESCRIPTION[check as PressureCheck] ?? check}); retry in ${retryAfterSeconds} s`,
          details: { exceeded: check, retryAfterSeconds },
          requestId: String(request.id),
        },
      };
    }) as unknown as (request: FastifyRequest, reply: FastifyReply, type: string) => void,
  });

  return {
    retryAfterSeconds,
    report() {
      const usage = app.memoryUsage();
      const exceeded: PressureCheck[] = [];
      if (limits.eventLoopDelayMs > 0 && usage.eventLoopDelay > limits.eventLoopDelayMs)
        exceeded.push('eventLoopDelay');
      if (limits.heapUsedBytes > 0 && usage.heapUsed > limits.heapUsedBytes) exceeded.push('heapUsed');
      if (limits.rssBytes > 0 && usage.rssBytes > limits.rssBytes) exceeded.push('rss');
      return {
        underPressure: exceeded.length > 0,
        exceeded,
        eventLoopDelayMs: Number.isFinite(usage.eventLoopDelay)
          ? Math.round(usage.eventLoopDelay * 10) / 10
          : null,
        heapUsedBytes: usage.heapUsed,
        rssBytes: usage.rssBytes,
        limits,
      };
    },
  };
}

const CHECK_OF_TYPE: Record<string, PressureCheck> = {
  [underPressure.TYPE_EVENT_LOOP_DELAY]: 'eventLoopDelay',
  [underPressure.TYPE_HEAP_USED_BYTES]: 'heapUsed',
  [underPressure.TYPE_RSS_BYTES]: 'rss',
};

const DESCRIPTION: Record<PressureCheck, string> = {
  eventLoopDelay: 'its event loop is delayed',
  heapUsed: 'its heap is nearly full',
  rss: 'its memory use is over the limit',
};
