import type { InboundRoute } from '../integration.ts';
import type { GitHubApp } from './client.ts';
import { type DeliveryOptions, isUsedEvent, workOf } from './deliveries.ts';

/** The queue whose job does a delivery's work (github-module.ts). */
export const GITHUB_QUEUE = 'clos.github';

const header = (headers: Record<string, unknown>, name: string): string | null => {
  const v = headers[name];
  return typeof v === 'string' && v.length > 0 ? v : null;
};

/**
 * `POST /api/v1/integrations/github/webhook`. The signature (`X-Hub-Signature-256`, HMAC-SHA256 of the
 * raw body with the App's webhook secret) is checked by the SDK before anything is parsed. A delivery
 * is then recorded by its `X-GitHub-Delivery` id and its work queued in one transaction, and the
 * answer goes out at once: 202 for new work, 200 for a redelivery (nothing changes), 202 with
 * `ignored` for events and actions CLOS does not act on (nothing is written).
 */
export function githubWebhookRoute(app: GitHubApp, options: DeliveryOptions): InboundRoute {
  return {
    method: 'POST',
    path: '/webhook',
    // GitHub caps payloads at 25 MB; pull_request payloads are tens of kilobytes.
    bodyLimit: 5 * 1024 * 1024,
    async verify(rawBody, headers) {
      const signature = header(headers, 'x-hub-signature-256');
      if (!signature) return { ok: false, reason: 'X-Hub-Signature-256 is missing' };
      const valid = await app.webhooks.verify(rawBody.toString('utf8'), signature).catch(() => false);
      return valid
        ? { ok: true }
        : { ok: false, reason: 'X-Hub-Signature-256 does not match the body and the App’s webhook secret' };
    },
    async handle(body, deps) {
      const event = header(deps.headers, 'x-github-event');
      const deliveryId = header(deps.headers, 'x-github-delivery');
      // The API's error envelope, so a sender sees the same shape as from any other route.
      const invalid = (message: string) => ({
        status: 400,
        body: { error: { code: 'invalid_request', message, details: [], requestId: deps.requestId } },
      });
      if (!event || !deliveryId) return invalid('headers: X-GitHub-Event and X-GitHub-Delivery are required');
      if (event === 'ping') return { status: 200, body: { pong: true } };
      if (!isUsedEvent(event)) return { status: 202, body: { ignored: event } };
      let work: ReturnType<typeof workOf>;
      try {
        work = workOf(event, body, options);
      } catch (error) {
        return invalid(`body: ${(error as Error).message}`);
      }
      if (!work)
        return { status: 202, body: { ignored: `${event}.${(body as { action?: string }).action ?? ''}` } };
      const outcome = await deps.acceptDelivery(
        { id: deliveryId, event },
        { queue: GITHUB_QUEUE, data: { deliveryId, work } },
      );
      return outcome === 'duplicate'
        ? { status: 200, body: { duplicate: deliveryId } }
        : { status: 202, body: { accepted: deliveryId } };
    },
  };
}
