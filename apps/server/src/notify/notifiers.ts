import type { NotificationsPolicy, Notifier } from '@clos/core';
import { logNotifier } from './log-notifier.ts';
import { webhookNotifier } from './webhook-notifier.ts';

/** The notifiers the policy asks for: the log, and one per `notifications.webhooks` entry. */
export function createNotifiers(
  policy: NotificationsPolicy,
  deps: {
    logger: { info(obj: object, msg?: string): void; warn?(obj: object, msg?: string): void };
    env: NodeJS.ProcessEnv;
    /** How long a notification webhook may take to answer (default 10 s). */
    timeoutSeconds?: number;
  },
): Notifier[] {
  const notifiers: Notifier[] = [];
  if (policy.log) notifiers.push(logNotifier(deps.logger));
  for (const entry of policy.webhooks) {
    const secret = entry.secretEnv ? deps.env[entry.secretEnv] : undefined;
    // Only apps read the environment: the config names the variable, never the secret itself.
    if (entry.secretEnv && !secret)
      deps.logger.warn?.(
        { url: entry.url, secretEnv: entry.secretEnv },
        `${entry.secretEnv} is not set: notifications to this URL are sent unsigned`,
      );
    notifiers.push(webhookNotifier(entry, { secret, timeoutSeconds: deps.timeoutSeconds ?? 10 }));
  }
  return notifiers;
}
