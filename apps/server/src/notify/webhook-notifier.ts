import { createHmac } from 'node:crypto';
import type { Notification, NotificationsPolicy, Notifier } from '@clos/core';
import { OutboundBlockedError, type OutboundClient } from '@clos/outbound';

export type NotificationWebhook = NotificationsPolicy['webhooks'][number];

/** The JSON a notification webhook receives. */
export function notificationBody(n: Notification): string {
  return JSON.stringify({
    id: n.id,
    kind: n.kind,
    podId: n.podId,
    pod: n.pod,
    title: n.title,
    text: n.text,
    occurredAt: n.occurredAt.toISOString(),
    data: n.data,
  });
}

/**
 * POSTs each notification whose kind the entry lists (or all, with `*`) to its URL as JSON, signed
 * like outbound webhook deliveries (`X-Clos-Signature: sha256=<HMAC-SHA256 of the body>`) when the
 * environment variable named by `secretEnv` holds a secret. A non-2xx answer, a redirect or a timeout
 * throws, so the notify job retries this notifier alone. A URL whose host resolves to an internal
 * address (see `webhooks.allowPrivateNetworks`) is not sent to: that is logged as an error and not
 * retried, since no retry can succeed until the configuration changes.
 */
export function webhookNotifier(
  entry: NotificationWebhook,
  options: {
    secret: string | undefined;
    timeoutSeconds: number;
    /** The guarded client every notification webhook sends through. */
    outbound: OutboundClient;
    logger: { error(obj: object, msg?: string): void };
  },
): Notifier {
  const wanted = (kind: string) => entry.events.includes('*') || entry.events.includes(kind);
  return {
    // The name keys "already sent" marks: one per URL, so a retry re-sends only where it failed.
    name: `webhook:${entry.url}`,
    async send(n) {
      if (!wanted(n.kind)) return;
      const body = notificationBody(n);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'CLOS-Notifications/2',
        'x-clos-event': n.kind,
        'x-clos-event-id': n.id,
      };
      if (options.secret)
        headers['x-clos-signature'] =
          `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`;
      let response: Awaited<ReturnType<OutboundClient['fetch']>>;
      try {
        response = await options.outbound.fetch(entry.url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
        });
      } catch (error) {
        if (!(error instanceof OutboundBlockedError)) throw error;
        options.logger.error(
          { url: entry.url, notification: n.id, kind: n.kind, reason: error.message },
          `notification webhook blocked: ${error.message}; not retried`,
        );
        return;
      }
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status >= 300)
        throw new Error(`notification webhook ${entry.url} answered ${response.status}`);
    },
  };
}
