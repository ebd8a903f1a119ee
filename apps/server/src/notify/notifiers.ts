import type { AllowPrivateNetworks, NotificationsPolicy, Notifier } from '@clos/core';
import { createOutboundClient, type HostLookup, type OutboundClient } from '@clos/outbound';
import { logNotifier } from './log-notifier.ts';
import { webhookNotifier } from './webhook-notifier.ts';

/** The notifiers the policy asks for: the log, and one per `notifications.webhooks` entry. */
export function createNotifiers(
  policy: NotificationsPolicy,
  deps: {
    logger: {
      info(obj: object, msg?: string): void;
      warn?(obj: object, msg?: string): void;
      error?(obj: object, msg?: string): void;
    };
    env: NodeJS.ProcessEnv;
    /** How long a notification webhook may take to answer (default 10 s). */
    timeoutSeconds?: number;
    /** `webhooks.allowPrivateNetworks`: notification URLs are guarded like webhook receivers. */
    allowPrivateNetworks: AllowPrivateNetworks;
    /** Resolves host names (tests); the system resolver otherwise. */
    lookup?: HostLookup;
  },
): Notifier[] {
  const notifiers: Notifier[] = [];
  if (policy.log) notifiers.push(logNotifier(deps.logger));
  // One guarded client (one connection pool) for every notification URL, made when there is one.
  let outbound: OutboundClient | null = null;
  const logger = deps.logger;
  const logError = (obj: object, msg?: string) =>
    logger.error ? logger.error(obj, msg) : logger.info(obj, msg);
  for (const entry of policy.webhooks) {
    const secret = entry.secretEnv ? deps.env[entry.secretEnv] : undefined;
    // Only apps read the environment: the config names the variable, never the secret itself.
    if (entry.secretEnv && !secret)
      deps.logger.warn?.(
        { url: entry.url, secretEnv: entry.secretEnv },
        `${entry.secretEnv} is not set: notifications to this URL are sent unsigned`,
      );
    outbound ??= createOutboundClient({
      allowPrivateNetworks: deps.allowPrivateNetworks,
      ...(deps.lookup ? { lookup: deps.lookup } : {}),
    });
    notifiers.push(
      webhookNotifier(entry, {
        secret,
        timeoutSeconds: deps.timeoutSeconds ?? 10,
        outbound,
        logger: { error: logError },
      }),
    );
  }
  return notifiers;
}
