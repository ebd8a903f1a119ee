import type { RuntimeEnv, RuntimeModule } from '../module.ts';

const DAY_MS = 86_400_000;
// Deleted per transaction: keeps each one short when a long-stopped server catches up on a big backlog.
const BATCH = 1_000;

/**
 * Event retention (`events.retentionDays`): at every scheduler tick, deletes dispatched events older
 * than the window, with their webhook delivery log. Idempotent and safe on several workers at once
 * (a row another worker deleted first is simply not there). A stream reader resuming from before the
 * window is told so (`event: reset`) and refetches.
 */
export function eventRetentionModule(env: RuntimeEnv): RuntimeModule {
  return {
    name: 'event-retention',
    async onTick(now) {
      const cutoff = new Date(now.getTime() - env.policy.events.retentionDays * DAY_MS);
      try {
        let deleted = 0;
        for (;;) {
          const n = await env.deps.uow.run((repos) => repos.eventLog.prune(cutoff, BATCH));
          deleted += n;
          if (n < BATCH) break;
        }
        if (deleted > 0) env.logger.info({ deleted, before: cutoff.toISOString() }, 'old events deleted');
      } catch (error) {
        // A delivery written concurrently for an event being pruned can fail this pass; the next tick retries.
        // Not rethrown: the modules ticking after this one should still run.
        env.logger.warn({ err: error }, 'event retention failed; retrying at the next tick');
      }
    },
  };
}
