import { describe, expect, it } from 'vitest';
import { createReadCache, createVersionedCache } from './read-cache.ts';
import type { UnitOfWork } from './repositories.ts';

function fakeUow(version: { v: number | null }): UnitOfWork {
  return { writeVersion: () => version.v } as unknown as UnitOfWork;
}

describe('createReadCache', () => {
  it('reads once while the write version stands, again after it moves', async () => {
    const version = { v: 1 as number | null };
    const cache = createReadCache<string, number>(fakeUow(version));
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('a', load)).toBe(1);
    expect(await cache.get('b', load)).toBe(2);
    version.v = 2;
    expect(await cache.get('a', load)).toBe(3);
    expect(loads).toBe(3);
  });

  it('does not keep a value read while a write was under way', async () => {
    const version = { v: 1 as number | null };
    const cache = createReadCache<string, string>(fakeUow(version));
    expect(
      await cache.get('a', async () => {
        version.v = 2; // a transaction started and committed during the read
        return 'maybe stale';
      }),
    ).toBe('maybe stale');
    expect(await cache.get('a', async () => 'fresh')).toBe('fresh');
  });

  it('never caches when the unit of work cannot tell (other processes write)', async () => {
    const cache = createReadCache<string, number>(fakeUow({ v: null }));
    let loads = 0;
    await cache.get('a', async () => ++loads);
    await cache.get('a', async () => ++loads);
    expect(loads).toBe(2);
  });

  it('starts over past its bound', async () => {
    const cache = createReadCache<number, number>(fakeUow({ v: 1 }), 2);
    let loads = 0;
    for (const k of [1, 2, 3, 1]) await cache.get(k, async () => ++loads);
    expect(loads).toBe(4); // 3 evicted everything, so 1 is read again
  });
});

describe('createVersionedCache', () => {
  it('reads again once an entry is older than maxAge, even with the version unchanged', async () => {
    let clock = 0;
    const cache = createVersionedCache<string, number>(() => 1, { maxAge: { ms: 1000, now: () => clock } });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    clock = 999;
    expect(await cache.get('a', load)).toBe(1);
    clock = 1000;
    expect(await cache.get('a', load)).toBe(2);
  });
});
