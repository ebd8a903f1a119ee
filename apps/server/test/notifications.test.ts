import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AllowPrivateNetworks, Notification, NotificationsPolicy, Notifier } from '@clos/core';
import { configureIntegrations, INTEGRATIONS, type IntegrationLogger } from '@clos/integrations';
import type { HostLookup } from '@clos/outbound';
import { defaultPolicy, testEngines } from '@clos/testing';
import type { RuntimeEnv } from '@clos/workflows';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

// pg-boss holds a retry until its (real-time) delay has passed: 1 s doubled with jitter is < 2 s.
const waitForRetry = () => new Promise((r) => setTimeout(r, 2_500));

describe.each(testEngines())('notifications on %s', (engine) => {
  let h: Harness;
  const sent: Notification[] = [];
  const flakySent: Notification[] = [];
  let flakyFailuresLeft = 0;
  const recorder: Notifier = {
    name: 'recorder',
    async send(n) {
      sent.push(n);
    },
  };
  const flaky: Notifier = {
    name: 'flaky',
    async send(n) {
      // Fails the notification under test only: other notifiable events may come in any order.
      if (n.kind === 'wip.limit_reached' && flakyFailuresLeft > 0) {
        flakyFailuresLeft -= 1;
        throw new Error('chat service unavailable');
      }
      flakySent.push(n);
    },
  };

  beforeAll(async () => {
    h = await startHarness(engine, { workflows: { retryDelaySeconds: 1 } }, undefined, {
      runtime: true,
      notifiers: [recorder, flaky],
    });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    sent.length = 0;
    flakySent.length = 0;
    flakyFailuresLeft = 0;
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 1 });
  });

  /** Fills the pod's one pull-request slot, then asks for another: a `wip.limit_reached` event. */
  async function reachLimit() {
    expect(
      (await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'web#1' })).statusCode,
    ).toBe(201);
    expect(
      (await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'web#2' })).statusCode,
    ).toBe(409);
  }

  const limitReached = () => sent.filter((n) => n.kind === 'wip.limit_reached');

  it('renders a notification for a notifiable event and sends it once, even if its job runs twice', async () => {
    await reachLimit();
    await h.drain();
    expect(limitReached()).toHaveLength(1);
    const [n] = limitReached();
    expect(n).toMatchObject({
      kind: 'wip.limit_reached',
      pod: 'ratio',
      title: 'ratio: pull-request WIP limit reached (1 of 1 in use)',
    });
    expect(n!.text).toContain('could not take a pull-request slot for web#2');
    const [event] = await h.database.query<{ id: string }>(
      "select id from domain_events where type = 'wip.limit_reached'",
    );
    expect(n!.id).toBe(event!.id);

    // The same job again (a duplicate delivery by the queue): every notifier has it already.
    await h.runtime!.queue.enqueue('clos.notify', { eventId: event!.id });
    await h.drain();
    expect(limitReached()).toHaveLength(1);
    expect(flakySent.filter((x) => x.kind === 'wip.limit_reached')).toHaveLength(1);
  });

  it('retries only the notifier that failed', async () => {
    flakyFailuresLeft = 1;
    await reachLimit();
    await h.drain();
    expect(limitReached()).toHaveLength(1);
    // Other notifiable events (an alert the refusal opens) may reach it; this one failed.
    const flakyLimitReached = () => flakySent.filter((n) => n.kind === 'wip.limit_reached');
    expect(flakyLimitReached()).toHaveLength(0);

    await waitForRetry();
    await h.drain();
    expect(flakyLimitReached()).toHaveLength(1);
    expect(flakyLimitReached()[0]!.id).toBe(limitReached()[0]!.id);
    expect(limitReached()).toHaveLength(1);
  });

  it('does not notify of routine events', async () => {
    await h.call('POST', '/api/v1/ideas', { title: 'Faster checkout' });
    await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'web#1' });
    await h.drain();
    expect(sent).toEqual([]);
  });
});

