/** The webhooks admin page's logic: the registration form, delivery states in words. */
import type { RouteResponse, Routes } from '@clos/contract';

export type Webhook = RouteResponse<Routes['listWebhooks']>['items'][number];
export type WebhookDelivery = RouteResponse<Routes['listWebhookDeliveries']>['items'][number];

export const WEBHOOK_KEYS = {
  list: ['webhooks'] as const,
  deliveries: (id: string) => ['webhooks', id, 'deliveries'] as const,
};

export const DELIVERY_STATUS: Record<
  WebhookDelivery['status'],
  { text: string; tone: 'green' | 'amber' | 'red' | 'slate' }
> = {
  succeeded: { text: 'Delivered', tone: 'green' },
  failed: { text: 'Failed (will retry)', tone: 'amber' },
  abandoned: { text: 'Abandoned', tone: 'red' },
  blocked: { text: 'Blocked (internal address)', tone: 'red' },
};

export interface WebhookForm {
  url: string;
  events: string;
  secret: string;
  description: string;
}

/** Event types from a comma- or space-separated list; empty means every type (`*`). */
export function parseEvents(text: string): string[] {
  const events = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  return events.length ? events : ['*'];
}

/**
 * What is wrong with the form before it is sent, by field (the server checks again, and says more:
 * unknown event types, internal addresses). Empty when it may be sent.
 */
export function webhookFormProblems(form: WebhookForm): Partial<Record<keyof WebhookForm, string>> {
  const problems: Partial<Record<keyof WebhookForm, string>> = {};
  let url: URL | null = null;
  try {
    url = new URL(form.url.trim());
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    problems.url = 'needs an absolute http(s) address, e.g. https://example.com/hooks/clos';
  if (form.secret.length < 16 || form.secret.length > 256) problems.secret = 'needs 16 to 256 characters';
  return problems;
}

/** The body `POST /api/v1/webhooks` takes. */
export function webhookBody(form: WebhookForm) {
  const description = form.description.trim();
  return {
    url: form.url.trim(),
    events: parseEvents(form.events),
    secret: form.secret,
    ...(description ? { description } : {}),
  };
}
