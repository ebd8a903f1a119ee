import { describe, expect, it } from 'vitest';
import { webhookRetryLimit } from '../src/modules/webhooks.ts';

/** The shortest wait before retry n that pg-boss schedules (its jitter only adds to it). */
const minDelay = (d: number, n: number) => d * 2 ** (Math.min(n, 16) - 1);
const minTotal = (d: number, retries: number) =>
  Array.from({ length: retries }, (_, i) => minDelay(d, i + 1)).reduce((a, b) => a + b, 0);

describe('webhookRetryLimit', () => {
  it('retries for the configured hours with the default policy (30 s, 24 h → 12 retries)', () => {
    expect(webhookRetryLimit({ retryDelaySeconds: 30, retryHours: 24 })).toBe(12);
    expect(minTotal(30, 12)).toBeGreaterThanOrEqual(24 * 3600);
    expect(minTotal(30, 11)).toBeLessThan(24 * 3600);
  });

  it.each([
    [1, 24],
    [1, 0.0001],
    [5, 1],
    [30, 72],
    [60, 24],
    [600, 0.5],
    [1, 24 * 30],
  ])('is the fewest retries whose delays reach the window (delay %i s, %f h)', (d, hours) => {
    const n = webhookRetryLimit({ retryDelaySeconds: d, retryHours: hours });
    expect(n).toBeGreaterThanOrEqual(1);
    expect(minTotal(d, n)).toBeGreaterThanOrEqual(hours * 3600);
    expect(minTotal(d, n - 1)).toBeLessThan(hours * 3600);
  });
});
