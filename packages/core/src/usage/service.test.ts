import { describe, expect, it } from 'vitest';
import type { Deps } from '../context.ts';
import { createUsageService } from './service.ts';

/** A usage service over a recording repository and a settable clock; only what `active` touches. */
function setUp() {
  const writes: string[] = [];
  let now = new Date('2026-03-02T09:00:00Z');
  let failNext = false;
  const usage = {
    async recordActive(day: string, userId: string, via: string) {
      if (failNext) {
        failNext = false;
        throw new Error('database unavailable');
      }
      writes.push(`${day} ${userId} ${via}`);
    },
  };
  const deps = { uow: { read: { usage } }, clock: { now: () => now } } as unknown as Deps;
  return {
    service: createUsageService(deps),
    writes,
    at: (iso: string) => {
      now = new Date(iso);
    },
    failOnce: () => {
      failNext = true;
    },
  };
}

describe('usage.active', () => {
  it('writes each user once per UTC day, the first use of the day deciding how', async () => {
    const { service, writes, at } = setUp();
    await service.active('u1', 'api');
    await service.active('u1', 'session');
    await service.active('u2', 'slack');
    at('2026-03-02T23:59:59Z');
    await service.active('u1', 'api');
    at('2026-03-03T00:00:00Z');
    await service.active('u1', 'session');
    expect(writes).toEqual(['2026-03-02 u1 api', '2026-03-02 u2 slack', '2026-03-03 u1 session']);
  });

  it('tries again on the next use when a write failed', async () => {
    const { service, writes, failOnce } = setUp();
    failOnce();
    await expect(service.active('u1', 'api')).rejects.toThrow('database unavailable');
    await service.active('u1', 'api');
    await service.active('u1', 'api');
    expect(writes).toEqual(['2026-03-02 u1 api']);
  });
});
