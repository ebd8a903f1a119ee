import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinearIssueSnapshot } from '@clos/core';
import { LINEAR_STATE_TYPES, type LinearStateType } from '@clos/core';
import type { InboundRoute } from '../integration.ts';
import type { LinearSettings } from './settings.ts';

/** The queue whose job does a delivery's and the module's work (linear-module.ts). */
export const LINEAR_QUEUE = 'clos.linear';

/** How far `webhookTimestamp` may be from now: Linear's own recommendation, and its SDK's. */
export const WEBHOOK_TOLERANCE_MS = 60_000;

/** An Issue webhook's work: what the issue now is, or that it is gone. */
export interface LinearIssueDelivery {
  deliveryId: string;
  action: 'create' | 'update' | 'remove';
  issueId: string;
  /** The issue's project in Linear now (null: in none). */
  projectId: string | null;
  /** Null when the issue was removed (deleted, trashed). */
  issue: LinearIssueSnapshot | null;
}

const header = (headers: Record<string, unknown>, name: string): string | null => {
  const v = headers[name];
  return typeof v === 'string' && v.length > 0 ? v : null;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The work of an Issue webhook's body, or why it cannot be read. Linear sends the issue as it is
 * after the change, its state included (`data.state.type`), so no call back to Linear is needed.
 */
export function issueDeliveryOf(body: unknown, deliveryId: string): LinearIssueDelivery | string {
  if (!isRecord(body)) return 'body: must be a JSON object';
  const action = body.action;
  if (action !== 'create' && action !== 'update' && action !== 'remove')
    return 'body.action: must be create, update or remove';
  const data = body.data;
  if (!isRecord(data) || typeof data.id !== 'string' || !data.id) return 'body.data.id: is required';
  const projectId = typeof data.projectId === 'string' && data.projectId ? data.projectId : null;
  const removed = action === 'remove' || data.trashed === true;
  if (removed) return { deliveryId, action, issueId: data.id, projectId, issue: null };
  const state = data.state;
  if (!isRecord(state) || typeof state.type !== 'string' || typeof state.name !== 'string')
    return 'body.data.state: must have a type and a name';
  if (!(LINEAR_STATE_TYPES as readonly string[]).includes(state.type))
    return `body.data.state.type: must be one of ${LINEAR_STATE_TYPES.join(', ')}`;
  if (typeof data.identifier !== 'string' || typeof data.title !== 'string')
    return 'body.data: identifier and title are required';
  return {
    deliveryId,
    action,
    issueId: data.id,
    projectId,
    issue: {
      linearId: data.id,
      identifier: data.identifier,
      title: data.title,
      url: typeof data.url === 'string' ? data.url : null,
      stateType: state.type as LinearStateType,
      stateName: state.name,
    },
  };
}

/**
 * `POST /api/v1/integrations/linear/webhook`. `Linear-Signature` (HMAC-SHA256 of the raw body with the
 * webhook's secret, hex) is compared in constant time, and the signed `webhookTimestamp` must be
 * within 60 s of now: a refusal is a 401 and nothing is recorded. A delivery is then recorded by its
 * `Linear-Delivery` id and its work queued in one transaction: 202 for new work, 200 `duplicate` for a
 * redelivery (nothing changes), 202 `ignored` for other entity types (nothing is written).
 */
export function linearWebhookRoute(
  settings: Pick<LinearSettings, 'webhookSecret'>,
  options: { now?: () => number } = {},
): InboundRoute {
  const now = options.now ?? (() => Date.now());
  return {
    method: 'POST',
    path: '/webhook',
    bodyLimit: 1024 * 1024,
    verify(rawBody, headers) {
      const signature = header(headers, 'linear-signature');
      if (!signature) return { ok: false, reason: 'Linear-Signature is missing' };
      const expected = Buffer.from(
        createHmac('sha256', settings.webhookSecret).update(rawBody).digest('hex'),
      );
      const given = Buffer.from(signature.trim().toLowerCase());
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'Linear-Signature does not match the body and the webhook secret' };
      // Signed, so its timestamp is Linear's: a replay of an old delivery is refused by it.
      let timestamp: unknown;
      try {
        timestamp = (JSON.parse(rawBody.toString('utf8')) as { webhookTimestamp?: unknown }).webhookTimestamp;
      } catch {
        return { ok: false, reason: 'the body is not JSON' };
      }
      if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
        return { ok: false, reason: 'webhookTimestamp is missing' };
      if (Math.abs(now() - timestamp) > WEBHOOK_TOLERANCE_MS)
        return {
          ok: false,
          reason: 'webhookTimestamp is more than 60 s from now (a replay, or a clock off)',
        };
      return { ok: true };
    },
    async handle(body, deps) {
      const invalid = (message: string) => ({
        status: 400,
        body: { error: { code: 'invalid_request', message, details: [], requestId: deps.requestId } },
      });
      const deliveryId = header(deps.headers, 'linear-delivery');
      if (!deliveryId) return invalid('headers: Linear-Delivery is required');
      const type = isRecord(body) ? body.type : undefined;
      if (type !== 'Issue')
        return { status: 202, body: { ignored: typeof type === 'string' ? type : 'unknown' } };
      const work = issueDeliveryOf(body, deliveryId);
      if (typeof work === 'string') return invalid(work);
      const outcome = await deps.acceptDelivery(
        { id: deliveryId, event: `Issue.${work.action}` },
        { queue: LINEAR_QUEUE, data: { delivery: work } },
      );
      return outcome === 'duplicate'
        ? { status: 200, body: { duplicate: deliveryId } }
        : { status: 202, body: { accepted: deliveryId } };
    },
  };
}
