import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SLACK_DEFAULTS, slackId, triggerIdFor } from './wire.ts';

/**
 * The requests Slack sends to an app's one request URL — slash commands, interactivity (button clicks,
 * modal submissions) and Events API callbacks — with the body bytes Slack sends and Slack's v0 signature
 * over them. The signing is done here with node:crypto HMAC rather than through Bolt, because these
 * builders play Slack: checking them against Bolt's verifier (in the tests) then proves both sides agree.
 */

export interface SignOptions {
  /** `X-Slack-Request-Timestamp` in seconds; default now. Set it over five minutes back for a stale request. */
  timestamp?: number;
  /** `X-Slack-Retry-Num`: Slack's retry counter (1, 2, 3) when it redelivers an event. */
  retryNum?: number;
  /** `X-Slack-Retry-Reason`, e.g. `http_timeout` or `http_error`. */
  retryReason?: string;
}

export interface SignedSlackRequest {
  /** The raw body: send these bytes unchanged, the signature covers them. */
  body: string;
  /** Lower-case header names, as Slack sends them. */
  headers: Record<string, string>;
  /** The signed timestamp in seconds. */
  timestamp: number;
}

/** Slack's v0 signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the signing secret. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Headers for any body, signed as Slack signs; the builders below all go through this. */
export function signSlackRequest(
  secret: string,
  body: string,
  contentType: 'application/x-www-form-urlencoded' | 'application/json',
  options: SignOptions = {},
): SignedSlackRequest {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new Error('signing secret: must be a non-empty string');
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isInteger(timestamp)) throw new Error(`timestamp: must be whole seconds, got ${timestamp}`);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    accept: '*/*',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    if (!Number.isInteger(options.retryNum) || options.retryNum < 1)
      throw new Error(`retryNum: must be a positive integer, got ${options.retryNum}`);
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  } else if (options.retryReason !== undefined) {
    throw new Error('retryReason: needs retryNum');
  }
  return { body, headers, timestamp };
}

/** Who and where, shared by every payload. */
export interface SlackActorContext {
  userId: string;
  /** `user_name` / `user.username`; default the id in lower case. */
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  appId?: string;
}

function required(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new Error(`${field}: required`);
  return value;
}

