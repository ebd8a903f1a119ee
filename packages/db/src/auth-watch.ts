import { sql } from 'drizzle-orm';
import type { Database, Db } from './database.ts';

/** The channel on which a transaction that changed a token or a user announces it, at its commit. */
export const AUTH_CHANNEL = 'clos_auth';
const RELISTEN_MS = 1000;

/**
 * Tells the token cache when it must read again: a version that moves whenever a token or a user
 * changed. This process's own changes move it after they commit. On PostgreSQL other processes'
 * changes move it too, through a NOTIFY the changing transaction sends (delivered at its commit)
 * and a LISTEN this process holds once `start`ed; while that connection is down (or before it is
 * up) the version is null and nothing is cached. The embedded engine has one process: its changes
 * (through any core over the database), and raw statements (tools, tests), are all there is.
 */
export interface AuthWatch {
  version(): number | null;
  /** Called after a transaction that changed a token or a user has committed. */
  changed(): void;
  /** Called inside that transaction: PostgreSQL announces it to every process. */
  announce(db: Db): Promise<void>;
  /** Starts listening (PostgreSQL), and keeps at it when the connection drops. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createAuthWatch(database: Database): AuthWatch {
  const writes = database.writes;
  if (writes)
    return {
      // Counted on the database, so every core of the process over it (the server's, a seed's) sees
      // the others' changes; raw statements bypass the repositories and may have changed a token too.
      version: () => writes.auth + writes.raw,
      changed: () => {
        writes.auth += 1;
      },
      announce: async () => {},
      start: async () => {},
      stop: async () => {},
    };

  let local = 0;
  let listening = false;
  let stopped = false;
  let unlisten: (() => Promise<void>) | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, RELISTEN_MS);
    retry.unref();
  };
  async function connect(): Promise<void> {
    try {
      unlisten = await database.listen(
        AUTH_CHANNEL,
        () => {
          local += 1;
        },
        () => {
          listening = false;
          unlisten = null;
          schedule();
        },
      );
      if (stopped) {
        await unlisten();
        return;
      }
      // Whatever changed while nobody listened is unknown: everything cached before is dropped.
      local += 1;
      listening = true;
    } catch {
      schedule();
    }
  }
  return {
    version: () => (listening ? local : null),
    changed: () => {
      local += 1;
    },
    async announce(db) {
      await db.execute(sql`select pg_notify(${AUTH_CHANNEL}, '')`);
    },
    start: connect,
    async stop() {
      stopped = true;
      listening = false;
      if (retry) clearTimeout(retry);
      await unlisten?.();
      unlisten = null;
    },
  };
}
