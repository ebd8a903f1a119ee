import type { Page, PageRequest } from './page.ts';

/** An outbound webhook an admin registered. The secret is kept to sign deliveries; it never leaves the server. */
export interface Webhook {
  id: string;
  url: string;
  /** Event types it receives, or `["*"]` for every type. */
  events: string[];
  secret: string;
  description: string | null;
  /** False once disabled: it receives nothing more, and its pending retries are abandoned. */
  active: boolean;
  createdBy: string | null;
  createdAt: Date;
  disabledAt: Date | null;
}

/**
 * `blocked`: not sent, because the URL's host is or resolves to an address CLOS does not send to
 * (loopback, private, metadata…; see `webhooks.allowPrivateNetworks`). Final: not retried.
 */
export type WebhookDeliveryStatus = 'succeeded' | 'failed' | 'abandoned' | 'blocked';

/** One attempt to deliver one event to one webhook. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  /** 1 for the first attempt; retries count up. */
  attempt: number;
  status: WebhookDeliveryStatus;
  /** The receiver's HTTP status, when it answered. */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
}

export interface WebhookRepository {
  insert(webhook: Webhook): Promise<void>;
  byId(id: string): Promise<Webhook | null>;
  /** Newest first. */
  list(page: PageRequest): Promise<Page<Webhook>>;
  /** Every active webhook (the outbox relay matches each event against them). */
  active(): Promise<Webhook[]>;
  disable(id: string, at: Date): Promise<void>;
  insertDelivery(delivery: WebhookDelivery): Promise<void>;
  /** The delivery log of one webhook, newest attempt first. */
  deliveries(webhookId: string, page: PageRequest): Promise<Page<WebhookDelivery>>;
  /** Whether the event already reached the webhook (a duplicated job must not send it again). */
  delivered(webhookId: string, eventId: string): Promise<boolean>;
}