describe('notification webhooks', () => {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const failing = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(failing.has(path) ? 500 : 204).end();
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    failing.clear();
  });

  const notification: Notification = {
    id: '6f1c3b7e-2a51-4c1e-9a55-0d7a3c1b2e90',
    kind: 'alert.opened',
    podId: null,
    pod: 'ratio',
    title: 'ratio: Alert: pod health 55 is below 70',
    text: 'pod health 55 is below 70.',
    occurredAt: new Date('2026-03-02T09:00:00.000Z'),
    data: { severity: 'warning' },
  };
  const silent = { info() {}, warn() {}, error() {} };
  const stops: (() => Promise<void>)[] = [];
  afterAll(() => Promise.all(stops.splice(0).map((stop) => stop())));

  /** The notifiers the registry's integrations configure from these settings, as the server does. */
  async function createNotifiers(
    notifications: NotificationsPolicy,
    deps: {
      logger: IntegrationLogger;
      env: Record<string, string>;
      timeoutSeconds?: number;
      allowPrivateNetworks: AllowPrivateNetworks;
      lookup?: HostLookup;
    },
  ): Promise<Notifier[]> {
    const policy = defaultPolicy();
    const configured = await configureIntegrations(INTEGRATIONS, {
      policy: {
        ...policy,
        notifications,
        webhooks: {
          ...policy.webhooks,
          timeoutSeconds: deps.timeoutSeconds ?? policy.webhooks.timeoutSeconds,
          allowPrivateNetworks: deps.allowPrivateNetworks,
        },
      },
      env: deps.env,
      logger: deps.logger,
      outboundLookup: deps.lookup,
    });
    // Their stops (the guarded client's pool) ride on runtime modules, which need no env to stop.
    for (const make of configured.modules) {
      const stop = make({} as RuntimeEnv).stop;
      if (stop) stops.push(stop);
    }
    return configured.notifiers;
  }
  // The receiver listens on 127.0.0.1, which notification webhooks reach only when the operator opens it.
  const allowPrivateNetworks = ['127.0.0.0/8'];

  it('posts signed JSON to each configured URL whose events match', async () => {
    const notifiers = await createNotifiers(
      {
        log: false,
        webhooks: [
          { url: `${base}/signed`, secretEnv: 'CHAT_SECRET', events: ['alert.opened', 'alert.resolved'] },
          { url: `${base}/unsigned`, events: ['*'] },
          { url: `${base}/other`, events: ['demo.opened'] },
        ],
      },
      {
        logger: silent,
        env: { CHAT_SECRET: 'chat-secret-0123456789' },
        timeoutSeconds: 5,
        allowPrivateNetworks,
      },
    );
    expect(notifiers.map((n) => n.name)).toEqual([
      `webhook:${base}/signed`,
      `webhook:${base}/unsigned`,
      `webhook:${base}/other`,
    ]);
    for (const n of notifiers) await n.send(notification);

    expect(received.map((r) => r.path)).toEqual(['/signed', '/unsigned']);
    const [signed, unsigned] = received;
    expect(JSON.parse(signed!.body)).toEqual({
      id: notification.id,
      kind: 'alert.opened',
      podId: null,
      pod: 'ratio',
      title: notification.title,
      text: notification.text,
      occurredAt: '2026-03-02T09:00:00.000Z',
      data: { severity: 'warning' },
    });
    expect(signed!.headers['x-clos-event-id']).toBe(notification.id);
    expect(signed!.headers['x-clos-signature']).toBe(
      `sha256=${createHmac('sha256', 'chat-secret-0123456789').update(signed!.body).digest('hex')}`,
    );
    expect(unsigned!.headers['x-clos-signature']).toBeUndefined();
  });

  it('throws on a failing receiver so the job retries it', async () => {
    failing.add('/down');
    const [notifier] = await createNotifiers(
      { log: false, webhooks: [{ url: `${base}/down`, events: ['*'] }] },
      { logger: silent, env: {}, allowPrivateNetworks },
    );
    await expect(notifier!.send(notification)).rejects.toThrow(
      `notification webhook ${base}/down answered 500`,
    );
  });

  it('does not send to an internal address without the opt-in: logs the rule once, throws nothing', async () => {
    const errors: { obj: object; msg?: string }[] = [];
    const logger = { ...silent, error: (obj: object, msg?: string) => errors.push({ obj, msg }) };
    const [literal, named] = await createNotifiers(
      {
        log: false,
        webhooks: [
          { url: `${base}/literal`, events: ['*'] },
          { url: `${base.replace('127.0.0.1', 'chat.test')}/named`, events: ['*'] },
        ],
      },
      {
        logger,
        env: {},
        allowPrivateNetworks: false,
        lookup: async () => [{ address: '127.0.0.1', family: 4 }],
      },
    );
    // Resolves: a retry could not succeed until the configuration changes, so the job is not failed.
    await literal!.send(notification);
    await named!.send(notification);
    expect(received).toEqual([]);
    expect(errors.map((e) => e.msg)).toEqual([
      'notification webhook blocked: the host is a loopback address, where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it; not retried',
      'notification webhook blocked: the host resolves to a loopback address, where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it; not retried',
    ]);
    expect(errors[1]!.obj).toMatchObject({
      url: `${base.replace('127.0.0.1', 'chat.test')}/named`,
      kind: 'alert.opened',
    });
  });

  it('sends to a name resolving to an allowed address, at the address it resolved to', async () => {
    const [named] = await createNotifiers(
      { log: false, webhooks: [{ url: `${base.replace('127.0.0.1', 'chat.test')}/named`, events: ['*'] }] },
      {
        logger: silent,
        env: {},
        allowPrivateNetworks,
        lookup: async () => [{ address: '127.0.0.1', family: 4 }],
      },
    );
    await named!.send(notification);
    expect(received.map((r) => [r.path, r.headers.host])).toEqual([
      ['/named', base.replace('http://127.0.0.1', 'chat.test')],
    ]);
  });

  it('adds the log notifier when the policy asks for it', async () => {
    const lines: object[] = [];
    const [log] = await createNotifiers(
      { log: true, webhooks: [] },
      { logger: { ...silent, info: (obj) => lines.push(obj) }, env: {}, allowPrivateNetworks: false },
    );
    expect(log!.name).toBe('log');
    await log!.send(notification);
    expect(lines).toEqual([
      {
        notification: {
          id: notification.id,
          kind: 'alert.opened',
          pod: 'ratio',
          title: notification.title,
          text: notification.text,
        },
      },
    ]);
  });
});