function httpUrl(value: unknown, field: string): string {
  const text = required(value, field);
  if (!/^https?:\/\//.test(text)) throw new Error(`${field}: must be an http(s) URL, got "${text}"`);
  return text;
}

export interface SlashCommandInput extends SlackActorContext {
  /** The command as typed, with its slash: `/clos`. */
  command: string;
  /** Everything after the command; default empty. */
  text?: string;
  channelId?: string;
  channelName?: string;
  /** Where the app may answer later; use a fake's `responseUrl(id)` so nothing goes to the internet. */
  responseUrl: string;
  triggerId?: string;
}

/** A slash command as Slack posts it: a form body with Slack's fields in Slack's order. */
export function slashCommandRequest(
  secret: string,
  input: SlashCommandInput,
  options: SignOptions = {},
): SignedSlackRequest {
  const command = required(input.command, 'command');
  if (!/^\/[\w.-]+$/.test(command)) throw new Error(`command: must be a slash and a name, got "${command}"`);
  const userId = required(input.userId, 'userId');
  const form = new URLSearchParams([
    ['token', SLACK_DEFAULTS.verificationToken],
    ['team_id', input.teamId ?? SLACK_DEFAULTS.teamId],
    ['team_domain', input.teamDomain ?? SLACK_DEFAULTS.teamDomain],
    ['channel_id', input.channelId ?? 'C0GENERAL1'],
    ['channel_name', input.channelName ?? 'general'],
    ['user_id', userId],
    ['user_name', input.userName ?? userId.toLowerCase()],
    ['command', command],
    ['text', input.text ?? ''],
    ['api_app_id', input.appId ?? SLACK_DEFAULTS.appId],
    ['is_enterprise_install', 'false'],
    ['response_url', httpUrl(input.responseUrl, 'responseUrl')],
    ['trigger_id', input.triggerId ?? newTriggerId()],
  ]);
  return signSlackRequest(secret, form.toString(), 'application/x-www-form-urlencoded', options);
}

/** An interactivity request: the payload as JSON in the `payload` field of a form body. */
export function interactionRequest(
  secret: string,
  payload: Record<string, unknown>,
  options: SignOptions = {},
): SignedSlackRequest {
  if (typeof payload !== 'object' || payload === null || typeof payload.type !== 'string')
    throw new Error('payload: must be an object with a string type (block_actions, view_submission, …)');
  const form = new URLSearchParams([['payload', JSON.stringify(payload)]]);
  return signSlackRequest(secret, form.toString(), 'application/x-www-form-urlencoded', options);
}

export function newTriggerId(): string {
  return triggerIdFor(randomBytes(8).toString('hex'));
}

/** An action timestamp (`"1712345678.123456"`), as Slack stamps clicks. */
function actionTs(): string {
  const micros = Date.now() * 1000 + Math.floor(Math.random() * 1000);
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function userObject(ctx: SlackActorContext) {
  const userId = required(ctx.userId, 'userId');
  const name = ctx.userName ?? userId.toLowerCase();
  return { id: userId, username: name, name, team_id: ctx.teamId ?? SLACK_DEFAULTS.teamId };
}

function teamObject(ctx: SlackActorContext) {
  return { id: ctx.teamId ?? SLACK_DEFAULTS.teamId, domain: ctx.teamDomain ?? SLACK_DEFAULTS.teamDomain };
}

export interface ClickedAction {
  actionId: string;
  /** Default: a block id Slack would have assigned. */
  blockId?: string;
  value?: string;
  /** The button's label. */
  text?: string;
  /** Default `button`. */
  type?: string;
}

/** A message as the app posted it: the fake's `messages()` entries fit. */
export interface PostedMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: readonly unknown[];
  thread_ts?: string;
}

export interface BlockActionsInput extends SlackActorContext {
  actions: readonly ClickedAction[];
  channelId: string;
  channelName?: string;
  /** The message carrying the buttons; for an ephemeral message give `messageTs` and `isEphemeral`. */
  message?: PostedMessage;
  messageTs?: string;
  isEphemeral?: boolean;
  responseUrl: string;
  triggerId?: string;
}

/** A `block_actions` payload: someone clicked a button (or picked a menu item) in a message. */
export function blockActionsPayload(input: BlockActionsInput): Record<string, unknown> {
  const channelId = required(input.channelId, 'channelId');
  const messageTs = input.message?.ts ?? required(input.messageTs, 'messageTs');
  if (!Array.isArray(input.actions) || input.actions.length === 0) throw new Error('actions: at least one');
  const stamp = actionTs();
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: userObject(input),
    api_app_id: input.appId ?? SLACK_DEFAULTS.appId,
    token: SLACK_DEFAULTS.verificationToken,
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: channelId,
      is_ephemeral: input.isEphemeral ?? false,
    },
    trigger_id: input.triggerId ?? newTriggerId(),
    team: teamObject(input),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: input.channelName ?? channelId.toLowerCase() },
    state: { values: {} },
    response_url: httpUrl(input.responseUrl, 'responseUrl'),
    actions: input.actions.map((a, i) => {
      const actionId = required(a.actionId, `actions[${i}].actionId`);
      const action: Record<string, unknown> = {
        action_id: actionId,
        block_id: a.blockId ?? autoBlockId(actionId),
        type: a.type ?? 'button',
        action_ts: stamp,
      };
      if (a.text !== undefined) action.text = { type: 'plain_text', text: a.text, emoji: true };
      if (a.value !== undefined) action.value = a.value;
      return action;
    }),
  };
  // Slack leaves the message out of clicks on ephemeral messages: the app never had their content.
  if (input.message && !input.isEphemeral) {
    payload.message = {
      type: 'message',
      subtype: 'bot_message',
      user: SLACK_DEFAULTS.botUserId,
      bot_id: SLACK_DEFAULTS.botId,
      app_id: input.appId ?? SLACK_DEFAULTS.appId,
      team: input.teamId ?? SLACK_DEFAULTS.teamId,
      ts: input.message.ts,
      text: input.message.text ?? '',
      blocks: input.message.blocks ?? [],
      ...(input.message.thread_ts ? { thread_ts: input.message.thread_ts } : {}),
    };
  }
  return payload;
}

