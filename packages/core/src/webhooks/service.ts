import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { type FieldProblem, InvalidInputError, NotFoundError } from '../errors.ts';
import { isDomainEventType } from '../events/catalog.ts';
import { record } from '../events/record.ts';
import {
  type AllowPrivateNetworks,
  allowPrivateNetworksAdvice,
  createAddressPolicy,
  forbiddenRangeLabel,
  literalHostRefusal,
} from '../outbound/address-policy.ts';
import type { Page, PageRequest } from '../ports/repositories.ts';
import type { Webhook, WebhookDelivery } from '../ports/webhooks.ts';

export const WEBHOOK_SECRET_MIN = 16;
export const WEBHOOK_SECRET_MAX = 256;

/** A webhook as shown to admins: everything but the secret, of which only the last characters show. */
export type WebhookView = Omit<Webhook, 'secret'> & { secretHint: string };

export interface WebhookInput {
  url: string;
  events: string[];
  secret: string;
  description?: string | null | undefined;
}

/** Never the secret itself: its last 4 characters are enough to tell which one was registered. */
export function webhookView(webhook: Webhook): WebhookView {
  const { secret, ...rest } = webhook;
  return { ...rest, secretHint: `…${secret.slice(-4)}` };
}

/**
 * Checks a registration, naming every offending field: an absolute http(s) URL whose host is not
 * literally an internal address (unless `allowPrivateNetworks` opens it), event types from the catalog
 * (or exactly `["*"]`), a secret of 16–256 characters. Returns the event list to store (duplicates
 * removed). Host names are not resolved here: each delivery checks what they resolve to.
 */
export function checkWebhookInput(
  input: WebhookInput,
  allowPrivateNetworks: AllowPrivateNetworks = false,
): string[] {
  const problems: FieldProblem[] = [];
  let url: URL | null = null;
  try {
    url = new URL(input.url);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    problems.push({ path: 'url', message: 'must be an absolute http:// or https:// URL' });
  else if (url.username || url.password)
    problems.push({ path: 'url', message: 'must not carry credentials (the secret signs every delivery)' });
  else {
    const refusal = literalHostRefusal(url, createAddressPolicy(allowPrivateNetworks));
    if (refusal)
      problems.push({
        path: 'url',
        message: `points at ${forbiddenRangeLabel(refusal.range)} (${refusal.address}), where CLOS does not deliver; ${allowPrivateNetworksAdvice(refusal.range)}`,
      });
  }

  if (input.events.length === 0)
    problems.push({ path: 'events', message: 'must list at least one event type, or "*" for all' });
  else if (input.events.includes('*')) {
    if (input.events.length > 1)
      problems.push({ path: 'events', message: '"*" receives every event; list it alone' });
  } else
    input.events.forEach((type, i) => {
      if (!isDomainEventType(type))
        problems.push({ path: `events[${i}]`, message: `unknown event type "${type}" (see docs/events.md)` });
    });

  if (input.secret.length < WEBHOOK_SECRET_MIN || input.secret.length > WEBHOOK_SECRET_MAX)
    problems.push({
      path: 'secret',
      message: `must be ${WEBHOOK_SECRET_MIN} to ${WEBHOOK_SECRET_MAX} characters long`,
    });
  if (problems.length) throw new InvalidInputError(problems);
  return [...new Set(input.events)];
}

/** Outbound webhooks: admins register receivers for domain events and read their delivery logs. */
export function createWebhookService(deps: Deps) {
  const { uow, clock, ids } = deps;

  async function byId(id: string): Promise<Webhook> {
    const webhook = await uow.read.webhooks.byId(id);
    if (!webhook) throw new NotFoundError('webhook', id);
    return webhook;
  }

  return {
    /** Registers a webhook; it receives events dispatched from now on. */
    async create(ctx: Ctx, input: WebhookInput): Promise<WebhookView> {
      assertCan(ctx.actor, 'webhooks:manage');
      const events = checkWebhookInput(input, deps.policy.webhooks.allowPrivateNetworks);
      return uow.run(async (repos) => {
        const now = clock.now();
        const webhook: Webhook = {
          id: ids.uuid(),
          url: input.url,
          events,
          secret: input.secret,
          description: input.description ?? null,
          active: true,
          createdBy: ctx.actor.userId,
          createdAt: now,
          disabledAt: null,
        };
        await repos.webhooks.insert(webhook);
        // Not a domain event type: registering a receiver is not broadcast to receivers.
        await record(repos, ctx, now, {
          podId: null,
          action: 'webhook.created',
          subjectType: 'webhook',
          subjectId: webhook.id,
          after: { url: webhook.url, events, description: webhook.description },
        });
        return webhookView(webhook);
      });
    },

    async list(ctx: Ctx, page: PageRequest): Promise<Page<WebhookView>> {
      assertCan(ctx.actor, 'webhooks:manage');
      const found = await uow.read.webhooks.list(page);
      return { ...found, items: found.items.map(webhookView) };
    },

    async get(ctx: Ctx, id: string): Promise<WebhookView> {
      assertCan(ctx.actor, 'webhooks:manage');
      return webhookView(await byId(id));
    },

    /** Stops deliveries, pending retries included. Idempotent; the delivery log is kept. */
    async disable(ctx: Ctx, id: string): Promise<WebhookView> {
      assertCan(ctx.actor, 'webhooks:manage');
      return uow.run(async (repos) => {
        const webhook = await repos.webhooks.byId(id);
        if (!webhook) throw new NotFoundError('webhook', id);
        if (!webhook.active) return webhookView(webhook);
        const now = clock.now();
        await repos.webhooks.disable(id, now);
        await record(repos, ctx, now, {
          podId: null,
          action: 'webhook.disabled',
          subjectType: 'webhook',
          subjectId: id,
          before: { url: webhook.url, events: webhook.events },
        });
        return webhookView({ ...webhook, active: false, disabledAt: now });
      });
    },

    /** Every delivery attempt to the webhook, newest first. */
    async deliveries(ctx: Ctx, id: string, page: PageRequest): Promise<Page<WebhookDelivery>> {
      assertCan(ctx.actor, 'webhooks:manage');
      await byId(id);
      return uow.read.webhooks.deliveries(id, page);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
