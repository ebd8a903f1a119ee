import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockProblems, viewProblems } from './slack/blocks.ts';
import { autoBlockId } from './slack/requests.ts';
import {
  channelJson,
  type FakeSlackChannel,
  type FakeSlackUser,
  SLACK_DEFAULTS,
  slackId,
  TRIGGER_ID,
  tsSource,
  userJson,
} from './slack/wire.ts';

export { blockProblems, viewProblems } from './slack/blocks.ts';
export * from './slack/requests.ts';
export { type FakeSlackChannel, type FakeSlackUser, SLACK_DEFAULTS } from './slack/wire.ts';

/**
 * A fake Slack Web API on 127.0.0.1 for tests. It speaks Slack's wire format — `POST <url>/<method>` with
 * a form or JSON body and a bearer token, HTTP 200 and `{ ok, error }` for every answer except a rate limit
 * (429 with `Retry-After`) — closely enough that `@slack/web-api`'s `WebClient`, given
 * `slackApiUrl: fake.url + '/'`, works against it unchanged. It keeps the workspace's state (messages per
 * channel with their edits, ephemerals, opened modals, users, channels), checks the token and its scopes
 * and refuses Block Kit that Slack would refuse, and records every call so a test can assert what the code
 * under test asked for. It also serves `response_url`s, as Slack does for commands and clicks.
 */

/** Every scope the CLOS app asks for in its manifest; a test narrows `scopes` to prove a call needs one. */
export const DEFAULT_BOT_SCOPES: readonly string[] = [
  'app_mentions:read',
  'channels:read',
  'chat:write',
  'chat:write.public',
  'commands',
  'groups:read',
  'im:read',
  'im:write',
  'users:read',
  'users:read.email',
];

export interface FakeSlackOptions {
  /** The bot tokens (`xoxb-…`) the fake accepts; any other answers `invalid_auth`. */
  tokens: readonly string[];
  /** The scopes the tokens hold; default `DEFAULT_BOT_SCOPES`. */
  scopes?: readonly string[];
  users?: readonly FakeSlackUser[];
  channels?: readonly FakeSlackChannel[];
  /**
   * When true, only channels given in `channels` or by `addChannel` exist (others: `channel_not_found`).
   * Default false: any channel id or name is a channel the bot is in, known from its first use.
   */
  strictChannels?: boolean;
  teamId?: string;
  teamDomain?: string;
  teamName?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** The fake's clock in ms (message `ts`, call times); default `Date.now`. */
  now?: () => number;
}

export interface SlackCall {
  /** The Web API method (`chat.postMessage`). */
  method: string;
  /**
   * The arguments as Slack read them: form fields are strings (`"true"`, `"123"`) except `blocks`,
   * `attachments`, `view` and `metadata`, which the SDK JSON-encodes and the fake decodes back.
   */
  args: Record<string, unknown>;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The token the call presented (header or form field), if any. */
  token: string | undefined;
  /** 200, or 429 for a rate limit. */
  status: number;
  response: Record<string, unknown>;
  at: number;
}

/** One state of a message: what it showed between two edits. */
export interface SlackMessageVersion {
  text: string;
  blocks: unknown[];
  attachments: unknown[];
  at: number;
  /** How this state was set: `chat.postMessage`, `chat.update` or `response_url`. */
  via: string;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts: string | undefined;
  /** The author: the bot's user id for messages the app posted. */
  user: string;
  text: string;
  blocks: unknown[];
  attachments: unknown[];
  metadata: unknown;
  deleted: boolean;
  /** Every state the message has had, oldest first; the last one is the current state. */
  history: SlackMessageVersion[];
  /** Edits after the first post (`history.length - 1`). */
  updates: number;
}

export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  thread_ts: string | undefined;
  text: string;
  blocks: unknown[];
  attachments: unknown[];
  /** Every state, oldest first (a `response_url` with `replace_original` edits an ephemeral too). */
  history: SlackMessageVersion[];
  at: number;
}

export interface OpenedView {
  /** The view as `views.open` returned it (with `id`, `hash`, `state`). */
  view: Record<string, unknown>;
  triggerId: string;
  at: number;
}

