import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, verifySlackRequest } from '@slack/bolt';
import { ErrorCode, type Logger, LogLevel, WebClient, WebClientEvent } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  appMentionEvent,
  buttonClickPayload,
  eventRequest,
  type FakeSlack,
  interactionRequest,
  type SignedSlackRequest,
  SLACK_DEFAULTS,
  slackSignature,
  slashCommandRequest,
  startFakeSlack,
  urlVerificationRequest,
  viewSubmissionPayload,
} from '../src/index.ts';

const TOKEN = 'xoxb-1111-2222-clos-test';
const SECRET = 'slack-signing-secret-for-tests';
const ALICE = { id: 'U0ALICE001', email: 'alice@example.com', name: 'alice', realName: 'Alice Liddell' };
const BOB = { id: 'U0BOB00001', email: 'bob@example.com', name: 'bob' };

// The SDK logs every refusal the tests provoke on purpose; the assertions say what matters.
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

// Retry at once on errors: the tests check that the SDK retries, the fake's Retry-After sets the wait.
const fastRetries = { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 0 };

function client(fake: FakeSlack, token = TOKEN, extra: ConstructorParameters<typeof WebClient>[1] = {}) {
  return new WebClient(token, {
    slackApiUrl: `${fake.url}/`,
    retryConfig: fastRetries,
    logger: quiet,
    ...extra,
  });
}

/** The error code a failed SDK call carries (`invalid_auth`, `channel_not_found`). */
async function slackError(
  promise: Promise<unknown>,
): Promise<{ code: string; error: string; data: unknown }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { code: string; data?: { error?: string } };
    return { code: err.code, error: err.data?.error ?? '', data: err.data };
  }
  throw new Error('expected the call to fail');
}

/** Bolt's own check, as the app's receiver runs it. */
function boltAccepts(req: SignedSlackRequest, secret = SECRET, nowMilliseconds?: number): true | string {
  try {
    verifySlackRequest({
      signingSecret: secret,
      body: req.body,
      headers: {
        'x-slack-signature': req.headers['x-slack-signature'] ?? '',
        'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
      },
      ...(nowMilliseconds === undefined ? {} : { nowMilliseconds }),
    });
    return true;
  } catch (e) {
    return (e as Error).message;
  }
}

const approvalBlocks = (text: string) => [
  { type: 'header', text: { type: 'plain_text', text: 'Gate ready: Build → Launch' } },
  { type: 'section', text: { type: 'mrkdwn', text } },
  {
    type: 'actions',
    block_id: 'approval',
    elements: [
      {
        type: 'button',
        action_id: 'gate_approve',
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value: 'PRJ-7',
      },
      {
        type: 'button',
        action_id: 'gate_reject',
        text: { type: 'plain_text', text: 'Reject' },
        style: 'danger',
        value: 'PRJ-7',
      },
    ],
  },
];

