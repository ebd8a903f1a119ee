import { randomUUID } from 'node:crypto';
import { alertKey, createAlertService, type DomainEventType, type WipRefusal } from '@clos/core';
import { createRepositories, type Db } from '@clos/db';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';
import type { JobDefinition } from '../queue.ts';

export const ALERTS_QUEUE = 'clos.alerts';

/** Events after which an alert condition may have started or cleared. */
export const ALERT_TRIGGERS = [
  'wip.limit_reached',
  'wip.released',
  'wip.limit_set',
  'wip.queued',
  'wip.dequeued',
  'pod.health_updated',
  'deployment.finished',
  'stage.advanced',
  'stage.blocked',
  'stage.unblocked',
  'project.closed',
  'project.evidence_submitted',
  'gate.approved',
  'gate.rejected',
] as const satisfies readonly DomainEventType[];

interface AlertsJob {
  /** Present when the job was caused by a refused acquire: it opens that cell's alert. */
  refusal?: WipRefusal;
}

/**
 * Alerts (issue 4 §4): every event that may change a condition, and every scheduler tick (for the
 * time-based ones: a gate stuck for 24 h), enqueues one reconciliation, which opens, refreshes and
 * resolves alerts to match the conditions true now, in one transaction.
 *
 * Bursts coalesce: the queue keeps at most one waiting reconciliation per key (`coalesce`, pg-boss's
 * `stately` policy), so a hundred releases in a second cause one or two runs, not a hundred. A refused
 * acquire has its own key per cell, so its refusal is never folded into a job that does not carry it.
 * A reconciliation is idempotent (a second one finds nothing to change) and serialised.
 */
export function alertsModule(env: RuntimeEnv): RuntimeModule {
  const { deps, policy } = env;
  const alerts = createAlertService(deps);
  // The relay hands a batch of events to subscribers in one transaction: the open alerts are read
  // once per batch (a burst of releases), not once per release. Nothing in the batch opens one.
  const openByTx = new WeakMap<Db, Promise<ReadonlySet<string>>>();
  const reconcile: JobDefinition<AlertsJob> = {
    queue: ALERTS_QUEUE,
    policy: {
      retryLimit: policy.workflows.retryLimit,
      retryDelay: policy.workflows.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: policy.workflows.jobTimeoutSeconds,
      coalesce: true,
    },
    async handle(data) {
      const refusal = data?.refusal;
      // What it writes is derived from the facts at `now`, so a retried or duplicated job has the
      // same effect as one: no job key is needed.
      await alerts.reconcile(deps.clock.now(), { refusals: refusal ? [refusal] : [] });
    },
  };

  return {
    name: 'alerts',
    jobs: [reconcile as JobDefinition<never>],
    subscribers: [
      {
        name: 'alerts',
        types: ALERT_TRIGGERS,
        async dispatch(event, { tx, enqueue }) {
          // A release only lowers usage, so the one condition it can change is an open WIP alert of
          // its pod and type; without one there is nothing to check (and releases come in bursts).
          const released =
            event.type === 'wip.released' && event.podId && event.data.before
              ? alertKey.wip(event.podId, event.data.before.itemType)
              : null;
          if (released) {
            let open = openByTx.get(tx);
            if (!open) {
              open = createRepositories(tx, randomUUID).alerts.openKeys();
              openByTx.set(tx, open);
            }
            if (!(await open).has(released)) return;
          }
          const refusal =
            event.type === 'wip.limit_reached' && event.podId
              ? { podId: event.podId, itemType: event.data.itemType }
              : undefined;
          await enqueue(ALERTS_QUEUE, refusal ? { refusal } : {}, {
            singletonKey: refusal ? `refusal:${refusal.podId}:${refusal.itemType}` : 'reconcile',
          });
        },
      },
    ],
    // Time alone can start a condition (a gate stuck for 24 h) or clear one (a failure leaving the window).
    async onTick() {
      try {
        await env.queue.enqueue(ALERTS_QUEUE, {}, { singletonKey: 'reconcile' });
      } catch (error) {
        // Not rethrown: the modules ticking after this one should still run; the next tick retries.
        env.logger.warn({ err: error }, 'could not enqueue the alert check; retrying at the next tick');
      }
    },
  };
}
