import {
  type Clock,
  ConflictError,
  type Instrumentation,
  type NewDomainEvent,
  NO_INSTRUMENTATION,
  type Repositories,
  type RunOptions,
  type UnitOfWork,
} from '@clos/core';
import type { AuthWatch } from './auth-watch.ts';
import type { Database, Db } from './database.ts';
import { createRepositories } from './repositories.ts';
import type { SecretBox } from './secret-box.ts';
import { createWriteBehind, flushWriteBehind } from './write-behind.ts';

const UNIQUE_VIOLATION = '23505';

function pgCode(error: unknown): string | undefined {
  let e: unknown = error;
  // Drizzle wraps driver errors; the SQLSTATE sits on the cause.
  for (let i = 0; i < 3 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One transaction per unit of work; a unique violation that slipped past a check becomes a conflict. */
export interface UnitOfWorkOptions {
  /**
   * Called after a transaction that wrote domain events or audit events has committed: the cue of
   * the outbox relay, which also seals the audit log.
   */
  afterCommitWithEvents?: () => void;
  /** Seals and opens stored secrets (webhook signing secrets). */
  secretBox?: SecretBox | undefined;
  /** The clock the use cases run on, for what the repositories date themselves; the system's if absent. */
  clock?: Clock | undefined;
  /** Wraps every `run` (metrics, tracing). */
  instrumentation?: Instrumentation | undefined;
  /** Told of every committed change to a token or a user; gives `authVersion`. */
  authWatch?: AuthWatch | undefined;
}

export function createUnitOfWork(
  database: Database,
  ids: () => string,
  options: UnitOfWorkOptions = {},
): UnitOfWork {
  const instrumentation = options.instrumentation ?? NO_INSTRUMENTATION;
  return {
    read: createRepositories(database.db, ids, { secretBox: options.secretBox, clock: options.clock }),
    writeVersion: () => database.writes?.version ?? null,
    authVersion: () => options.authWatch?.version() ?? null,
    run: (work, runOptions) =>
      instrumentation.unitOfWork({ snapshot: Boolean(runOptions?.snapshot) }, () => run(work, runOptions)),
  };

  async function run<T>(work: (repos: Repositories) => Promise<T>, runOptions?: RunOptions): Promise<T> {
    // Bumped before and after: a read racing this transaction never caches under the final version.
    if (database.writes && !runOptions?.snapshot) database.writes.version += 1;
    try {
      const emitted: NewDomainEvent[] = [];
      let audited = false;
      let authChanged = false;
      const result = await database.db.transaction(
        async (txDb) => {
          const tx = txDb as unknown as Db;
          const writeBehind = createWriteBehind();
          const done = await work(
            createRepositories(tx, ids, {
              onEmit: (event) => {
                emitted.push(event);
                return instrumentation.traceparent();
              },
              secretBox: options.secretBox,
              clock: options.clock,
              onAudit: () => {
                audited = true;
              },
              onAuthChange: async () => {
                authChanged = true;
                await options.authWatch?.announce(tx);
              },
              writeBehind,
            }),
          );
          await flushWriteBehind(tx, writeBehind);
          return done;
        },
        runOptions?.snapshot ? { isolationLevel: 'repeatable read', accessMode: 'read only' } : undefined,
      );
      if (authChanged) options.authWatch?.changed();
      if (emitted.length || audited) options.afterCommitWithEvents?.();
      if (!runOptions?.snapshot) instrumentation.committed(emitted);
      return result;
    } catch (error) {
      if (pgCode(error) === UNIQUE_VIOLATION)
        throw new ConflictError('a concurrent change made this request conflict; retry it', {
          cause: (error as Error).message,
        });
      throw error;
    } finally {
      if (database.writes && !runOptions?.snapshot) database.writes.version += 1;
    }
  }
}
