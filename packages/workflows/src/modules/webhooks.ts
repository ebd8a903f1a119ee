import { randomUUID } from 'node:crypto';
import type { DomainEvent, Policy, Webhook, WebhookDeliveryStatus } from '@clos/core';
import { createRepositories, type Db } from '@clos/db';
import { createOutboundClient, signedPost } from '@clos/outbound';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';
import type { JobDefinition } from '../queue.ts';

export const WEBHOOK_QUEUE = 'clos.webhook-delivery';
export const WEBHOOK_USER_AGENT = 'CLOS-Webhooks/2';

// pg-boss doubles the delay at most this many times (`LEAST(16, retry_count + 1)` in its SQL).
const BACKOFF_CAP = 16;

/**
 * How many retries make deliveries keep trying for `retryHours`. pg-boss waits, before retry n
 * (n = 1, 2, …), `retryDelaySeconds · 2^(min(n, 16) − 1) · (1 + jitter)` with jitter in [0, 1). The
 * limit is the smallest n whose delays, without jitter, add up to `retryHours`:
 *
 *   retryDelaySeconds · (2^n − 1) ≥ retryHours · 3600   (n ≤ 16; beyond, each retry adds d · 2^15)
 *
 * e.g. 30 s and 24 h: 30 · (2^12 − 1) = 34.1 h ≥ 24 h > 30 · (2^11 − 1) = 17.1 h, so 12 retries.
 * Jitter only lengthens the waits; a retry that starts after `retryHours` is recorded as abandoned.
 */
export function webhookRetryLimit(
  policy: Pick<Policy['webhooks'], 'retryHours' | 'retryDelaySeconds'>,
): number {
  const target = policy.retryHours * 3600;
  const d = policy.retryDelaySeconds;
  let total = 0;
  for (let n = 1; n <= BACKOFF_CAP; n++) {
    total += d * 2 ** (n - 1);
    if (total >= target) return n;
  }
  return BACKOFF_CAP + Math.ceil((target - total) / (d * 2 ** (BACKOFF_CAP - 1)));
}

/** What a receiver gets: the event as the stream and docs/events.md describe it. */
export function webhookPayload(event: DomainEvent) {
  return {
    id: event.id,
    seq: event.seq,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    podId: event.podId,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    actorId: event.actorId,
    data: event.data,
  };
}

const subscribed = (webhook: Webhook, type: string) =>
  webhook.events.includes('*') || webhook.events.includes(type);

/**
 * Outbound webhooks: every dispatched event becomes one delivery job per active webhook subscribed to
 * its type (enqueued in the relay's transaction, so exactly once per event). The job POSTs the signed
 * event and logs each attempt; a failed attempt throws so pg-boss retries it with exponential backoff.
 * A receiver at an internal address (`webhooks.allowPrivateNetworks`) is recorded as blocked, not retried.
 */
export function webhooksModule(env: RuntimeEnv): RuntimeModule {
  const { deps, policy } = env;
  const p = policy.webhooks;
  // The relay hands a batch of events to subscribers in one transaction: read the webhooks once per
  // batch, not once per event.
  const activeByTx = new WeakMap<Db, Promise<Webhook[]>>();
  // Receivers are URLs admins chose: each connection is checked against internal ranges, at the
  // moment it is made, to the address it is made to (docs/webhooks.md#internal-addresses).
  const outbound = createOutboundClient({
    allowPrivateNetworks: p.allowPrivateNetworks,
    ...(env.outboundLookup ? { lookup: env.outboundLookup } : {}),
  });

  const delivery: JobDefinition<{ webhookId: string; eventId: string }> = {
    queue: WEBHOOK_QUEUE,
    policy: {
      retryLimit: webhookRetryLimit(p),
      retryDelay: p.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: Math.ceil(p.timeoutSeconds) + 60,
    },
    async handle({ webhookId, eventId }, meta) {
      const repos = env.deps.uow.read;
      const [webhook, event] = await Promise.all([
        repos.webhooks.byId(webhookId),
        repos.eventLog.byId(eventId),
      ]);
      // Gone (event retention ran first): nothing left to deliver.
      if (!webhook || !event) return;
      // A job run again after its success was recorded (a lost completion) must not send twice.
      if (await repos.webhooks.delivered(webhookId, eventId)) return;
      const attempt = meta.retryCount + 1;
      const attemptedAt = deps.clock.now();
      const record = (
        status: WebhookDeliveryStatus,
        outcome: { statusCode?: number | null; error?: string | null; durationMs?: number },
      ) =>
        repos.webhooks.insertDelivery({
          id: randomUUID(),
          webhookId,
          eventId,
          eventType: event.type,
          attempt,
          status,
          statusCode: outcome.statusCode ?? null,
          error: outcome.error ?? null,
          durationMs: outcome.durationMs ?? 0,
          attemptedAt,
        });

      if (!webhook.active) return record('abandoned', { error: 'the webhook was disabled' });
      if (attemptedAt.getTime() - event.occurredAt.getTime() > p.retryHours * 3_600_000)
        return record('abandoned', { error: `the event is older than ${p.retryHours} h; not retried` });

      // The secret decrypts on read: one that does not (copied from another row, a changed key) is
      // a failed attempt on record, never an unsigned or wrongly signed delivery.
      let secret: string;
      try {
        secret = webhook.secret;
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        await record('failed', { error });
        throw new Error(`webhook ${webhookId} attempt ${attempt}: ${error}`);
      }
      const body = JSON.stringify(webhookPayload(event));
      const sent = await signedPost(outbound, webhook.url, body, {
        secret,
        headers: {
          'user-agent': WEBHOOK_USER_AGENT,
          'x-clos-event': event.type,
          'x-clos-event-id': event.id,
          'x-clos-delivery': String(attempt),
        },
        timeoutSeconds: p.timeoutSeconds,
      });
      // Final: waiting does not make an address allowed (the operator's setting or the URL must
      // change), and retrying a name whose answers vary would only probe the resolver again.
      if (sent.kind === 'blocked')
        return record('blocked', { error: sent.error, durationMs: sent.durationMs });
      const error = sent.kind === 'delivered' ? null : sent.error;
      await record(error ? 'failed' : 'succeeded', {
        statusCode: 'status' in sent ? sent.status : null,
        error,
        durationMs: sent.durationMs,
      });
      if (error) throw new Error(`webhook ${webhookId} (${webhook.url}) attempt ${attempt}: ${error}`);
    },
  };

  return {
    name: 'webhooks',
    subscribers: [
      {
        name: 'webhooks',
        types: '*',
        async dispatch(event, { tx, enqueue }) {
          let active = activeByTx.get(tx);
          if (!active) {
            active = createRepositories(tx, randomUUID, { secretBox: env.secretBox }).webhooks.active();
            activeByTx.set(tx, active);
          }
          for (const webhook of await active)
            if (subscribed(webhook, event.type))
              await enqueue(WEBHOOK_QUEUE, { webhookId: webhook.id, eventId: event.id });
        },
      },
    ],
    jobs: [delivery as JobDefinition<never>],
    stop: () => outbound.close(),
  };
}
