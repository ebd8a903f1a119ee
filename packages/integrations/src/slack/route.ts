import { createHash } from 'node:crypto';
import { verifySlackRequest } from '@slack/bolt';
import type { InboundRoute } from '../integration.ts';
import type { SlackSettings } from './settings.ts';

/** The queue whose job does a request's work (slack-module.ts). */
export const SLACK_QUEUE = 'clos.slack';

/** What Slack sent, decoded: a slash command, an interaction (buttons, modals) or an Events API callback. */
export type SlackRequest =
  | { kind: 'command'; body: Record<string, string> }
  | { kind: 'interaction'; body: Record<string, unknown> }
  | { kind: 'event'; body: Record<string, unknown> };

const header = (headers: Record<string, unknown>, name: string): string | null => {
  const v = headers[name];
  return typeof v === 'string' && v.length > 0 ? v : null;
};

/**
 * Slack sends commands and interactions form-encoded (an interaction as one `payload` field of
 * JSON) and events as JSON, all to the one request URL.
 */
export function parseSlackRequest(raw: Buffer, contentType: string | null): SlackRequest {
  const text = raw.toString('utf8');
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(text));
    if (typeof form.payload === 'string') {
      const payload: unknown = JSON.parse(form.payload);
      if (typeof payload !== 'object' || payload === null) throw new Error('payload must be a JSON object');
      return { kind: 'interaction', body: payload as Record<string, unknown> };
    }
    if (!form.command) throw new Error('a form body must carry a command or a payload');
    return { kind: 'command', body: form };
  }
  const body: unknown = JSON.parse(text);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Error('must be a JSON object');
  return { kind: 'event', body: body as Record<string, unknown> };
}

/**
 * The id a request is applied once by. Events carry `event_id` (and Slack retries them with the same
 * one); every command invocation and interaction carries a fresh `trigger_id`; a request with
 * neither is identified by its bytes.
 */
function deliveryIdOf(request: SlackRequest, raw: Buffer): string {
  const b = request.body as Record<string, unknown>;
  if (request.kind === 'event' && typeof b.event_id === 'string') return `event:${b.event_id}`;
  if (typeof b.trigger_id === 'string') return `${request.kind}:${b.trigger_id}`;
  return `${request.kind}:${createHash('sha256').update(raw).digest('hex')}`;
}

/**
 * `POST /api/v1/integrations/slack/events`, the one request URL for events, slash commands and
 * interactivity. The v0 signature over the raw body, with its five-minute timestamp window, is
 * checked by Bolt's `verifySlackRequest` before anything is parsed. A request is then recorded and
 * its work queued in one transaction, and Slack gets its 200 at once (it waits 3 s at most); the job
 * answers through `response_url` or the Web API. A retry of an event (`X-Slack-Retry-Num`, the same
 * `event_id`) is answered 200 and changes nothing.
 */
export function slackRoute(settings: SlackSettings): InboundRoute<{ request: SlackRequest; raw: Buffer }> {
  return {
    method: 'POST',
    path: '/events',
    verify(rawBody, headers) {
      const signature = header(headers, 'x-slack-signature');
      const timestamp = Number(header(headers, 'x-slack-request-timestamp'));
      if (!signature || !Number.isFinite(timestamp))
        return { ok: false, reason: 'X-Slack-Signature and X-Slack-Request-Timestamp are required' };
      try {
        verifySlackRequest({
          signingSecret: settings.signingSecret,
          body: rawBody.toString('utf8'),
          headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        });
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
    parse(rawBody, headers) {
      return { request: parseSlackRequest(rawBody, header(headers, 'content-type')), raw: rawBody };
    },
    async handle({ request, raw }, deps) {
      if (request.kind === 'event' && request.body.type === 'url_verification')
        return { status: 200, body: { challenge: request.body.challenge } };
      const retryNum = Number(header(deps.headers, 'x-slack-retry-num') ?? 0);
      const deliveryId = deliveryIdOf(request, raw);
      await deps.acceptDelivery(
        { id: deliveryId, event: request.kind },
        { queue: SLACK_QUEUE, data: { request, retryNum } },
      );
      // An empty 200 acknowledges a command, an action or an event without showing anything; the
      // job's answer follows within seconds.
      return { status: 200, body: '' };
    },
  };
}
