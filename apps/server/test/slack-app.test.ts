import {
  APPROVE_ACTION,
  configureIntegrations,
  DISCUSS_ACTION,
  REJECT_ACTION,
  slackIntegration,
  UNBLOCK_ACTION,
} from '@clos/integrations';
import {
  buttonClickPayload,
  defaultPolicy,
  eventRequest,
  type FakeSlack,
  interactionRequest,
  newTriggerId,
  slashCommandRequest,
  startFakeSlack,
  testEngines,
  urlVerificationRequest,
  viewSubmissionPayload,
} from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const SECRET = 'slack-signing-secret-0123456789abcdef';
const BOT = 'xoxb-1234-5678-clos-test';
const URL_PATH = '/api/v1/integrations/slack/events';
const silent = { info() {}, warn() {}, error() {} };

const POLICY = {
  wip: {
    types: [
      { name: 'project', defaultLimit: 5 },
      { name: 'pull-request', defaultLimit: 3 },
    ],
  },
  pods: [{ slug: 'ratio', name: 'Ratio', timezone: 'Europe/Paris', slack: { channel: '#ratio' } }],
  slack: { defaultChannel: '#clos', notifications: ['rhythm.digest_ready'] },
};

/** The text of a Slack message's blocks, for assertions on what a person reads. */
const textOf = (message: unknown): string =>
  JSON.stringify((message as { blocks?: unknown }).blocks ?? message);