/** The block id Slack gives a block that has none (a short random-looking string; stable here). */
export function autoBlockId(seed: string): string {
  return createHash('sha1').update(`block:${seed}`).digest('base64url').slice(0, 5);
}

interface FoundButton {
  blockId: string;
  element: Record<string, unknown>;
}

function findButtons(blocks: readonly unknown[]): FoundButton[] {
  const found: FoundButton[] = [];
  blocks.forEach((block, i) => {
    if (typeof block !== 'object' || block === null) return;
    const b = block as Record<string, unknown>;
    const blockId = typeof b.block_id === 'string' ? b.block_id : autoBlockId(String(i));
    const elements = Array.isArray(b.elements) ? b.elements : [];
    for (const e of [...elements, b.accessory]) {
      if (typeof e === 'object' && e !== null && typeof (e as { action_id?: unknown }).action_id === 'string')
        found.push({ blockId, element: e as Record<string, unknown> });
    }
  });
  return found;
}

export interface ButtonClickInput extends SlackActorContext {
  responseUrl: string;
  triggerId?: string;
  channelName?: string;
}

/**
 * A click on the button with `actionId` in a message the app posted: block id, value and label come from
 * the message's own blocks, so a test clicks what a user would see. Throws when the message has no such
 * button, naming the ones it has.
 */
export function buttonClickPayload(
  message: PostedMessage,
  actionId: string,
  input: ButtonClickInput,
): Record<string, unknown> {
  const buttons = findButtons(message.blocks ?? []);
  const hit = buttons.find((b) => b.element.action_id === actionId);
  if (!hit) {
    const names = buttons.map((b) => String(b.element.action_id)).join(', ') || 'none';
    throw new Error(`actionId: no element "${actionId}" in message ${message.ts} (it has: ${names})`);
  }
  const text = hit.element.text as { text?: unknown } | undefined;
  return blockActionsPayload({
    ...input,
    channelId: message.channel,
    message,
    actions: [
      {
        actionId,
        blockId: hit.blockId,
        type: String(hit.element.type),
        ...(typeof hit.element.value === 'string' ? { value: hit.element.value } : {}),
        ...(typeof text?.text === 'string' ? { text: text.text } : {}),
      },
    ],
  });
}

/** An input's state in `view.state.values`: a string is a plain_text_input's value. */
export type ViewInputValue = string | { type: string; [field: string]: unknown };

export interface ViewSubmissionInput extends SlackActorContext {
  /** The view as `views.open` returned it (the fake's `viewsOpened()[n].view`); its blocks are checked against `values`. */
  view?: Record<string, unknown>;
  callbackId?: string;
  privateMetadata?: string;
  /** `{ [blockId]: { [actionId]: value } }`, as the user filled the inputs in. */
  values: Record<string, Record<string, ViewInputValue>>;
  triggerId?: string;
}

