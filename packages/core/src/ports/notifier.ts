/** A message for people (Slack, a chat webhook, the log), rendered from a domain event. */
export interface Notification {
  /** The event id: receivers use it to recognise a notification delivered twice. */
  id: string;
  /** The event type it was rendered from, e.g. `rhythm.digest_ready`. */
  kind: string;
  podId: string | null;
  /** The pod's slug, when it belongs to one. */
  pod: string | null;
  title: string;
  text: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

/**
 * Where notifications go. Delivery is at least once: a notifier may be called again with the same
 * notification after a crash or retry, and should let its receiver recognise the id.
 */
export interface Notifier {
  name: string;
  send(notification: Notification): Promise<void>;
}