describe('fake Slack Web API driven by @slack/web-api', () => {
  let fake: FakeSlack;
  let web: WebClient;

  beforeAll(async () => {
    fake = await startFakeSlack({
      tokens: [TOKEN],
      users: [ALICE, BOB],
      channels: [{ id: 'C0PODALPHA', name: 'pod-alpha' }],
    });
    web = client(fake);
  });
  afterAll(async () => {
    await fake.close();
  });

  it('answers auth.test with the workspace and the bot, as Bolt reads it', async () => {
    const result = await web.auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: SLACK_DEFAULTS.teamId,
      user_id: SLACK_DEFAULTS.botUserId,
      bot_id: SLACK_DEFAULTS.botId,
      url: `https://${SLACK_DEFAULTS.teamDomain}.slack.com/`,
    });
    // The scopes header reaches the SDK's response metadata.
    expect(result.response_metadata?.scopes).toContain('chat:write');
  });

  it('stores a posted message and shows chat.update edits in place, with the history', async () => {
    const posted = await web.chat.postMessage({
      channel: '#pod-alpha',
      text: 'PRJ-7 is ready for the Launch gate',
      blocks: approvalBlocks('Evidence: 3 of 3. Approvals: 0 of 2.'),
    });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0PODALPHA');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message?.bot_id).toBe(SLACK_DEFAULTS.botId);

    // The SDK sent a form with the blocks as JSON text and the bearer token; the fake recorded them decoded.
    const call = fake.callsTo('chat.postMessage').at(-1);
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call?.token).toBe(TOKEN);
    expect(call?.args.channel).toBe('#pod-alpha');
    expect(call?.args.blocks).toHaveLength(3);

    const updated = await web.chat.update({
      channel: 'C0PODALPHA',
      ts: posted.ts as string,
      text: 'PRJ-7 approved by Alice',
      blocks: approvalBlocks('Approved by <@U0ALICE001>. Still needed: 1 approval.'),
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C0PODALPHA', ts: posted.ts });

    const [message, ...others] = fake.messages('pod-alpha');
    expect(others).toEqual([]);
    expect(message?.ts).toBe(posted.ts);
    expect(message?.text).toBe('PRJ-7 approved by Alice');
    expect(JSON.stringify(message?.blocks)).toContain('Still needed: 1 approval');
    expect(message?.updates).toBe(1);
    expect(message?.history.map((v) => v.via)).toEqual(['chat.postMessage', 'chat.update']);
    expect(message?.history[0]?.text).toBe('PRJ-7 is ready for the Launch gate');
    // Slack gives every block an id; the ones the app set stay.
    expect(message?.blocks.every((b) => typeof (b as { block_id?: unknown }).block_id === 'string')).toBe(
      true,
    );
    expect(message?.blocks[2]).toMatchObject({ block_id: 'approval' });

    // A reply in the thread, then a permalink to it.
    const reply = await web.chat.postMessage({
      channel: 'C0PODALPHA',
      text: 'discussion',
      thread_ts: posted.ts,
    });
    expect(fake.message('C0PODALPHA', reply.ts as string)?.thread_ts).toBe(posted.ts);
    const link = await web.chat.getPermalink({ channel: 'C0PODALPHA', message_ts: reply.ts as string });
    expect(link.permalink).toBe(
      `https://${SLACK_DEFAULTS.teamDomain}.slack.com/archives/C0PODALPHA/p${(reply.ts as string).replace('.', '')}?thread_ts=${posted.ts}&cid=C0PODALPHA`,
    );
  });

  it('refuses an update of a message that does not exist, and a message with nothing in it', async () => {
    expect(
      await slackError(web.chat.update({ channel: 'C0PODALPHA', ts: '1700000000.000001', text: 'x' })),
    ).toMatchObject({ code: ErrorCode.PlatformError, error: 'message_not_found' });
    expect((await slackError(web.chat.postMessage({ channel: 'C0PODALPHA', text: '' }))).error).toBe(
      'no_text',
    );
  });

  it('refuses Block Kit that Slack would refuse, saying where', async () => {
    const failure = await slackError(
      web.chat.postMessage({
        channel: 'C0PODALPHA',
        text: 'too long',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
      }),
    );
    expect(failure.error).toBe('invalid_blocks');
    expect((failure.data as { errors: string[] }).errors).toEqual([
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ]);
    // The SDK's types already forbid a mrkdwn button label; the untyped call is what a careless cast sends.
    const mrkdwnButton = await slackError(
      web.apiCall('chat.postMessage', {
        channel: 'C0PODALPHA',
        text: 'bad button',
        blocks: [
          {
            type: 'actions',
            elements: [{ type: 'button', action_id: 'a', text: { type: 'mrkdwn', text: '*Go*' } }],
          },
        ],
      }),
    );
    expect(mrkdwnButton.error).toBe('invalid_blocks');
    expect(String((mrkdwnButton.data as { errors: string[] }).errors)).toContain(
      '/blocks/0/elements/0/text/type',
    );
    expect(fake.messages('C0PODALPHA').some((m) => m.text === 'too long' || m.text === 'bad button')).toBe(
      false,
    );
  });

  it('answers users.info and users.lookupByEmail for registered users only', async () => {
    const { user } = await web.users.info({ user: ALICE.id });
    expect(user).toMatchObject({
      id: ALICE.id,
      name: 'alice',
      real_name: 'Alice Liddell',
      deleted: false,
      is_bot: false,
      profile: { email: 'alice@example.com' },
    });
    expect((await slackError(web.users.info({ user: 'U0NOBODY01' }))).error).toBe('user_not_found');

    const found = await web.users.lookupByEmail({ email: 'BOB@example.com' });
    expect(found.user?.id).toBe(BOB.id);
    expect((await slackError(web.users.lookupByEmail({ email: 'nobody@example.com' }))).error).toBe(
      'users_not_found',
    );

    fake.addUser({ id: 'U0GONE0001', email: 'gone@example.com', deleted: true });
    expect((await web.users.info({ user: 'U0GONE0001' })).user).toMatchObject({
      deleted: true,
      name: 'gone',
    });
  });

  it('posts ephemerals to a user in a channel and knows the channels', async () => {
    const { message_ts } = await web.chat.postEphemeral({
      channel: 'C0PODALPHA',
      user: ALICE.id,
      text: 'You are not a CLOS user yet',
    });
    expect(message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(fake.ephemerals('C0PODALPHA', ALICE.id)).toMatchObject([{ text: 'You are not a CLOS user yet' }]);
    expect(fake.ephemerals('C0PODALPHA', BOB.id)).toEqual([]);
    expect(
      (await slackError(web.chat.postEphemeral({ channel: 'C0PODALPHA', user: 'U0NOBODY01', text: 'hi' })))
        .error,
    ).toBe('user_not_found');

    const info = await web.conversations.info({ channel: 'C0PODALPHA' });
    expect(info.channel).toMatchObject({
      id: 'C0PODALPHA',
      name: 'pod-alpha',
      is_channel: true,
      is_member: true,
    });

    // Posting to a user id opens the bot's DM with them.
    const dm = await web.chat.postMessage({ channel: BOB.id, text: 'your digest' });
    expect(dm.channel).toMatch(/^D[A-Z0-9]{10}$/);
    expect(fake.messages(BOB.id).map((m) => m.text)).toEqual(['your digest']);
  });

  it('opens a modal once per trigger id and refuses a modal Slack would refuse', async () => {
    const triggerId = new URLSearchParams(
      slashCommandRequest(SECRET, { command: '/clos', userId: ALICE.id, responseUrl: fake.responseUrl('m') })
        .body,
    ).get('trigger_id') as string;
    const view = {
      type: 'modal' as const,
      callback_id: 'gate_reject',
      private_metadata: JSON.stringify({ project: 'PRJ-7' }),
      title: { type: 'plain_text' as const, text: 'Reject the gate' },
      submit: { type: 'plain_text' as const, text: 'Reject' },
      blocks: [
        {
          type: 'input',
          block_id: 'comment',
          label: { type: 'plain_text', text: 'Why?' },
          element: { type: 'plain_text_input', action_id: 'text', multiline: true },
        },
      ],
    };
    const opened = await web.views.open({ trigger_id: triggerId, view });
    expect(opened.view?.id).toMatch(/^V[A-Z0-9]{10}$/);
    expect(opened.view?.callback_id).toBe('gate_reject');
    expect(fake.viewsOpened()).toHaveLength(1);
    expect(fake.viewsOpened()[0]?.triggerId).toBe(triggerId);

    expect((await slackError(web.views.open({ trigger_id: triggerId, view }))).error).toBe(
      'exchanged_trigger_id',
    );
    expect((await slackError(web.views.open({ trigger_id: 'not-a-trigger', view }))).error).toBe(
      'invalid_trigger_id',
    );
    const { submit: _submit, ...noSubmit } = view;
    const refused = await slackError(web.views.open({ trigger_id: '1.2.abc', view: noSubmit }));
    expect(refused.error).toBe('invalid_arguments');
    expect(JSON.stringify(refused.data)).toContain('/view/submit');
    expect(fake.viewsOpened()).toHaveLength(1);

    // The submission a user would send back for that modal.
    const submission = viewSubmissionPayload({
      userId: ALICE.id,
      view: fake.viewsOpened()[0]?.view,
      values: { comment: { text: 'Evidence is stale' } },
    });
    expect(submission).toMatchObject({
      type: 'view_submission',
      view: {
        id: opened.view?.id,
        callback_id: 'gate_reject',
        private_metadata: '{"project":"PRJ-7"}',
        state: { values: { comment: { text: { type: 'plain_text_input', value: 'Evidence is stale' } } } },
      },
    });
    expect(() =>
      viewSubmissionPayload({
        userId: ALICE.id,
        view: fake.viewsOpened()[0]?.view,
        values: { reason: { text: 'x' } },
      }),
    ).toThrow(/values\.reason\.text/);
  });

  it('refuses a made-up or revoked token, and a call without one, as Slack does', async () => {
    const forged = await slackError(
      client(fake, 'xoxb-forged').chat.postMessage({ channel: 'C0PODALPHA', text: 'x' }),
    );
    expect(forged).toMatchObject({ code: ErrorCode.PlatformError, error: 'invalid_auth' });
    expect(
      (await slackError(new WebClient(undefined, { slackApiUrl: `${fake.url}/`, logger: quiet }).auth.test()))
        .error,
    ).toBe('not_authed');
    // A token in a form field counts (Slack reads it there); in a JSON body it does not.
    const form = await fetch(`${fake.url}/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(await form.json()).toMatchObject({ ok: true });
    const json = await fetch(`${fake.url}/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TOKEN }),
    });
    expect(await json.json()).toEqual({ ok: false, error: 'not_authed' });

    const own = await startFakeSlack({ tokens: [TOKEN, 'xoxb-second'] });
    try {
      own.revokeToken('xoxb-second');
      expect((await slackError(client(own, 'xoxb-second').auth.test())).error).toBe('token_revoked');
      expect((await client(own).auth.test()).ok).toBe(true);
    } finally {
      await own.close();
    }
    expect(fake.messages('C0PODALPHA').some((m) => m.text === 'x')).toBe(false);
  });

  it('answers unknown methods with unknown_method and injected failures with their error', async () => {
    expect((await slackError(web.apiCall('pods.rotate', {}))).error).toBe('unknown_method');
    expect(fake.unknownCalls().map((c) => c.method)).toEqual(['pods.rotate']);

    fake.failNext(1, 'channel_not_found', 'chat.postMessage');
    await web.auth.test(); // other methods are not affected
    expect((await slackError(web.chat.postMessage({ channel: 'C0PODALPHA', text: 'lost' }))).error).toBe(
      'channel_not_found',
    );
    await web.chat.postMessage({ channel: 'C0PODALPHA', text: 'delivered' });
    expect(fake.messages('C0PODALPHA').map((m) => m.text)).toContain('delivered');
    expect(fake.messages('C0PODALPHA').map((m) => m.text)).not.toContain('lost');
  });

  it('answers 429 with Retry-After; the SDK waits that long and retries', async () => {
    const events: number[] = [];
    const sdk = client(fake);
    sdk.on(WebClientEvent.RATE_LIMITED, (seconds: number) => events.push(seconds));
    fake.clearCalls();
    fake.rateLimitNext(1, { retryAfterSeconds: 1, method: 'chat.postMessage' });
    const started = Date.now();
    const posted = await sdk.chat.postMessage({ channel: 'C0PODALPHA', text: 'after the limit' });
    const waited = Date.now() - started;
    expect(posted.ok).toBe(true);
    expect(events).toEqual([1]);
    const attempts = fake.callsTo('chat.postMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[0]?.response).toEqual({ ok: false, error: 'ratelimited' });
    // The second attempt came after the second Slack asked for (less a little timer slack).
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(fake.messages('C0PODALPHA').filter((m) => m.text === 'after the limit')).toHaveLength(1);

    // An app that does not wait gets the SDK's rate-limit error carrying Slack's Retry-After.
    fake.rateLimitNext(1, { retryAfterSeconds: 30 });
    const impatient = client(fake, TOKEN, { rejectRateLimitedCalls: true });
    await expect(impatient.auth.test()).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 30,
    });
  });

  it('refuses what the token has no scope for, and hides emails without users:read.email', async () => {
    const narrow = await startFakeSlack({
      tokens: [TOKEN],
      scopes: ['chat:write', 'users:read'],
      users: [ALICE],
      channels: [{ id: 'C0PRIVATE1', name: 'secret', isPrivate: true, isMember: false }],
      strictChannels: true,
    });
    try {
      const sdk = client(narrow);
      const info = await sdk.users.info({ user: ALICE.id });
      expect(info.user?.profile?.email).toBeUndefined();
      const missing = await slackError(sdk.users.lookupByEmail({ email: ALICE.email }));
      expect(missing).toMatchObject({ error: 'missing_scope', data: { needed: 'users:read.email' } });
      expect((await slackError(sdk.chat.postMessage({ channel: '#nowhere', text: 'x' }))).error).toBe(
        'channel_not_found',
      );
      expect((await slackError(sdk.chat.postMessage({ channel: 'C0PRIVATE1', text: 'x' }))).error).toBe(
        'not_in_channel',
      );
      expect(narrow.messages()).toEqual([]);
    } finally {
      await narrow.close();
    }
  });

  it('records response_url posts and applies replace_original to the clicked message', async () => {
    const posted = await web.chat.postMessage({
      channel: 'C0PODALPHA',
      text: 'approve?',
      blocks: approvalBlocks('Approvals: 0 of 1.'),
    });
    const url = fake.responseUrl('click-1', {
      channel: 'C0PODALPHA',
      user: ALICE.id,
      messageTs: posted.ts as string,
    });
    expect(url).toBe(`${fake.url}/response/click-1`);
    // As Bolt's respond() posts.
    const send = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const res = await send({ replace_original: true, text: 'Approved by Alice', blocks: [] });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(fake.message('C0PODALPHA', posted.ts as string)).toMatchObject({
      text: 'Approved by Alice',
      updates: 1,
    });

    expect((await send({ text: 'Only you can see this' })).status).toBe(200);
    expect(fake.ephemerals('C0PODALPHA', ALICE.id).at(-1)?.text).toBe('Only you can see this');
    expect((await send({ response_type: 'in_channel', text: 'Everyone sees this' })).status).toBe(200);
    expect(fake.messages('C0PODALPHA').at(-1)?.text).toBe('Everyone sees this');

    const empty = await send({});
    expect([empty.status, await empty.text()]).toEqual([400, 'no_text']);
    // Five uses, then Slack refuses the URL.
    expect((await send({ text: '4' })).status).toBe(200);
    expect((await send({ text: '5' })).status).toBe(200);
    const sixth = await send({ text: '6' });
    expect([sixth.status, await sixth.text()]).toEqual([404, 'used_url']);
    expect(fake.responses('click-1').map((r) => r.status)).toEqual([200, 200, 200, 400, 200, 200, 404]);
    expect(fake.responses('click-1')[0]?.body).toMatchObject({ replace_original: true });
  });
});