describe.each(testEngines())('the Slack app on %s', (engine) => {
  let slack: FakeSlack;
  let h: Harness;
  let dev: { email: string; userId: string };
  /** The fake keeps a workspace's messages across tests: each test reads what came after its start. */
  let seen = { messages: 0, ephemerals: 0, views: 0 };
  const fresh = {
    messages: () => slack.messages('#ratio').slice(seen.messages),
    ephemerals: () => slack.ephemerals('#ratio', 'UVIEW').slice(seen.ephemerals),
    views: () => slack.viewsOpened().slice(seen.views),
  };

  beforeAll(async () => {
    slack = await startFakeSlack({ tokens: [BOT] });
    const policy = defaultPolicy(POLICY);
    // The real integration, configured from the environment as the server does.
    const on = await configureIntegrations([slackIntegration], {
      policy,
      env: {
        CLOS_SLACK_SIGNING_SECRET: SECRET,
        CLOS_SLACK_BOT_TOKEN: BOT,
        CLOS_SLACK_API_URL: `${slack.url}/`,
      },
      logger: silent,
    });
    h = await startHarness(engine, {}, policy, {
      runtime: true,
      extraModules: on.modules,
      inbound: on.routes,
      notifiers: [...(on.notifiers ?? [])],
    });
  });
  afterAll(async () => {
    await h?.close();
    await slack?.close();
  });
  beforeEach(async () => {
    await h.reset();
    slack.clearCalls();
    seen = {
      messages: slack.messages('#ratio').length,
      ephemerals: slack.ephemerals('#ratio', 'UVIEW').length,
      views: slack.viewsOpened().length,
    };
    if ((await h.call('GET', '/api/v1/pods/ratio')).statusCode === 404)
      expect(
        (await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/Paris' }))
          .statusCode,
      ).toBe(201);
    // One email throughout: the app keeps a Slack user's email for a day, as it would in production.
    dev = await h.userWithToken('developer', { email: 'dev@example.com' });
    expect(
      (await h.call('POST', '/api/v1/pods/ratio/members', { email: dev.email, podRole: 'member' }))
        .statusCode,
    ).toBe(201);
    slack.addUser({ id: 'UDEV', email: dev.email });
    slack.addUser({ id: 'UNOBODY', email: 'nobody@example.com' });
  });

  /** Runs `/clos <text>` as the Slack user, through the server, and returns the answer the job sent. */
  const command = async (text: string, userId = 'UDEV', commandName = '/clos') => {
    const id = newTriggerId();
    const req = slashCommandRequest(SECRET, {
      command: commandName,
      text,
      userId,
      responseUrl: slack.responseUrl(id),
    });
    const res = await h.app.inject({
      method: 'POST',
      url: URL_PATH,
      payload: req.body,
      headers: req.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    await h.drain();
    const answers = slack.responses(id);
    expect(answers).toHaveLength(1);
    return answers[0]!.body as { response_type: string; text: string; blocks: unknown[] };
  };
  const deliveries = async () =>
    (await h.database.query<{ n: number }>('select count(*)::int as n from inbound_deliveries'))[0]!.n;

  it('answers /clos wip with use, holders and queue, only to the asker', async () => {
    await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', {
      itemId: 'web#1',
      label: 'Fix login',
    });
    const answer = await command('wip');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toBe('WIP in ratio');
    expect(textOf(answer)).toContain('*pull-request*: 1/3');
    expect(textOf(answer)).toContain('Fix login');
    // The Slack user's email was read once, through users.info.
    expect(slack.callsTo('users.info')).toHaveLength(1);
    await command('wip ratio');
    expect(slack.callsTo('users.info')).toHaveLength(1);
  });

  it('submits an idea as the CLOS user with that email, audited via slack', async () => {
    const answer = await command('idea Faster refunds — agents wait 3 days for a refund to clear');
    expect(answer.text).toBe('Idea submitted: *Faster refunds*. It is scored in the ideas ledger next.');
    const ideas = (await h.call('GET', '/api/v1/ideas')).json().items;
    expect(ideas).toEqual([
      expect.objectContaining({
        title: 'Faster refunds',
        description: 'agents wait 3 days for a refund to clear',
        submittedBy: dev.userId,
      }),
    ]);
    const audit = (await h.call('GET', '/api/v1/audit?action=idea.submitted')).json().items;
    expect(audit[0]).toMatchObject({ actorId: dev.userId, actorLabel: `${dev.email} via slack` });
  });

  it('tells a Slack user without a CLOS account how to get one, and changes nothing', async () => {
    const answer = await command('idea Something', 'UNOBODY');
    expect(answer.text).toMatch(/^There is no CLOS account for nobody@example\.com/);
    expect((await h.call('GET', '/api/v1/ideas')).json().items).toEqual([]);
  });

  it('refuses in words what the role does not allow, as the API does', async () => {
    const viewer = await h.userWithToken('viewer', { email: 'viewer@example.com' });
    slack.addUser({ id: 'UVIEW', email: viewer.email });
    const answer = await command('idea Not mine to submit', 'UVIEW');
    expect(answer.text).toMatch(/^Not allowed/);
    expect((await h.call('GET', '/api/v1/ideas')).json().items).toEqual([]);
  });

  it('answers /clos gate criterion by criterion, and /unblock with what blocks each project and for how long', async () => {
    expect(
      (await h.call('POST', '/api/v1/projects', { name: 'Payments', pod: 'ratio', key: 'payments' }))
        .statusCode,
    ).toBe(201);
    const gate = await command('gate payments');
    expect(gate.text).toBe('payments: the gate into discovery');
    expect(textOf(gate)).toContain(':x: no evidence submitted for stage \\"discovery\\"');
    expect(
      (await h.call('POST', '/api/v1/projects/payments/block', { reason: 'waiting on legal' })).statusCode,
    ).toBe(200);
    for (const answer of [await command('', 'UDEV', '/unblock'), await command('unblock')]) {
      expect(answer.text).toBe('1 blocked project');
      expect(textOf(answer)).toContain('*payments* (ratio, inception), blocked today: waiting on legal');
    }
    expect(textOf(await command('status'))).toContain('waiting on legal');
    expect((await command('gate nope')).text).toMatch(/^Not found/);
  });

  it('starts a discussion of a blocked project in its pod channel, and unblocks it by button', async () => {
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'], email: 'lead@example.com' });
    await h.call('POST', '/api/v1/pods/ratio/members', { email: lead.email, podRole: 'lead' });
    slack.addUser({ id: 'ULEAD', email: lead.email });
    await h.call('POST', '/api/v1/projects', { name: 'Payments', pod: 'ratio', key: 'payments' });
    await h.call('POST', '/api/v1/projects/payments/block', { reason: 'waiting on legal' });
    const answer = await command('', 'UDEV', '/unblock');
    // The answer only the asker sees, as the message its buttons are clicked in.
    const shown = { channel: 'C0GENERAL1', ts: '1700000000.000100', blocks: answer.blocks };
    const click = async (actionId: string) => {
      const req = interactionRequest(
        SECRET,
        buttonClickPayload(shown, actionId, {
          userId: 'UDEV',
          responseUrl: slack.responseUrl(newTriggerId()),
        }),
      );
      expect(
        (await h.app.inject({ method: 'POST', url: URL_PATH, payload: req.body, headers: req.headers }))
          .statusCode,
      ).toBe(200);
      await h.drain();
    };
    await click(DISCUSS_ACTION);
    const [thread] = fresh.messages();
    expect(thread?.text).toBe('payments is blocked: waiting on legal');
    expect(textOf(thread)).toContain('<@ULEAD>');
    expect(textOf(thread)).toContain('started by <@UDEV>');
    await click(UNBLOCK_ACTION);
    expect((await h.call('GET', '/api/v1/projects/payments')).json().blockedReason).toBeNull();
    const audit = (await h.call('GET', '/api/v1/audit?action=stage.unblocked')).json().items;
    expect(audit[0]).toMatchObject({ actorLabel: 'dev@example.com via slack' });
    expect(slack.ephemerals('C0GENERAL1', 'UDEV').at(-1)?.text).toBe('payments is unblocked.');
  });

  it('counts command use per day and command, without what was typed', async () => {
    await command('wip');
    await command('wip ratio');
    await command('', 'UDEV', '/unblock');
    await command('launch the rockets');
    const usage = (await h.call('GET', '/api/v1/integrations/slack/usage?days=2')).json();
    expect(usage.total).toBe(4);
    expect(usage.days).toHaveLength(2);
    expect(usage.days[1].byMetric).toEqual({ '/clos wip': 2, '/unblock': 1, '/clos other': 1 });
    expect(JSON.stringify(usage)).not.toContain('rockets');
    const bad = await h.call('GET', '/api/v1/integrations/slack/usage?days=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('days');
  });

  it('refuses forged and stale requests with 401 and records nothing', async () => {
    const forged = slashCommandRequest('not-the-secret', {
      command: '/clos',
      text: 'idea Forged',
      userId: 'UDEV',
      responseUrl: slack.responseUrl('forged'),
    });
    const stale = slashCommandRequest(
      SECRET,
      { command: '/clos', text: 'idea Stale', userId: 'UDEV', responseUrl: slack.responseUrl('stale') },
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    for (const req of [forged, stale])
      expect(
        (await h.app.inject({ method: 'POST', url: URL_PATH, payload: req.body, headers: req.headers }))
          .statusCode,
      ).toBe(401);
    const unsigned = { ...forged.headers };
    delete unsigned['x-slack-signature'];
    expect(
      (await h.app.inject({ method: 'POST', url: URL_PATH, payload: forged.body, headers: unsigned }))
        .statusCode,
    ).toBe(401);
    await h.drain();
    expect(await deliveries()).toBe(0);
    expect([...slack.responses('forged'), ...slack.responses('stale')]).toEqual([]);
  });

  it('applies an event retried by Slack once, and answers url_verification with its challenge', async () => {
    // `@clos wip` in a channel: answered in the mention's thread, once though Slack sent it twice.
    const ts = `${Date.now()}.000100`;
    const event = { type: 'app_mention', user: 'UDEV', text: '<@UBOT> wip', channel: 'C0MENTION1', ts };
    const first = eventRequest(SECRET, event, { eventId: `Ev${ts}` });
    const retry = eventRequest(SECRET, event, { eventId: `Ev${ts}`, retryNum: 1 });
    for (const req of [first, retry])
      expect(
        (await h.app.inject({ method: 'POST', url: URL_PATH, payload: req.body, headers: req.headers }))
          .statusCode,
      ).toBe(200);
    expect(await deliveries()).toBe(1);
    await h.drain();
    const replies = slack.messages('C0MENTION1').filter((m) => m.thread_ts === ts);
    expect(replies.map((m) => m.text)).toEqual(['WIP in ratio']);
    const challenge = urlVerificationRequest(SECRET, 'the-challenge');
    const res = await h.app.inject({
      method: 'POST',
      url: URL_PATH,
      payload: challenge.body,
      headers: challenge.headers,
    });
    expect(res.json()).toEqual({ challenge: 'the-challenge' });
  });

  it('answers through the Web API when the response_url is not Slack’s', async () => {
    const req = slashCommandRequest(SECRET, {
      command: '/clos',
      text: 'help',
      userId: 'UDEV',
      channelId: 'C0RATIO01',
      responseUrl: 'https://attacker.example/steal',
    });
    await h.app.inject({ method: 'POST', url: URL_PATH, payload: req.body, headers: req.headers });
    await h.drain();
    expect(slack.ephemerals('C0RATIO01', 'UDEV')).toHaveLength(1);
  });

  describe('approvals with buttons', () => {
    /** A project whose discovery gate has its evidence and waits for one approval; its request's message. */
    const awaitingApproval = async () => {
      const lead = await h.userWithToken('pod-lead', { pods: ['ratio'], email: 'lead@example.com' });
      await h.call('POST', '/api/v1/pods/ratio/members', { email: lead.email, podRole: 'lead' });
      slack.addUser({ id: 'ULEAD', email: lead.email });
      await h.call('POST', '/api/v1/projects', { name: 'Payments', pod: 'ratio', key: 'payments' });
      const evidence = {
        problemStatement: 'Checkout drops 4% of carts at payment',
        owner: 'ana@example.com',
      };
      expect((await h.call('POST', '/api/v1/projects/payments/evidence', { evidence })).statusCode).toBe(201);
      await h.drain();
      const posted = fresh.messages();
      expect(posted).toHaveLength(1);
      return { lead, message: posted[0]! };
    };
    const click = async (payload: Record<string, unknown>) => {
      const req = interactionRequest(SECRET, payload);
      const res = await h.app.inject({
        method: 'POST',
        url: URL_PATH,
        payload: req.body,
        headers: req.headers,
      });
      expect(res.statusCode).toBe(200);
      await h.drain();
    };
    const approvals = async () => (await h.call('GET', '/api/v1/projects/payments')).json().approvals;

    it('posts the request to the pod channel, records an approval by button and updates the message in place', async () => {
      const { lead, message } = await awaitingApproval();
      expect(message.text).toBe('payments: the gate into discovery: awaiting approval');
      expect(textOf(message)).toContain('Checkout drops 4% of carts at payment');
      await click(
        buttonClickPayload(message, APPROVE_ACTION, { userId: 'ULEAD', responseUrl: slack.responseUrl('a') }),
      );
      expect(await approvals()).toEqual([
        expect.objectContaining({ userId: lead.userId, decision: 'approve', stage: 'discovery' }),
      ]);
      const updated = slack.message('#ratio', message.ts)!;
      expect(updated.updates).toBeGreaterThan(0); // by the click, and again by the approval's event
      expect(updated.text).toBe('payments: the gate into discovery: approved');
      expect(textOf(updated)).toContain('Approved by lead@example.com');
      expect(textOf(updated)).not.toContain(APPROVE_ACTION);
      // Advanced through the API: the request says so, in place.
      expect((await h.call('POST', '/api/v1/projects/payments/advance')).statusCode).toBe(200);
      await h.drain();
      expect(slack.message('#ratio', message.ts)!.text).toBe('payments: the gate into discovery: advanced');
    });

    it('updates the request in place when the gate is decided outside Slack', async () => {
      const { lead, message } = await awaitingApproval();
      expect(
        (await h.call('POST', '/api/v1/projects/payments/approvals', { decision: 'approve' }, lead.token))
          .statusCode,
      ).toBe(201);
      await h.drain();
      expect(slack.message('#ratio', message.ts)!.text).toBe('payments: the gate into discovery: approved');
    });

    it('refuses a viewer’s click in a message only they see, and records nothing', async () => {
      const { message } = await awaitingApproval();
      const viewer = await h.userWithToken('viewer', { email: 'viewer@example.com' });
      slack.addUser({ id: 'UVIEW', email: viewer.email });
      await click(
        buttonClickPayload(message, APPROVE_ACTION, { userId: 'UVIEW', responseUrl: slack.responseUrl('v') }),
      );
      expect(await approvals()).toEqual([]);
      const told = fresh.ephemerals();
      expect(told).toHaveLength(1);
      expect(told[0]!.text).toMatch(/^Not allowed/);
      await click(
        buttonClickPayload(message, REJECT_ACTION, { userId: 'UVIEW', responseUrl: slack.responseUrl('w') }),
      );
      expect(fresh.views()).toEqual([]);
    });

    it('takes a rejection’s comment in a modal, records it and shows it on the message', async () => {
      const { lead, message } = await awaitingApproval();
      await click(
        buttonClickPayload(message, REJECT_ACTION, { userId: 'ULEAD', responseUrl: slack.responseUrl('r') }),
      );
      const [opened] = fresh.views();
      expect(opened).toBeDefined();
      await click(
        viewSubmissionPayload({
          view: opened!.view,
          userId: 'ULEAD',
          values: { comment: { comment: 'Name the customers who have this problem' } },
        }),
      );
      expect(await approvals()).toEqual([
        expect.objectContaining({
          userId: lead.userId,
          decision: 'reject',
          comment: 'Name the customers who have this problem',
        }),
      ]);
      expect(textOf(slack.message('#ratio', message.ts))).toContain(
        'Rejected by lead@example.com: Name the customers who have this problem',
      );
    });
  });

  it('posts the daily unblock digest to the pod’s channel at 09:00 pod time, waiting out a rate limit', async () => {
    slack.rateLimitNext(1, { method: 'chat.postMessage', retryAfterSeconds: 1 });
    // Tuesday 2026-03-03, 09:00 in Paris is 08:00Z.
    for (const at of ['2026-03-03T07:59:00.000Z', '2026-03-03T08:00:00.000Z']) {
      h.clock.set(at);
      await h.runtime!.tick(new Date(at));
      await h.drain();
    }
    const posted = fresh.messages();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toMatch(/^ratio: unblock digest for 2026-03-03/);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });
});

describe('the Slack app when it is not configured', () => {
  it('mounts no route: the request URL answers 404', async () => {
    const on = await configureIntegrations([slackIntegration], {
      policy: defaultPolicy(),
      env: {},
      logger: silent,
    });
    expect(on.routes).toEqual([]);
  });
});