export interface ResponseUrlPost {
  id: string;
  /** The JSON the app posted (`text`, `blocks`, `response_type`, `replace_original`, …). */
  body: unknown;
  headers: Record<string, string>;
  /** 200, or Slack's refusal (400 `no_text`, 404 `used_url`). */
  status: number;
  answer: string;
  at: number;
}

/** What a `response_url` belongs to, so posts to it act as Slack's would on the workspace state. */
export interface ResponseUrlTarget {
  channel?: string;
  /** The user who typed the command or clicked: ephemeral answers go to them. */
  user?: string;
  /** The message the clicked button was in: `replace_original` / `delete_original` act on it. */
  messageTs?: string;
}

export interface SlackRateLimitOptions {
  /** The `Retry-After` header in seconds; default 1. */
  retryAfterSeconds?: number;
  /** Only calls to this method; default any. */
  method?: string;
}

export interface FakeSlack {
  url: string;
  close(): Promise<void>;
  /** Every Web API call, in arrival order (a live array). */
  readonly calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Calls to methods the fake does not serve: tests assert there are none. */
  unknownCalls(): SlackCall[];
  clearCalls(): void;

  addUser(user: FakeSlackUser): void;
  addChannel(channel: FakeSlackChannel): void;
  /** The channel an id, a name (`#pods-alpha` or `pods-alpha`) or a user id (its DM) resolves to. */
  channel(ref: string): FakeSlackChannel | undefined;
  /** Tokens revoked here answer `token_revoked`, as after an app is uninstalled. */
  revokeToken(token: string): void;

  /** Messages in their current state (edits applied), oldest first; by channel id, name or user id (DM). */
  messages(channel?: string): FakeSlackMessage[];
  message(channel: string, ts: string): FakeSlackMessage | undefined;
  ephemerals(channel?: string, user?: string): FakeSlackEphemeral[];
  viewsOpened(): OpenedView[];

  /** A response_url on this server (`<url>/response/<id>`), optionally tied to where it was issued. */
  responseUrl(id: string, target?: ResponseUrlTarget): string;
  responses(id?: string): ResponseUrlPost[];

  /** The next `count` matching calls answer HTTP 429 with `Retry-After` and `{ ok: false, error: 'ratelimited' }`. */
  rateLimitNext(count: number, options?: SlackRateLimitOptions): void;
  /** The next `count` matching calls answer `{ ok: false, error }` (e.g. `channel_not_found`, `fatal_error`). */
  failNext(count: number, error: string, method?: string): void;
}

interface StoredMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  user: string;
  metadata: unknown;
  deleted: boolean;
  history: SlackMessageVersion[];
}

interface StoredEphemeral {
  channel: string;
  user: string;
  messageTs: string;
  threadTs: string | undefined;
  history: SlackMessageVersion[];
  at: number;
}

interface Fault {
  remaining: number;
  method: string | undefined;
  reply: () => Reply;
}