describe('signed requests as Slack sends them', () => {
  it('signs a slash command that Bolt verifies, with Slack’s form fields', () => {
    const req = slashCommandRequest(SECRET, {
      command: '/clos',
      text: 'wip alpha',
      userId: ALICE.id,
      userName: 'alice',
      channelId: 'C0PODALPHA',
      channelName: 'pod-alpha',
      responseUrl: 'http://127.0.0.1:1/response/cmd-1',
    });
    expect(boltAccepts(req)).toBe(true);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers['x-slack-signature']).toBe(slackSignature(SECRET, req.timestamp, req.body));
    const form = new URLSearchParams(req.body);
    expect([...form.keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(form.get('command')).toBe('/clos');
    expect(form.get('text')).toBe('wip alpha');
    expect(req.body).toContain('command=%2Fclos&text=wip+alpha');
  });

  it('is refused by Bolt when stale, tampered with, or signed with another secret', () => {
    const input = { command: '/unblock', userId: ALICE.id, responseUrl: 'http://127.0.0.1:1/response/x' };
    const stale = slashCommandRequest(SECRET, input, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(boltAccepts(stale)).toMatch(/stale/);
    // The same request was fine when it was fresh.
    expect(boltAccepts(stale, SECRET, (stale.timestamp + 10) * 1000)).toBe(true);

    const fresh = slashCommandRequest(SECRET, input);
    expect(boltAccepts({ ...fresh, body: fresh.body.replace('unblock', 'unblocK') })).toMatch(
      /signature mismatch/,
    );
    expect(boltAccepts(fresh, 'another-secret')).toMatch(/signature mismatch/);
  });

  it('names the field when a builder is given bad input', () => {
    expect(() =>
      slashCommandRequest(SECRET, { command: 'clos', userId: 'U1', responseUrl: 'http://x' }),
    ).toThrow(/^command:/);
    expect(() =>
      slashCommandRequest(SECRET, { command: '/clos', userId: '', responseUrl: 'http://x' }),
    ).toThrow(/^userId:/);
    expect(() =>
      slashCommandRequest(SECRET, { command: '/clos', userId: 'U1', responseUrl: 'hooks' }),
    ).toThrow(/^responseUrl:/);
    expect(() =>
      slashCommandRequest('', { command: '/clos', userId: 'U1', responseUrl: 'http://x' }),
    ).toThrow(/signing secret/);
    expect(() => eventRequest(SECRET, { text: 'no type' })).toThrow(/^event:/);
  });

  it('builds a button click from the posted message, in a signed payload form', async () => {
    const fake = await startFakeSlack({ tokens: [TOKEN], users: [BOB] });
    try {
      const posted = await client(fake).chat.postMessage({
        channel: 'C0PODALPHA',
        text: 'approve?',
        blocks: approvalBlocks('Approvals: 0 of 1.'),
      });
      const message = fake.message('C0PODALPHA', posted.ts as string);
      if (!message) throw new Error('message not stored');
      const payload = buttonClickPayload(message, 'gate_approve', {
        userId: BOB.id,
        responseUrl: fake.responseUrl('click'),
      });
      expect(payload).toMatchObject({
        type: 'block_actions',
        user: { id: BOB.id },
        container: { type: 'message', message_ts: posted.ts, channel_id: 'C0PODALPHA' },
        channel: { id: 'C0PODALPHA' },
        message: { ts: posted.ts, text: 'approve?' },
        actions: [
          {
            action_id: 'gate_approve',
            block_id: 'approval',
            value: 'PRJ-7',
            type: 'button',
            text: { type: 'plain_text', text: 'Approve' },
          },
        ],
      });
      expect(() =>
        buttonClickPayload(message, 'gate_maybe', { userId: BOB.id, responseUrl: fake.url }),
      ).toThrow(/gate_approve, gate_reject/);

      const req = interactionRequest(SECRET, payload);
      expect(boltAccepts(req)).toBe(true);
      expect(JSON.parse(new URLSearchParams(req.body).get('payload') ?? '')).toEqual(payload);
    } finally {
      await fake.close();
    }
  });

  it('wraps events in event_callback, repeats event_id on retries, and signs url_verification', () => {
    const event = appMentionEvent({ userId: ALICE.id, text: 'wip', channelId: 'C0PODALPHA' });
    expect(event.text).toBe(`<@${SLACK_DEFAULTS.botUserId}> wip`);
    const first = eventRequest(SECRET, event, { eventId: 'Ev0WIP00001' });
    const retry = eventRequest(SECRET, event, {
      eventId: 'Ev0WIP00001',
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    for (const req of [first, retry]) expect(boltAccepts(req)).toBe(true);
    expect(JSON.parse(first.body)).toMatchObject({
      type: 'event_callback',
      event_id: 'Ev0WIP00001',
      team_id: SLACK_DEFAULTS.teamId,
      api_app_id: SLACK_DEFAULTS.appId,
      event: { type: 'app_mention', channel: 'C0PODALPHA', user: ALICE.id },
    });
    expect(first.headers['x-slack-retry-num']).toBeUndefined();
    expect(retry.headers).toMatchObject({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(JSON.parse(retry.body).event_id).toBe(JSON.parse(first.body).event_id);

    const challenge = urlVerificationRequest(SECRET, 'c-123');
    expect(boltAccepts(challenge)).toBe(true);
    expect(JSON.parse(challenge.body)).toEqual({
      token: SLACK_DEFAULTS.verificationToken,
      challenge: 'c-123',
      type: 'url_verification',
    });
  });
});

// The whole loop through a real Bolt app: our signed requests in, the app's Web API calls and
// response_url posts out to the fake. If Bolt parses and routes what the builders send, and its client
// works against the fake, the server's Slack tests can rely on both.
describe('a Bolt app between the signed requests and the fake', () => {
  let fake: FakeSlack;
  let app: App;
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    fake = await startFakeSlack({
      tokens: [TOKEN],
      users: [ALICE, BOB],
      channels: [{ id: 'C0PODALPHA', name: 'pod-alpha' }],
    });
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      logger: quiet,
      clientOptions: { slackApiUrl: `${fake.url}/`, retryConfig: fastRetries },
      deferInitialization: true,
    });
    app.command('/clos', async ({ ack, command, respond }) => {
      await ack();
      await respond({ text: `wip for ${command.text} asked by ${command.user_id}` });
    });
    app.action('gate_approve', async ({ ack, body, client: web }) => {
      await ack();
      const action = body as { channel?: { id: string }; message?: { ts: string }; user: { id: string } };
      await web.chat.update({
        channel: action.channel?.id ?? '',
        ts: action.message?.ts ?? '',
        text: `approved by ${action.user.id}`,
        blocks: [],
      });
    });
    app.event('app_mention', async ({ event, say }) => {
      await say({ text: 'WIP: 2/3', thread_ts: event.ts });
    });
    await app.init();
    server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });
  afterEach(() => fake.clearCalls());

  const send = (req: SignedSlackRequest) =>
    fetch(endpoint, { method: 'POST', headers: req.headers, body: req.body });

  /** Bolt acknowledges before the listener's later calls finish; wait for what they leave behind. */
  async function until<T>(read: () => T | undefined): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const value = read();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('timed out');
  }

  it('checked the bot token with auth.test at start-up', () => {
    // init() ran in beforeAll, before any clearing.
    expect(fake.callsTo('auth.test').map((c) => [c.token, c.status, c.response.ok])).toEqual([
      [TOKEN, 200, true],
    ]);
  });

  it('routes a signed slash command and answers through the response_url', async () => {
    const responseUrl = fake.responseUrl('cmd-1', { channel: 'C0PODALPHA', user: ALICE.id });
    const res = await send(
      slashCommandRequest(SECRET, {
        command: '/clos',
        text: 'alpha',
        userId: ALICE.id,
        channelId: 'C0PODALPHA',
        responseUrl,
      }),
    );
    expect(res.status).toBe(200);
    const answer = await until(() => fake.responses('cmd-1')[0]);
    expect(answer.body).toEqual({ text: `wip for alpha asked by ${ALICE.id}` });
    expect(fake.ephemerals('C0PODALPHA', ALICE.id).at(-1)?.text).toBe(`wip for alpha asked by ${ALICE.id}`);
  });

  it('refuses a stale or forged request with 401 and runs nothing', async () => {
    const responseUrl = fake.responseUrl('cmd-stale');
    const input = { command: '/clos', text: 'alpha', userId: ALICE.id, responseUrl };
    const stale = await send(
      slashCommandRequest(SECRET, input, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    );
    expect(stale.status).toBe(401);
    const forged = await send(slashCommandRequest('not-the-secret', input));
    expect(forged.status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.responses('cmd-stale')).toEqual([]);
  });

  it('routes a button click and the listener updates the message in place', async () => {
    const posted = await app.client.chat.postMessage({
      channel: 'C0PODALPHA',
      text: 'approve?',
      blocks: approvalBlocks('Approvals: 0 of 1.'),
    });
    const message = fake.message('C0PODALPHA', posted.ts as string);
    if (!message) throw new Error('message not stored');
    const payload = buttonClickPayload(message, 'gate_approve', {
      userId: BOB.id,
      responseUrl: fake.responseUrl('click-2'),
    });
    expect((await send(interactionRequest(SECRET, payload))).status).toBe(200);
    const updated = await until(() => {
      const m = fake.message('C0PODALPHA', posted.ts as string);
      return m && m.updates > 0 ? m : undefined;
    });
    expect(updated.text).toBe(`approved by ${BOB.id}`);
    expect(updated.blocks).toEqual([]);
  });

  it('routes an app_mention and replies in its thread; answers url_verification', async () => {
    const event = appMentionEvent({
      userId: ALICE.id,
      text: 'wip',
      channelId: 'C0PODALPHA',
      ts: '1700000000.000100',
    });
    expect((await send(eventRequest(SECRET, event))).status).toBe(200);
    const reply = await until(() =>
      fake.messages('C0PODALPHA').find((m) => m.thread_ts === '1700000000.000100'),
    );
    expect(reply.text).toBe('WIP: 2/3');

    const res = await send(urlVerificationRequest(SECRET, 'challenge-xyz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'challenge-xyz' });
  });
});
