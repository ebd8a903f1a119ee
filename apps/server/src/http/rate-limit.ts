import { isIPv6 } from 'node:net';
import type { Clock } from '@clos/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Which request budget the route draws on: `default` (per token and per IP), `webhook` (its own,
     * higher budget per IP, instead of those two) or `exempt` (none). `/healthz` and `/readyz` are exempt
     * without declaring it.
     */
    rateLimit?: RateLimitBucket;
  }
  interface FastifyRequest {
    /**
     * Counts `units` more requests against the caller's per-token budget, all or none: null if they
     * fit, else the refusal (and nothing is counted). For work that one HTTP request multiplies, such as
     * the mutations of one GraphQL request. Always null when no budget applies.
     */
    chargeRateLimit(units: number): RateLimitRefusal | null;
  }
}

/** Why a request is refused with `429 rate_limited`: the budget and when it frees up. */
export interface RateLimitRefusal {
  scope: 'token' | 'ip' | 'webhook';
  limit: number;
  windowSeconds: number;
  retryAfterSeconds: number;
  /** How many requests this one counted as, when more than one (a GraphQL request's mutations). */
  units?: number;
}

export type RateLimitBucket = 'default' | 'webhook' | 'exempt';

/** Requests allowed per window; 0 turns that budget off. */
export interface RateLimitOptions {
  /** Per API token, counted once the token is authenticated and its role admits the route. */
  perToken: number;
  /** Per client address, counted before authentication (so failed logins count too). */
  perIp: number;
  /** Per client address, for routes declaring `config: { rateLimit: 'webhook' }`. */
  webhook: number;
  /** Length of one window; 60 unless given. */
  windowSeconds?: number;
  /** Time source; tests pass a fake one and move it instead of sleeping. */
  clock?: Clock;
}

export const DEFAULT_RATE_LIMITS = { perToken: 600, perIp: 1200, webhook: 6000 } as const;

const EXEMPT_URLS = new Set(['/healthz', '/readyz']);

/**
 * Fixed windows per key, in this process's memory: each key's window opens with its first request
 * and lasts `windowMs`. Several server processes each keep their own counts.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** Counts one request for `key`: null if it is within the limit, else seconds until its window ends. */
  hit(key: string): number | null {
    return this.take(key, 1);
  }

  /**
   * Counts `units` requests for `key` if they all fit in its window: null if they did, else seconds
   * until the window ends (and nothing is counted, so a smaller batch may still pass).
   */
  take(key: string, units: number): number | null {
    const now = this.clock.now().getTime();
    this.sweep(now);
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count + units <= this.limit) {
      window.count += units;
      return null;
    }
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  /** Keys tracked now (for tests: expired windows are dropped). */
  get size(): number {
    return this.windows.size;
  }

  // At most once per window, so memory holds only the keys seen in the last window or two.
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    for (const [key, window] of this.windows)
      if (now - window.start >= this.windowMs) this.windows.delete(key);
  }
}

/**
 * The key an address is counted under. An IPv6 client usually holds a whole /64 and could rotate
 * through it, so IPv6 addresses are counted per /64; IPv4-mapped IPv6 addresses as the IPv4 address.
 */
export function addressKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const address = ip.split('%')[0]!.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1]!;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length - right.filter((g) => g.includes('.')).length;
  const full = [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

function bucketOf(request: FastifyRequest): RateLimitBucket {
  return (
    request.routeOptions.config?.rateLimit ??
    (EXEMPT_URLS.has(request.routeOptions.url ?? '') ? 'exempt' : 'default')
  );
}

/** The `429` of a refusal, with `Retry-After`, in the API's error shape. */
export function sendRateLimited(reply: FastifyReply, request: FastifyRequest, refusal: RateLimitRefusal) {
  const { scope, limit, windowSeconds, retryAfterSeconds, units } = refusal;
  reply.header('retry-after', String(retryAfterSeconds));
  const who = scope === 'token' ? 'with this API token' : 'from this address';
  const counted = units && units > 1 ? ` (this request counts as ${units}: one per mutation)` : '';
  return sendError(
    reply,
    request,
    429,
    'rate_limited',
    `too many requests ${who}: the limit is ${limit} per ${windowSeconds} s${counted}; retry in ${retryAfterSeconds} s`,
    refusal,
  );
}

/**
 * Per-IP (and webhook) budgets are checked in `onRequest`, before authentication, so unauthenticated
 * floods are refused without a token lookup; the per-token budget in `preParsing`, after `registerAuth`'s
 * `onRequest` has identified the token and before the body is read. Call this before `registerAuth`.
 * Without options nothing is limited (tests, benchmarks); the server always passes them.
 */
export function registerRateLimit(app: FastifyInstance, options: RateLimitOptions | undefined): void {
  if (!options) {
    app.decorateRequest('chargeRateLimit', () => null);
    return;
  }
  const clock = options.clock ?? { now: () => new Date() };
  const windowSeconds = options.windowSeconds ?? 60;
  const limiter = (limit: number) =>
    limit > 0 ? new FixedWindowLimiter(limit, windowSeconds * 1000, clock) : null;
  const byToken = limiter(options.perToken);
  const byIp = limiter(options.perIp);
  const byWebhookIp = limiter(options.webhook);

  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: 'token' | 'ip' | 'webhook',
    limit: number,
    retryAfterSeconds: number,
  ) {
    return sendRateLimited(reply, request, { scope, limit, windowSeconds, retryAfterSeconds });
  }

  app.decorateRequest('chargeRateLimit', function (this: FastifyRequest, units: number) {
    const tokenId = this.actor?.tokenId;
    if (!byToken || !tokenId || units <= 0 || bucketOf(this) !== 'default') return null;
    const retryAfterSeconds = byToken.take(tokenId, units);
    if (retryAfterSeconds === null) return null;
    return { scope: 'token' as const, limit: byToken.limit, windowSeconds, retryAfterSeconds };
  });

  app.addHook('onRequest', async (request, reply) => {
    const bucket = bucketOf(request);
    if (bucket === 'exempt') return;
    const scope = bucket === 'webhook' ? 'webhook' : 'ip';
    const counter = scope === 'webhook' ? byWebhookIp : byIp;
    if (!counter) return;
    const retryAfter = counter.hit(addressKey(request.ip));
    if (retryAfter !== null) return refuse(request, reply, scope, counter.limit, retryAfter);
  });

  app.addHook('preParsing', async (request, reply) => {
    const tokenId = request.actor?.tokenId;
    if (!byToken || !tokenId || bucketOf(request) !== 'default') return;
    const retryAfter = byToken.hit(tokenId);
    if (retryAfter !== null) await refuse(request, reply, 'token', byToken.limit, retryAfter);
  });
}