interface Reply {
  status?: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

interface Ctx {
  args: Record<string, unknown>;
  scopes: ReadonlySet<string>;
}

interface MethodSpec {
  /** The scope the method needs, or one of several (`conversations.info` on a private channel needs groups:read). */
  scope?: (ctx: Ctx) => string | undefined;
  handle(ctx: Ctx): Reply;
}

/** Form fields the SDK sends as JSON text. */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'];

/** A response_url may be used five times within 30 minutes (Slack's documented limit). */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

const ok = (body: Record<string, unknown> = {}): Reply => ({ body: { ok: true, ...body } });
const fail = (error: string, extra: Record<string, unknown> = {}): Reply => ({
  body: { ok: false, error, ...extra },
});
/** Slack's `invalid_arguments`, with the reasons where its SDKs print them. */
const invalidArguments = (messages: readonly string[]): Reply =>
  fail('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

function validateStartOptions(options: FakeSlackOptions): void {
  if (!Array.isArray(options?.tokens) || options.tokens.length === 0)
    throw new Error('startFakeSlack: tokens must list at least one bot token');
  for (const [i, token] of options.tokens.entries())
    if (typeof token !== 'string' || token.length === 0)
      throw new Error(`startFakeSlack: tokens[${i}] must be a non-empty string`);
}

function checkUser(user: FakeSlackUser): void {
  if (!isObject(user) || typeof user.id !== 'string' || !/^[UW][A-Z0-9]+$/.test(user.id))
    throw new Error(`addUser: id must be a Slack user id (U… or W…), got ${JSON.stringify(user?.id)}`);
  if (user.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(user.email))
    throw new Error(`addUser: email must be an address, got ${JSON.stringify(user.email)}`);
}

function checkChannel(channel: FakeSlackChannel): void {
  if (!isObject(channel) || typeof channel.id !== 'string' || !/^[CGD][A-Z0-9]+$/.test(channel.id))
    throw new Error(
      `addChannel: id must be a Slack channel id (C…, G… or D…), got ${JSON.stringify(channel?.id)}`,
    );
  if (typeof channel.name !== 'string' || channel.name.length === 0)
    throw new Error('addChannel: name is required');
}

export async function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  validateStartOptions(options);
  const now = options.now ?? Date.now;
  const nextTs = tsSource(now);
  const team = {
    teamId: options.teamId ?? SLACK_DEFAULTS.teamId,
    domain: options.teamDomain ?? SLACK_DEFAULTS.teamDomain,
    name: options.teamName ?? SLACK_DEFAULTS.teamName,
  };
  const bot = {
    userId: options.botUserId ?? SLACK_DEFAULTS.botUserId,
    botId: options.botId ?? SLACK_DEFAULTS.botId,
    appId: options.appId ?? SLACK_DEFAULTS.appId,
  };
  const tokens = new Set(options.tokens);
  const revoked = new Set<string>();
  const scopes = new Set(options.scopes ?? DEFAULT_BOT_SCOPES);
  const strict = options.strictChannels ?? false;
  const startedAt = Math.floor(now() / 1000);

  const calls: SlackCall[] = [];
  const users = new Map<string, FakeSlackUser>();
  const channels = new Map<string, FakeSlackChannel>();
  const messages: StoredMessage[] = [];
  const ephemerals: StoredEphemeral[] = [];
  const views: OpenedView[] = [];
  const exchangedTriggers = new Set<string>();
  const responsePosts: ResponseUrlPost[] = [];
  const responseTargets = new Map<string, ResponseUrlTarget>();
  const responseFirstUse = new Map<string, number>();
  const faults: Fault[] = [];
  let viewCount = 0;
  let url = '';

  for (const user of options.users ?? []) {
    checkUser(user);
    users.set(user.id, { ...user });
  }
  for (const channel of options.channels ?? []) {
    checkChannel(channel);
    channels.set(channel.id, { ...channel });
  }

  /**
   * What Slack would take `ref` to mean: a channel id, a name with or without `#`, or a user id (the bot's
   * DM with that user, opened on first use).
   */
  function resolveChannel(ref: unknown, create = true): FakeSlackChannel | undefined {
    const text = str(ref);
    if (!text) return undefined;
    const name = text.replace(/^#/, '');
    const byId = channels.get(name);
    if (byId) return byId;
    for (const channel of channels.values()) if (channel.name === name && !channel.dmWith) return channel;
    if (/^[UW][A-Z0-9]+$/.test(name)) {
      if (!users.has(name)) return undefined;
      for (const channel of channels.values()) if (channel.dmWith === name) return channel;
      if (!create) return undefined;
      const dm: FakeSlackChannel = { id: slackId('D', name), name, dmWith: name, members: [name] };
      channels.set(dm.id, dm);
      return dm;
    }
    if (strict || !create) return undefined;
    const looksLikeId = /^[CG][A-Z0-9]{6,}$/.test(name);
    const channel: FakeSlackChannel = looksLikeId
      ? { id: name, name: name.toLowerCase() }
      : { id: slackId('C', name), name };
    channels.set(channel.id, channel);
    return channel;
  }

  function canPost(channel: FakeSlackChannel): Reply | undefined {
    if (channel.isArchived) return fail('is_archived');
    // chat:write.public lets a bot post in public channels it has not joined, as Slack allows.
    if (channel.isMember === false && (channel.isPrivate || !scopes.has('chat:write.public')))
      return fail('not_in_channel');
    return undefined;
  }

  /** The blocks as Slack stores them: every block gets a block_id (Slack makes one up when there is none). */
  function withBlockIds(blocks: unknown[], seed: string): unknown[] {
    return blocks.map((b, i) =>
      isObject(b) && b.block_id === undefined ? { ...b, block_id: autoBlockId(`${seed}:${i}`) } : b,
    );
  }

  /**
   * Reads `text`, `blocks` and `attachments` as Slack does for a message; `previous` keeps what an edit
   * leaves out (Slack retains blocks a `chat.update` omits; an empty array clears them).
   */
  function content(
    args: Record<string, unknown>,
    previous?: SlackMessageVersion,
  ): { text: string; blocks: unknown[]; attachments: unknown[] } | Reply {
    const { blocks, attachments } = args;
    if (typeof blocks === 'string') return fail('invalid_blocks_format');
    if (blocks !== undefined) {
      const problems = blockProblems(blocks, 50);
      if (problems.length > 0)
        return fail('invalid_blocks', {
          errors: problems,
          response_metadata: { messages: problems.map((m) => `[ERROR] ${m}`) },
        });
    }
    if (typeof attachments === 'string' || (attachments !== undefined && !Array.isArray(attachments)))
      return fail('invalid_attachments');
    if (Array.isArray(attachments) && attachments.length > 100) return fail('too_many_attachments');
    const text = args.text === undefined ? undefined : String(args.text);
    if (text !== undefined && text.length > 40_000) return fail('msg_too_long');
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
    if (!previous && !text && !hasBlocks && !hasAttachments) return fail('no_text');
    // An edit must say what changes.
    if (previous && args.text === undefined && blocks === undefined && attachments === undefined)
      return fail('no_text');
    return {
      text: text ?? previous?.text ?? '',
      blocks: (blocks as unknown[] | undefined) ?? previous?.blocks ?? [],
      attachments: (attachments as unknown[] | undefined) ?? previous?.attachments ?? [],
    };
  }

  function current(m: StoredMessage): SlackMessageVersion {
    return m.history[m.history.length - 1] as SlackMessageVersion;
  }

  function messageJson(m: StoredMessage): Record<string, unknown> {
    const state = current(m);
    const json: Record<string, unknown> = {
      type: 'message',
      user: m.user,
      text: state.text,
      ts: m.ts,
      team: team.teamId,
    };
    if (m.user === bot.userId) {
      json.bot_id = bot.botId;
      json.app_id = bot.appId;
      json.bot_profile = {
        id: bot.botId,
        app_id: bot.appId,
        name: SLACK_DEFAULTS.botName,
        team_id: team.teamId,
      };
    }
    if (state.blocks.length > 0) json.blocks = state.blocks;
    if (state.attachments.length > 0) json.attachments = state.attachments;
    if (m.threadTs) json.thread_ts = m.threadTs;
    if (m.history.length > 1) json.edited = { user: m.user, ts: `${Math.floor(state.at / 1000)}.000000` };
    if (m.metadata !== undefined) json.metadata = m.metadata;
    return json;
  }

  function findMessage(channel: string, ts: unknown): StoredMessage | undefined {
    return messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  function post(
    channel: FakeSlackChannel,
    state: { text: string; blocks: unknown[]; attachments: unknown[] },
    extra: { threadTs?: string; metadata?: unknown; via: string },
  ): StoredMessage {
    const ts = nextTs();
    const message: StoredMessage = {
      channel: channel.id,
      ts,
      threadTs: extra.threadTs,
      user: bot.userId,
      metadata: extra.metadata,
      deleted: false,
      history: [{ ...state, blocks: withBlockIds(state.blocks, ts), at: now(), via: extra.via }],
    };
    messages.push(message);
    return message;
  }

  function viewJson(view: Record<string, unknown>, id: string): Record<string, unknown> {
    return {
      id,
      team_id: team.teamId,
      type: view.type,
      blocks: withBlockIds(Array.isArray(view.blocks) ? view.blocks : [], id),
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      state: { values: {} },
      hash: `${Math.floor(now() / 1000)}.${id.slice(1, 9)}`,
      title: view.title,
      clear_on_close: view.clear_on_close ?? false,
      notify_on_close: view.notify_on_close ?? false,
      close: view.close ?? null,
      submit: view.submit ?? null,
      previous_view_id: null,
      root_view_id: id,
      app_id: bot.appId,
      external_id: view.external_id ?? '',
      app_installed_team_id: team.teamId,
      bot_id: bot.botId,
    };
  }

  function channelScope(ctx: Ctx): string {
    // Only looks: a call refused for its token or scope must not bring a channel into being.
    const channel = resolveChannel(ctx.args.channel, false);
    if (channel?.dmWith || /^D[A-Z0-9]+$/.test(str(ctx.args.channel) ?? '')) return 'im:read';
    return channel?.isPrivate ? 'groups:read' : 'channels:read';
  }

  const methods: Record<string, MethodSpec> = {
    'auth.test': {
      handle: () =>
        ok({
          url: `https://${team.domain}.slack.com/`,
          team: team.name,
          user: SLACK_DEFAULTS.botName,
          team_id: team.teamId,
          user_id: bot.userId,
          bot_id: bot.botId,
          is_enterprise_install: false,
        }),
    },
    'chat.postMessage': {
      scope: () => 'chat:write',
      handle: ({ args }) => {
        const channel = resolveChannel(args.channel);
        if (!channel) return fail('channel_not_found');
        const refused = canPost(channel);
        if (refused) return refused;
        const state = content(args);
        if ('body' in state) return state;
        const message = post(channel, state, {
          threadTs: str(args.thread_ts),
          metadata: args.metadata,
          via: 'chat.postMessage',
        });
        return ok({ channel: channel.id, ts: message.ts, message: messageJson(message) });
      },
    },
    'chat.postEphemeral': {
      scope: () => 'chat:write',
      handle: ({ args }) => {
        const channel = resolveChannel(args.channel);
        if (!channel) return fail('channel_not_found');
        const userId = str(args.user);
        if (!userId) return invalidArguments(['missing required field: user']);
        if (!users.has(userId)) return fail('user_not_found');
        if (channel.members && !channel.members.includes(userId)) return fail('user_not_in_channel');
        const refused = canPost(channel);
        if (refused) return refused;
        const state = content(args);
        if ('body' in state) return state;
        const ts = nextTs();
        ephemerals.push({
          channel: channel.id,
          user: userId,
          messageTs: ts,
          threadTs: str(args.thread_ts),
          history: [
            { ...state, blocks: withBlockIds(state.blocks, ts), at: now(), via: 'chat.postEphemeral' },
          ],
          at: now(),
        });
        return ok({ message_ts: ts });
      },
    },
    'chat.update': {
      scope: () => 'chat:write',
      handle: ({ args }) => {
        const channel = resolveChannel(args.channel);
        if (!channel) return fail('channel_not_found');
        const ts = str(args.ts);
        if (!ts) return invalidArguments(['missing required field: ts']);
        const message = findMessage(channel.id, ts);
        if (!message) return fail('message_not_found');
        if (message.user !== bot.userId) return fail('cant_update_message');
        const state = content(args, current(message));
        if ('body' in state) return state;
        message.history.push({
          ...state,
          blocks: withBlockIds(state.blocks, `${ts}:${message.history.length}`),
          at: now(),
          via: 'chat.update',
        });
        const json = messageJson(message);
        return ok({ channel: channel.id, ts, text: current(message).text, message: json });
      },
    },
    'chat.getPermalink': {
      handle: ({ args }) => {
        const channel = resolveChannel(args.channel);
        if (!channel) return fail('channel_not_found');
        const message = findMessage(channel.id, str(args.message_ts));
        if (!message) return fail('message_not_found');
        const base = `https://${team.domain}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}`;
        const permalink = message.threadTs ? `${base}?thread_ts=${message.threadTs}&cid=${channel.id}` : base;
        return ok({ channel: channel.id, permalink });
      },
    },
    'views.open': {
      handle: ({ args }) => {
        const triggerId = str(args.trigger_id);
        if (!triggerId) return invalidArguments(['missing required field: trigger_id']);
        if (!TRIGGER_ID.test(triggerId)) return fail('invalid_trigger_id');
        // A trigger opens one modal: Slack refuses to exchange it twice.
        if (exchangedTriggers.has(triggerId)) return fail('exchanged_trigger_id');
        if (args.view === undefined) return invalidArguments(['missing required field: view']);
        if (typeof args.view === 'string')
          return invalidArguments(['failed to match all allowed schemas [json-pointer:/view]']);
        const problems = viewProblems(args.view);
        if (problems.length > 0) return invalidArguments(problems);
        exchangedTriggers.add(triggerId);
        viewCount += 1;
        const view = viewJson(
          args.view as Record<string, unknown>,
          slackId('V', `${startedAt}:${viewCount}`),
        );
        views.push({ view, triggerId, at: now() });
        return ok({ view });
      },
    },
    'users.info': {
      scope: () => 'users:read',
      handle: ({ args, scopes: held }) => {
        const user = users.get(str(args.user) ?? '');
        if (!user) return fail('user_not_found');
        return ok({
          user: userJson(user, team, { withEmail: held.has('users:read.email'), updated: startedAt }),
        });
      },
    },
    'users.lookupByEmail': {
      scope: () => 'users:read.email',
      handle: ({ args }) => {
        const email = str(args.email)?.toLowerCase();
        const user = [...users.values()].find((u) => email !== undefined && u.email?.toLowerCase() === email);
        // Slack's spelling for this method is plural.
        if (!user) return fail('users_not_found');
        return ok({ user: userJson(user, team, { withEmail: true, updated: startedAt }) });
      },
    },
    'conversations.info': {
      scope: channelScope,
      handle: ({ args }) => {
        const channel = resolveChannel(args.channel);
        if (!channel) return fail('channel_not_found');
        return ok({ channel: channelJson(channel, { created: startedAt, creator: bot.userId }) });
      },
    },
  };

  function tokenOf(
    headers: Record<string, string>,
    args: Record<string, unknown>,
    json: boolean,
  ): string | undefined {
    const m = /^bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
    if (m?.[1]) return m[1];
    // Slack reads a token from a form field, never from a JSON body.
    return json ? undefined : str(args.token);
  }

  function parseArgs(
    text: string,
    contentType: string,
    query: URLSearchParams,
  ): { args: Record<string, unknown>; json: boolean; error?: string } {
    const args: Record<string, unknown> = Object.fromEntries(query);
    const json = /^application\/json/i.test(contentType);
    if (json) {
      if (text.length === 0) return { args, json };
      try {
        const parsed = JSON.parse(text) as unknown;
        if (!isObject(parsed)) return { args, json, error: 'invalid_json' };
        Object.assign(args, parsed);
      } catch {
        return { args, json, error: 'invalid_json' };
      }
    } else if (/^multipart\//i.test(contentType)) {
      return { args, json, error: 'invalid_form_data' };
    } else {
      Object.assign(args, Object.fromEntries(new URLSearchParams(text)));
    }
    for (const field of JSON_FIELDS) {
      const value = args[field];
      if (typeof value !== 'string') continue;
      try {
        args[field] = JSON.parse(value);
      } catch {
        // Left as text: the method answers with its own format error (invalid_blocks_format, …).
      }
    }
    return { args, json };
  }

  function callMethod(method: string, ctx: Ctx, token: string | undefined): Reply {
    const spec = methods[method];
    if (!spec) return fail('unknown_method', { req_method: method });
    if (!token) return fail('not_authed');
    if (revoked.has(token)) return fail('token_revoked');
    if (!tokens.has(token)) return fail('invalid_auth');
    const needed = spec.scope?.(ctx);
    if (needed && !ctx.scopes.has(needed))
      return fail('missing_scope', { needed, provided: [...ctx.scopes].join(',') });
    return spec.handle(ctx);
  }

  function respondTo(id: string, body: unknown): { status: number; answer: string } {
    const at = now();
    const first = responseFirstUse.get(id) ?? at;
    responseFirstUse.set(id, first);
    if (at - first > RESPONSE_URL_TTL_MS) return { status: 404, answer: 'expired_url' };
    const used = responsePosts.filter((p) => p.id === id && p.status === 200).length;
    if (used >= RESPONSE_URL_USES) return { status: 404, answer: 'used_url' };
    if (!isObject(body)) return { status: 400, answer: 'invalid_payload' };
    const target = responseTargets.get(id) ?? {};
    const blocks = typeof body.blocks === 'string' ? safeJson(body.blocks) : body.blocks;
    if (blocks !== undefined && blockProblems(blocks, 50).length > 0)
      return { status: 400, answer: 'invalid_blocks' };
    const state = {
      text: body.text === undefined ? '' : String(body.text),
      blocks: Array.isArray(blocks) ? blocks : [],
      attachments: Array.isArray(body.attachments) ? body.attachments : [],
    };

    if (truthy(body.delete_original)) {
      const original =
        target.channel && target.messageTs ? findMessage(target.channel, target.messageTs) : undefined;
      if (original) original.deleted = true;
      return { status: 200, answer: 'ok' };
    }
    if (!state.text && state.blocks.length === 0 && state.attachments.length === 0)
      return { status: 400, answer: 'no_text' };
    const channel = target.channel ? resolveChannel(target.channel) : undefined;
    if (truthy(body.replace_original) && channel && target.messageTs) {
      const original = findMessage(channel.id, target.messageTs);
      const version = { ...state, at, via: 'response_url' };
      if (original) {
        version.blocks = withBlockIds(state.blocks, `${original.ts}:${original.history.length}`);
        original.history.push(version);
        return { status: 200, answer: 'ok' };
      }
      const ephemeral = ephemerals.find((e) => e.channel === channel.id && e.messageTs === target.messageTs);
      if (ephemeral) {
        ephemeral.history.push(version);
        return { status: 200, answer: 'ok' };
      }
    }
    if (channel && body.response_type === 'in_channel') {
      post(channel, state, { threadTs: str(body.thread_ts), via: 'response_url' });
    } else if (channel && target.user) {
      const ts = nextTs();
      ephemerals.push({
        channel: channel.id,
        user: target.user,
        messageTs: ts,
        threadTs: str(body.thread_ts),
        history: [{ ...state, blocks: withBlockIds(state.blocks, ts), at, via: 'response_url' }],
        at,
      });
    }
    return { status: 200, answer: 'ok' };
  }

  const server = createServer(async (req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const text = await readBody(req);
    const contentType = headers['content-type'] ?? '';

    const response = /^\/response\/([^/]+)\/?$/.exec(parsed.pathname);
    if (response?.[1]) {
      const id = decodeURIComponent(response[1]);
      let body: unknown;
      if (/^application\/json/i.test(contentType) || /^\s*[{[]/.test(text)) {
        body = safeJson(text);
      } else {
        const payload = new URLSearchParams(text).get('payload');
        body = payload === null ? text : safeJson(payload);
      }
      const result =
        req.method === 'POST' ? respondTo(id, body) : { status: 405, answer: 'method_not_allowed' };
      responsePosts.push({ id, body, headers, status: result.status, answer: result.answer, at: now() });
      res.writeHead(result.status, { 'content-type': 'text/html' });
      res.end(result.answer);
      return;
    }

    const methodMatch = /^\/(?:api\/)?([^/]+)\/?$/.exec(parsed.pathname);
    const method = methodMatch?.[1] ? decodeURIComponent(methodMatch[1]) : parsed.pathname;
    const { args, json, error } = parseArgs(text, contentType, parsed.searchParams);
    const token = tokenOf(headers, args, json);

    let reply: Reply;
    const fault = faults.find((f) => f.remaining > 0 && (f.method === undefined || f.method === method));
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining === 0) faults.splice(faults.indexOf(fault), 1);
      reply = fault.reply();
    } else if (!methodMatch) {
      reply = { status: 404, body: { ok: false, error: 'unknown_method', req_method: method } };
    } else if (error) {
      reply = fail(error);
    } else {
      reply = callMethod(method, { args, scopes }, token);
    }

    const status = reply.status ?? 200;
    calls.push({ method, args, headers, token, status, response: reply.body, at: now() });
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-oauth-scopes': [...scopes].join(','),
      'x-accepted-oauth-scopes': methods[method]?.scope?.({ args, scopes }) ?? '',
      'x-slack-req-id': slackId('', `${calls.length}`).toLowerCase(),
      ...reply.headers,
    });
    res.end(JSON.stringify(reply.body));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function toMessage(m: StoredMessage): FakeSlackMessage {
    const state = current(m);
    return {
      channel: m.channel,
      ts: m.ts,
      thread_ts: m.threadTs,
      user: m.user,
      text: state.text,
      blocks: state.blocks,
      attachments: state.attachments,
      metadata: m.metadata,
      deleted: m.deleted,
      history: m.history.map((v) => ({ ...v })),
      updates: m.history.length - 1,
    };
  }

  /** A channel filter given as id, name or user id; nothing matches a channel the fake never saw. */
  function channelFilter(ref: string | undefined): ((id: string) => boolean) | undefined {
    if (ref === undefined) return undefined;
    const name = ref.replace(/^#/, '');
    const known =
      channels.get(name) ??
      [...channels.values()].find((c) => (c.name === name && !c.dmWith) || c.dmWith === name);
    const id = known?.id ?? name;
    return (candidate) => candidate === id;
  }

  return {
    url,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
    callsTo: (method) => calls.filter((c) => c.method === method),
    unknownCalls: () => calls.filter((c) => c.response.error === 'unknown_method'),
    clearCalls: () => {
      calls.length = 0;
    },

    addUser(user) {
      checkUser(user);
      users.set(user.id, { ...user });
    },
    addChannel(channel) {
      checkChannel(channel);
      channels.set(channel.id, { ...channel });
    },
    channel: (ref) => {
      const filter = channelFilter(ref);
      return [...channels.values()].find((c) => filter?.(c.id));
    },
    revokeToken(token) {
      revoked.add(token);
    },

    messages(channel) {
      const filter = channelFilter(channel);
      return messages.filter((m) => !m.deleted && (!filter || filter(m.channel))).map(toMessage);
    },
    message(channel, ts) {
      const filter = channelFilter(channel);
      const found = messages.find((m) => filter?.(m.channel) && m.ts === ts);
      return found ? toMessage(found) : undefined;
    },
    ephemerals(channel, user) {
      const filter = channelFilter(channel);
      return ephemerals
        .filter((e) => (!filter || filter(e.channel)) && (user === undefined || e.user === user))
        .map((e) => {
          const state = e.history[e.history.length - 1] as SlackMessageVersion;
          return {
            channel: e.channel,
            user: e.user,
            message_ts: e.messageTs,
            thread_ts: e.threadTs,
            text: state.text,
            blocks: state.blocks,
            attachments: state.attachments,
            history: e.history.map((v) => ({ ...v })),
            at: e.at,
          };
        });
    },
    viewsOpened: () => views.map((v) => ({ ...v })),

    responseUrl(id, target) {
      if (typeof id !== 'string' || id.length === 0) throw new Error('responseUrl: id is required');
      if (target) responseTargets.set(id, { ...target });
      return `${url}/response/${encodeURIComponent(id)}`;
    },
    responses: (id) => responsePosts.filter((p) => id === undefined || p.id === id).map((p) => ({ ...p })),

    rateLimitNext(count, limit = {}) {
      if (!Number.isInteger(count) || count < 1)
        throw new Error('rateLimitNext: count must be a positive integer');
      const retryAfter = limit.retryAfterSeconds ?? 1;
      if (!Number.isInteger(retryAfter) || retryAfter < 0)
        throw new Error('rateLimitNext: retryAfterSeconds must be whole seconds (Slack sends an integer)');
      faults.push({
        remaining: count,
        method: limit.method,
        reply: () => ({
          status: 429,
          body: { ok: false, error: 'ratelimited' },
          headers: { 'retry-after': String(retryAfter) },
        }),
      });
    },
    failNext(count, error, method) {
      if (!Number.isInteger(count) || count < 1)
        throw new Error('failNext: count must be a positive integer');
      if (typeof error !== 'string' || error.length === 0) throw new Error('failNext: error is required');
      faults.push({ remaining: count, method, reply: () => fail(error) });
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
