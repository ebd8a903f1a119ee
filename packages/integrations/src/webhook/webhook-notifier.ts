import type { Notification, NotificationsPolicy, Notifier } from '@clos/core';
import { type OutboundClient, signedPost } from '@clos/outbound';

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
      const sent = await signedPost(options.outbound, entry.url, notificationBody(n), {
        secret: options.secret,
        headers: {
          'user-agent': 'CLOS-Notifications/2',
          'x-clos-event': n.kind,
          'x-clos-event-id': n.id,
        },
        timeoutSeconds: options.timeoutSeconds,
      });
      switch (sent.kind) {
        case 'delivered':
          return;
        case 'blocked':
          options.logger.error(
            { url: entry.url, notification: n.id, kind: n.kind, reason: sent.error },
            `notification webhook blocked: ${sent.error}; not retried`,
          );
          return;
        case 'rejected':
          throw new Error(`notification webhook ${entry.url} answered ${sent.status}`);
        case 'redirected':
          throw new Error(`notification webhook ${entry.url} answered ${sent.status}: ${sent.error}`);
        default:
          throw new Error(`notification webhook ${entry.url}: ${sent.error}`);
      }
    },
  };
}