/** A `view_submission` payload: someone pressed Submit on a modal the app opened. */
export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const view = input.view ?? {};
  const callbackId =
    input.callbackId ?? (typeof view.callback_id === 'string' ? view.callback_id : undefined);
  if (callbackId === undefined) throw new Error('callbackId: required (or a view with callback_id)');
  const values: Record<string, Record<string, unknown>> = {};
  const inputs = Array.isArray(view.blocks)
    ? (view.blocks as Array<Record<string, unknown>>).filter((b) => b?.type === 'input')
    : undefined;
  for (const [blockId, byAction] of Object.entries(input.values ?? {})) {
    values[blockId] = {};
    for (const [actionId, value] of Object.entries(byAction)) {
      // A value for an input the modal does not have is a mistake in the test, not a payload Slack sends.
      if (
        inputs &&
        !inputs.some(
          (b) => b.block_id === blockId && (b.element as { action_id?: unknown })?.action_id === actionId,
        )
      ) {
        throw new Error(
          `values.${blockId}.${actionId}: the view has no input block "${blockId}" with that action_id`,
        );
      }
      const slot = values[blockId] as Record<string, unknown>;
      slot[actionId] = typeof value === 'string' ? { type: 'plain_text_input', value } : value;
    }
  }
  const viewId = typeof view.id === 'string' ? view.id : slackId('V', callbackId);
  const teamId = input.teamId ?? SLACK_DEFAULTS.teamId;
  return {
    type: 'view_submission',
    team: teamObject(input),
    user: userObject(input),
    api_app_id: input.appId ?? SLACK_DEFAULTS.appId,
    token: SLACK_DEFAULTS.verificationToken,
    trigger_id: input.triggerId ?? newTriggerId(),
    view: {
      type: 'modal',
      blocks: [],
      title: { type: 'plain_text', text: 'CLOS' },
      clear_on_close: false,
      notify_on_close: false,
      external_id: '',
      previous_view_id: null,
      root_view_id: viewId,
      app_id: input.appId ?? SLACK_DEFAULTS.appId,
      app_installed_team_id: teamId,
      bot_id: SLACK_DEFAULTS.botId,
      team_id: teamId,
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      ...view,
      id: viewId,
      callback_id: callbackId,
      private_metadata:
        input.privateMetadata ?? (typeof view.private_metadata === 'string' ? view.private_metadata : ''),
      state: { values },
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface EventRequestOptions extends SignOptions {
  /** `event_id`; Slack repeats it on retries. Default a fresh `Ev…`. */
  eventId?: string;
  /** `event_time` in seconds; default the request timestamp. */
  eventTime?: number;
  teamId?: string;
  appId?: string;
}

/** An Events API callback: a JSON body wrapping `event`, signed. */
export function eventRequest(
  secret: string,
  event: Record<string, unknown>,
  options: EventRequestOptions = {},
): SignedSlackRequest {
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string')
    throw new Error('event: must be an object with a string type (app_mention, message, …)');
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const teamId = options.teamId ?? SLACK_DEFAULTS.teamId;
  const body = JSON.stringify({
    token: SLACK_DEFAULTS.verificationToken,
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: options.appId ?? SLACK_DEFAULTS.appId,
    event,
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${slackId('', randomBytes(8).toString('hex'))}`,
    event_time: options.eventTime ?? timestamp,
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: SLACK_DEFAULTS.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(12).toString('base64url')}`,
  });
  return signSlackRequest(secret, body, 'application/json', { ...options, timestamp });
}

/** The challenge Slack sends once when the request URL is saved in the app's settings. */
export function urlVerificationRequest(
  secret: string,
  challenge: string,
  options: SignOptions = {},
): SignedSlackRequest {
  const body = JSON.stringify({
    token: SLACK_DEFAULTS.verificationToken,
    challenge: required(challenge, 'challenge'),
    type: 'url_verification',
  });
  return signSlackRequest(secret, body, 'application/json', options);
}

export interface AppMentionInput {
  userId: string;
  /** What the user typed; the bot's `<@U…>` mention is put in front when the text lacks it, as Slack always has it. */
  text: string;
  channelId: string;
  /** The mention's own ts; default now. */
  ts?: string;
  /** Set when the mention was posted in a thread. */
  threadTs?: string;
  botUserId?: string;
  teamId?: string;
}

/** An `app_mention` event (`@clos wip`), to wrap in `eventRequest`. */
export function appMentionEvent(input: AppMentionInput): Record<string, unknown> {
  const bot = input.botUserId ?? SLACK_DEFAULTS.botUserId;
  const text = required(input.text, 'text');
  const ts = input.ts ?? actionTs();
  return {
    type: 'app_mention',
    user: required(input.userId, 'userId'),
    text: text.includes(`<@${bot}>`) ? text : `<@${bot}> ${text}`,
    ts,
    client_msg_id: randomBytes(16)
      .toString('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
    team: input.teamId ?? SLACK_DEFAULTS.teamId,
    channel: required(input.channelId, 'channelId'),
    event_ts: ts,
    ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
  };
}
