import { createHash } from 'node:crypto';

/**
 * Slack's objects as the Web API writes them (field names, nesting, IDs that look like Slack's), with only
 * the fields a consumer reads filled from the test's input. The fake Web API and the request builders share
 * the workspace defaults, so a slash command's `team_id` is the team `auth.test` reports.
 */

/** The workspace and app every builder and the fake default to. */
export const SLACK_DEFAULTS = {
  teamId: 'T0CLOSTEAM',
  teamDomain: 'clos-test',
  teamName: 'CLOS Test',
  appId: 'A0CLOSAPP1',
  botUserId: 'U0CLOSBOT1',
  botId: 'B0CLOSBOT1',
  botName: 'clos',
  /** The deprecated verification token Slack still puts in every request body. */
  verificationToken: 'clos-verification-token',
} as const;

/** A user registered with the fake (`addUser`), as `users.info` and `users.lookupByEmail` report them. */
export interface FakeSlackUser {
  id: string;
  email?: string;
  /** The handle (`user.name`); default: the part of the email before `@`, else the id in lower case. */
  name?: string;
  realName?: string;
  deleted?: boolean;
  isBot?: boolean;
  isAdmin?: boolean;
  /** IANA zone; default `UTC`. */
  tz?: string;
}

/** A channel the fake knows (`addChannel`, or first used by name or id when channels are not strict). */
export interface FakeSlackChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  isArchived?: boolean;
  /** Whether the bot is in the channel; `chat.postMessage` answers `not_in_channel` when false. Default true. */
  isMember?: boolean;
  /** User ids in the channel; when set, `chat.postEphemeral` to anyone else answers `user_not_in_channel`. */
  members?: readonly string[];
  /** A direct message with this user (`D…` channels opened by posting to a user id). */
  dmWith?: string;
}

/** Slack's IDs are upper-case letters and digits after a type letter (`C`, `U`, `V`, `D`). */
export function slackId(prefix: string, seed: string): string {
  const digest = createHash('sha1').update(`${prefix}:${seed}`).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = prefix;
  for (let i = 0; i < 10; i++) out += alphabet[(digest[i] ?? 0) % alphabet.length];
  return out;
}

/** A message `ts` (`"1712345678.000100"`): seconds and microseconds, unique per fake, increasing. */
export function tsSource(now: () => number): () => string {
  let last = 0;
  return () => {
    last = Math.max(now() * 1000, last + 1);
    const micros = String(last % 1_000_000).padStart(6, '0');
    return `${Math.floor(last / 1_000_000)}.${micros}`;
  };
}

/** A trigger id in Slack's shape (`13345224609.738474920.8088930838d88f008e0`). */
export function triggerIdFor(seed: string): string {
  const hex = createHash('sha1').update(`trigger:${seed}`).digest('hex');
  return `${Number.parseInt(hex.slice(0, 10), 16)}.${Number.parseInt(hex.slice(10, 18), 16)}.${hex.slice(18, 39)}`;
}

export const TRIGGER_ID = /^\d+\.\d+\.[0-9a-f]+$/;

export function userHandle(user: FakeSlackUser): string {
  return user.name ?? user.email?.split('@')[0] ?? user.id.toLowerCase();
}

export function userJson(
  user: FakeSlackUser,
  team: { teamId: string },
  opts: { withEmail: boolean; updated: number },
) {
  const name = userHandle(user);
  const realName = user.realName ?? name;
  const profile: Record<string, unknown> = {
    real_name: realName,
    real_name_normalized: realName,
    display_name: name,
    display_name_normalized: name,
    status_text: '',
    status_emoji: '',
    avatar_hash: createHash('sha1').update(user.id).digest('hex').slice(0, 12),
    image_48: `https://avatars.slack-edge.com/${user.id}_48.png`,
    team: team.teamId,
  };
  // Slack leaves the email out unless the token holds users:read.email.
  if (opts.withEmail && user.email !== undefined) profile.email = user.email;
  return {
    id: user.id,
    team_id: team.teamId,
    name,
    deleted: user.deleted ?? false,
    color: '9f69e7',
    real_name: realName,
    tz: user.tz ?? 'UTC',
    tz_label: user.tz ?? 'Coordinated Universal Time',
    tz_offset: 0,
    profile,
    is_admin: user.isAdmin ?? false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.isBot ?? false,
    is_app_user: false,
    updated: opts.updated,
    has_2fa: false,
  };
}

export function channelJson(channel: FakeSlackChannel, opts: { created: number; creator: string }) {
  const isIm = channel.dmWith !== undefined;
  const base = {
    id: channel.id,
    created: opts.created,
    is_archived: channel.isArchived ?? false,
    is_org_shared: false,
    context_team_id: SLACK_DEFAULTS.teamId,
  };
  if (isIm) return { ...base, is_im: true, user: channel.dmWith, is_user_deleted: false };
  return {
    ...base,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.isPrivate,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: channel.isPrivate ?? false,
    is_general: channel.name === 'general',
    is_shared: false,
    is_ext_shared: false,
    is_member: channel.isMember ?? true,
    creator: opts.creator,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    ...(channel.members ? { num_members: channel.members.length } : {}),
  };
}
