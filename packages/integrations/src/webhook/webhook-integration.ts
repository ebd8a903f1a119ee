import { createOutboundClient } from '@clos/outbound';
import type { Integration } from '../integration.ts';
import { webhookNotifier } from './webhook-notifier.ts';

/**
 * `notifications.webhooks`: one notifier per entry, POSTing signed JSON to its URL. The secret is
 * read from the environment variable the entry names. Every URL goes through one guarded client (one
 * connection pool), opened as `webhooks.allowPrivateNetworks` says, and closed when the runner stops.
 */
export const webhookIntegration: Integration = {
  name: 'webhook',
  configSections: ['notifications', 'webhooks'],
  configure({ policy, env, logger, outboundLookup }) {
    const entries = policy.notifications.webhooks;
    if (entries.length === 0) return null;
    const outbound = createOutboundClient({
      allowPrivateNetworks: policy.webhooks.allowPrivateNetworks,
      ...(outboundLookup ? { lookup: outboundLookup } : {}),
    });
    const notifiers = entries.map((entry) => {
      const secret = entry.secretEnv ? env[entry.secretEnv] : undefined;
      if (entry.secretEnv && !secret)
        logger.warn(
          { url: entry.url, secretEnv: entry.secretEnv },
          `${entry.secretEnv} is not set: notifications to this URL are sent unsigned`,
        );
      return webhookNotifier(entry, {
        secret,
        timeoutSeconds: policy.webhooks.timeoutSeconds,
        outbound,
        logger,
      });
    });
    return { notifiers, stop: () => outbound.close() };
  },
};
