import type { UnitOfWork } from './repositories.ts';

/**
 * Memoises reads for as long as `version` stands: a number that changes whenever what the reads
 * depend on may have changed, or null when that cannot be known (then it reads every time). Bounded:
 * past `maxEntries` it starts over; with `maxAge`, an entry is also read again once `ms` old by its
 * clock (milliseconds).
 */
export function createVersionedCache<K, V>(
  version: () => number | null,
  options: { maxEntries?: number; maxAge?: { ms: number; now: () => number } } = {},
) {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAge = options.maxAge;
  const now = maxAge?.now ?? (() => 0);
  const entries = new Map<K, { version: number; value: V; at: number }>();
  return {
    async get(key: K, load: () => Promise<V>): Promise<V> {
      const current = version();
      if (current === null) return load();
      const hit = entries.get(key);
      if (hit && hit.version === current && (maxAge === undefined || now() - hit.at < maxAge.ms))
        return hit.value;
      const value = await load();
      // A change that landed while we read moved the version on: the value may be stale, do not keep it.
      if (version() === current) {
        if (entries.size >= maxEntries) entries.clear();
        entries.set(key, { version: current, value, at: now() });
      }
      return value;
    },
  };
}

/**
 * Memoises reads for as long as nothing has written to the database. Only where the unit of work
 * can tell (the embedded database, whose one process is the only writer); elsewhere it reads every
 * time. Bounded: past `maxEntries` it starts over.
 */
export function createReadCache<K, V>(uow: UnitOfWork, maxEntries = 10_000) {
  return createVersionedCache<K, V>(() => uow.writeVersion(), { maxEntries });
}
