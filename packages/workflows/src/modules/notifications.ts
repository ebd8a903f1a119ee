import { randomUUID } from 'node:crypto';
import { NOTIFIABLE_EVENT_TYPES, notificationFor } from '@clos/core';
import { createRepositories, type Db, schema as t } from '@clos/db';
import { inArray } from 'drizzle-orm';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';
import type { JobDefinition } from '../queue.ts';

export const NOTIFY_QUEUE = 'clos.notify';

const sentKey = (eventId: string, notifier: string) => `notify:${eventId}:${notifier}`;

/**
 * Notifications: the events people are told about (`NOTIFIABLE_EVENT_TYPES`) are rendered once and
 * sent to every configured notifier: those of the integrations that are on (`@clos/integrations`: the
 * log, notification webhooks).
 */
export function notificationsModule(env: RuntimeEnv): RuntimeModule {
  const { database, deps, policy, logger } = env;

  const notify: JobDefinition<{ eventId: string }> = {
    queue: NOTIFY_QUEUE,
    policy: {
      retryLimit: policy.workflows.retryLimit,
      retryDelay: policy.workflows.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: policy.workflows.jobTimeoutSeconds,
    },
    async handle({ eventId }) {
      if (env.notifiers.length === 0) return;
      const repos = env.deps.uow.read;
      const event = await repos.eventLog.byId(eventId);
      if (!event) return;
      const pod = event.podId ? await repos.pods.byId(event.podId) : null;
      const notification = notificationFor(event, pod?.slug ?? null);
      if (!notification) return;

      const keys = env.notifiers.map((n) => sentKey(eventId, n.name));
      const sent = new Set(
        (
          await database.db.select({ key: t.jobKeys.key }).from(t.jobKeys).where(inArray(t.jobKeys.key, keys))
        ).map((r) => r.key),
      );
      const failed: string[] = [];
      for (const notifier of env.notifiers) {
        const key = sentKey(eventId, notifier.name);
        if (sent.has(key)) continue;
        try {
          await notifier.send(notification);
        } catch (error) {
          failed.push(notifier.name);
          logger.warn({ err: error, notifier: notifier.name, event: eventId }, 'notifier failed; will retry');
          continue;
        }
        // The send cannot join a transaction (it leaves the process), so its mark is written after it,
        // in a transaction of its own: a crash between the two sends again on retry — at least once,
        // never lost. Receivers recognise the repeat by the notification id (the event id). Claiming
        // before sending would turn that into at most once: a crash would lose the notification.
        await database.db.transaction(async (tx) => {
          await createRepositories(tx as unknown as Db, randomUUID).workflows.claimJobKey(
            key,
            deps.clock.now(),
          );
        });
      }
      // Only the notifiers that failed are tried again: the others' keys are claimed.
      if (failed.length) throw new Error(`notifiers failed for event ${eventId}: ${failed.join(', ')}`);
    },
  };

  return {
    name: 'notifications',
    subscribers: [
      {
        name: 'notifications',
        types: NOTIFIABLE_EVENT_TYPES,
        async dispatch(event, { enqueue }) {
          await enqueue(NOTIFY_QUEUE, { eventId: event.id });
        },
      },
    ],
    jobs: [notify as JobDefinition<never>],
  };
}
