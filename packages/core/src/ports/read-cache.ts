import type { UnitOfWork } from './repositories.ts';

/**
 * Memoises reads for as long as nothing has written to the database. Only where the unit of work
 * can tell (the embedded database, whose one process is the only writer); elsewhere it reads every
 * time. Bounded: past `maxEntries` it starts over.
 */
export function createReadCache<K, V>(uow: UnitOfWork, maxEntries = 10_000) {
  const entries = new Map<K, { version: number; value: V }>();
  return {
    async get(key: K, load: () => Promise<V>): Promise<V> {
      const version = uow.writeVersion();
      if (version === null) return load();
      const hit = entries.get(key);
      if (hit && hit.version === version) return hit.value;
      const value = await load();
      // A write that ran while we read moved the version on: the value may be stale, do not keep it.
      if (uow.writeVersion() === version) {
        if (entries.size >= maxEntries) entries.clear();
        entries.set(key, { version, value });
      }
      return value;
    },
  };
}
