import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HostLookup, systemLookup } from '@clos/outbound';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const SECRET = 'whsec_test_0123456789abcdef';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver: records every request; answers each path with its queued statuses, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  const answers = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answers.get(path)?.shift() ?? 200;
      if (status >= 300 && status < 400) res.setHeader('location', `${base}/elsewhere`);
      res.writeHead(status).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    to: (path: string) => received.filter((r) => r.path === path),
    answer: (path: string, ...statuses: number[]) => answers.set(path, statuses),
    reset() {
      received.length = 0;
      answers.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** How a receiver checks a delivery: HMAC the raw body, compare in constant time. */
function verifies(r: Received, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-clos-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// pg-boss holds a retry until its (real-time) delay has passed: 1 s doubled with jitter is < 2 s.
const waitForRetry = () => new Promise((r) => setTimeout(r, 2_500));

/** `receiver.test` is the local receiver (127.0.0.1); other names resolve as usual. */
const testLookup: HostLookup = async (hostname) =>
  hostname === 'receiver.test' ? [{ address: '127.0.0.1', family: 4 }] : systemLookup(hostname);

describe.each(testEngines())('outbound webhooks on %s', (engine) => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    // The receiver is on 127.0.0.1, which webhooks reach only when the operator opens it.
    h = await startHarness(
      engine,
      { webhooks: { retryDelaySeconds: 1, allowPrivateNetworks: ['127.0.0.0/8'] } },
      undefined,
      { runtime: true, outboundLookup: testLookup },
    );
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await h.reset();
    receiver.reset();
  });

  const register = (path: string, events: string[] = ['*'], secret = SECRET) =>
    h.call('POST', '/api/v1/webhooks', { url: `${receiver.base}${path}`, events, secret });
  const submitIdea = (title = 'Faster checkout') => h.call('POST', '/api/v1/ideas', { title });
  const deliveries = async (id: string, query = '') =>
    (await h.call('GET', `/api/v1/webhooks/${id}/deliveries${query}`)).json();

  it('registers a webhook without ever returning its secret', async () => {
    const created = await register('/all', ['idea.submitted', 'stage.advanced'], SECRET);
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain(SECRET);
    expect(created.json()).toMatchObject({
      url: `${receiver.base}/all`,
      events: ['idea.submitted', 'stage.advanced'],
      active: true,
      secretHint: '…cdef',
      description: null,
      disabledAt: null,
    });
    const id = created.json().id;
    const one = await h.call('GET', `/api/v1/webhooks/${id}`);
    expect(one.json()).toEqual(created.json());
    const list = await h.call('GET', '/api/v1/webhooks');
    expect(list.json().items.map((w: { id: string }) => w.id)).toEqual([id]);
    expect(list.body).not.toContain(SECRET);
    const audit = (await h.call('GET', '/api/v1/audit?action=webhook.created')).json().items;
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect((await h.call('GET', `/api/v1/webhooks/${crypto.randomUUID()}`)).statusCode).toBe(404);
  });

  it('refuses bad registrations naming the field, and non-admins', async () => {
    const unknown = await register('/x', ['idea.submitted', 'idea.teleported']);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details).toEqual([
      { path: 'body.events[1]', message: expect.stringContaining('unknown event type "idea.teleported"') },
    ]);
    const first = await register('/x', ['nope']);
    expect(first.json().error.details[0].path).toBe('body.events[0]');

    const badUrl = await h.call('POST', '/api/v1/webhooks', {
      url: 'ftp://example.com/x',
      events: ['*'],
      secret: SECRET,
    });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.json().error.details[0].path).toBe('body.url');
    const relative = await h.call('POST', '/api/v1/webhooks', {
      url: '/hooks',
      events: ['*'],
      secret: SECRET,
    });
    expect(relative.json().error.details[0].path).toBe('body.url');

    const cases: [unknown, string][] = [
      [{ url: `${receiver.base}/x`, events: [], secret: SECRET }, 'body.events'],
      [{ url: `${receiver.base}/x`, events: ['*', 'idea.submitted'], secret: SECRET }, 'body.events'],
      [{ url: `${receiver.base}/x`, events: ['*'], secret: 'short' }, 'body.secret'],
      [{ url: `${receiver.base}/x`, events: ['*'] }, 'body.secret'],
      [{ url: `${receiver.base}/x`, events: 'idea.submitted', secret: SECRET }, 'body.events'],
    ];
    for (const [body, path] of cases) {
      const res = await h.call('POST', '/api/v1/webhooks', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
    }

    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    const forbidden = await h.call(
      'POST',
      '/api/v1/webhooks',
      { url: `${receiver.base}/x`, events: ['*'], secret: SECRET },
      lead.token,
    );
    expect(forbidden.statusCode).toBe(403);
    expect((await h.call('GET', '/api/v1/webhooks', undefined, lead.token)).statusCode).toBe(403);
    // Nothing was stored by any of them.
    expect((await h.call('GET', '/api/v1/webhooks')).json().items).toEqual([]);
  });

  it('delivers a signed event that the secret verifies', async () => {
    const webhook = (await register('/all')).json();
    const idea = (await submitIdea()).json();
    await h.drain();

    const [got] = receiver.to('/all');
    expect(receiver.to('/all')).toHaveLength(1);
    expect(got!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'CLOS-Webhooks/2',
      'x-clos-event': 'idea.submitted',
      'x-clos-delivery': '1',
    });
    const payload = JSON.parse(got!.body);
    expect(payload).toMatchObject({
      type: 'idea.submitted',
      podId: null,
      subjectType: 'idea',
      subjectId: idea.id,
      occurredAt: '2026-03-02T09:00:00.000Z',
      data: expect.objectContaining({ actor: 'admin@example.com' }),
    });
    expect(Object.keys(payload).sort()).toEqual(
      ['actorId', 'data', 'id', 'occurredAt', 'podId', 'seq', 'subjectId', 'subjectType', 'type'].sort(),
    );
    expect(got!.headers['x-clos-event-id']).toBe(payload.id);
    expect(typeof payload.seq).toBe('number');
    expect(verifies(got!, SECRET)).toBe(true);
    expect(verifies(got!, 'another_secret_0123456789')).toBe(false);
    expect(verifies({ ...got!, body: got!.body.replace('Faster', 'Slower') }, SECRET)).toBe(false);

    const log = await deliveries(webhook.id);
    expect(log.items).toEqual([
      expect.objectContaining({
        webhookId: webhook.id,
        eventId: payload.id,
        eventType: 'idea.submitted',
        attempt: 1,
        status: 'succeeded',
        statusCode: 200,
        error: null,
      }),
    ]);
    // A second drain finds nothing new to send.
    await h.drain();
    expect(receiver.to('/all')).toHaveLength(1);
  });

  it('retries a failing receiver with the same event id, and logs both attempts', async () => {
    receiver.answer('/flaky', 500);
    const webhook = (await register('/flaky', ['idea.submitted'])).json();
    await submitIdea();
    await h.drain();
    expect(receiver.to('/flaky')).toHaveLength(1);
    let log = await deliveries(webhook.id);
    expect(log.items).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: 'failed',
        statusCode: 500,
        error: 'the receiver answered 500',
      }),
    ]);

    await waitForRetry();
    h.clock.advance(2_000);
    await h.drain();
    const [first, second] = receiver.to('/flaky');
    expect(receiver.to('/flaky')).toHaveLength(2);
    // The same event twice: a receiver recognises the duplicate by its id.
    expect(second!.headers['x-clos-event-id']).toBe(first!.headers['x-clos-event-id']);
    expect(second!.body).toBe(first!.body);
    expect([first!.headers['x-clos-delivery'], second!.headers['x-clos-delivery']]).toEqual(['1', '2']);
    expect(verifies(second!, SECRET)).toBe(true);

    log = await deliveries(webhook.id);
    expect(log.items.map((d: { attempt: number; status: string }) => [d.attempt, d.status])).toEqual([
      [2, 'succeeded'],
      [1, 'failed'],
    ]);
    const page1 = await deliveries(webhook.id, '?limit=1');
    expect(page1.items[0].attempt).toBe(2);
    const page2 = await deliveries(webhook.id, `?limit=1&cursor=${page1.nextCursor}`);
    expect(page2.items.map((d: { attempt: number }) => d.attempt)).toEqual([1]);
    expect(page2.nextCursor).toBeNull();
  });

  it('sends a webhook only the types it subscribed to', async () => {
    const pods = (await register('/pods', ['pod.registered'])).json();
    const ideas = (await register('/ideas', ['idea.submitted', 'idea.archived'])).json();
    await submitIdea();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.drain();
    expect(receiver.to('/pods').map((r) => r.headers['x-clos-event'])).toEqual(['pod.registered']);
    expect(receiver.to('/ideas').map((r) => r.headers['x-clos-event'])).toEqual(['idea.submitted']);
    expect((await deliveries(pods.id)).items).toHaveLength(1);
    expect((await deliveries(ideas.id)).items).toHaveLength(1);
  });

  it('stops delivering once disabled (idempotently), abandoning pending retries', async () => {
    const quiet = (await register('/quiet')).json();
    receiver.answer('/down', 503);
    const down = (await register('/down')).json();
    await submitIdea('first');
    await h.drain();
    expect(receiver.to('/quiet')).toHaveLength(1);
    expect(receiver.to('/down')).toHaveLength(1);

    for (const id of [quiet.id, down.id]) {
      const disabled = await h.call('DELETE', `/api/v1/webhooks/${id}`);
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json()).toMatchObject({ active: false, disabledAt: '2026-03-02T09:00:00.000Z' });
      const again = await h.call('DELETE', `/api/v1/webhooks/${id}`);
      expect(again.json()).toEqual(disabled.json());
    }
    expect((await h.call('GET', '/api/v1/audit?action=webhook.disabled')).json().items).toHaveLength(2);

    await submitIdea('second');
    await waitForRetry();
    await h.drain();
    expect(receiver.to('/quiet')).toHaveLength(1);
    expect(receiver.to('/down')).toHaveLength(1);
    const log = await deliveries(down.id);
    expect(log.items.map((d: { attempt: number; status: string }) => [d.attempt, d.status])).toEqual([
      [2, 'abandoned'],
      [1, 'failed'],
    ]);
    expect(log.items[0].error).toBe('the webhook was disabled');
  });

  it('abandons a retry once the event is older than retryHours', async () => {
    receiver.answer('/late', 500);
    const webhook = (await register('/late')).json();
    await submitIdea();
    await h.drain();
    h.clock.advance(24 * 3_600_000 + 1);
    await waitForRetry();
    await h.drain();
    expect(receiver.to('/late')).toHaveLength(1);
    const [latest] = (await deliveries(webhook.id)).items;
    expect(latest).toMatchObject({
      attempt: 2,
      status: 'abandoned',
      error: 'the event is older than 24 h; not retried',
    });
  });

  it('records a redirect as a failure without following it', async () => {
    receiver.answer('/moved', 302);
    const webhook = (await register('/moved')).json();
    await submitIdea();
    await h.drain();
    expect(receiver.received.map((r) => r.path)).toEqual(['/moved']);
    const [attempt] = (await deliveries(webhook.id)).items;
    expect(attempt).toMatchObject({
      status: 'failed',
      statusCode: 302,
      error: `redirect to ${receiver.base}/elsewhere not followed`,
    });
  });

  it('delivers to a host name at the address its lookup answered, naming the host', async () => {
    const url = `${receiver.base.replace('127.0.0.1', 'receiver.test')}/named`;
    const webhook = (await h.call('POST', '/api/v1/webhooks', { url, events: ['*'], secret: SECRET })).json();
    await submitIdea();
    await h.drain();
    expect(receiver.to('/named').map((r) => r.headers.host)).toEqual([new URL(url).host]);
    expect((await deliveries(webhook.id)).items).toEqual([expect.objectContaining({ status: 'succeeded' })]);
  });

  it('records an unreachable receiver', async () => {
    const dead = await startReceiver();
    await dead.close();
    const webhook = (
      await h.call('POST', '/api/v1/webhooks', { url: `${dead.base}/gone`, events: ['*'], secret: SECRET })
    ).json();
    await submitIdea();
    await h.drain();
    const [attempt] = (await deliveries(webhook.id)).items;
    expect(attempt).toMatchObject({
      status: 'failed',
      statusCode: null,
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });
});

describe.each(testEngines())('outbound webhooks to internal addresses on %s', (engine) => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    // The default: webhooks.allowPrivateNetworks is false.
    h = await startHarness(engine, {}, undefined, { runtime: true, outboundLookup: testLookup });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await h.reset();
    receiver.reset();
  });

  const port = () => new URL(receiver.base).port;

  it.each([
    ['http://127.0.0.1:PORT/x', 'a loopback address (127.0.0.1)'],
    ['http://localhost:PORT/x', 'a loopback address (localhost)'],
    ['http://[::1]:PORT/x', 'a loopback address (::1)'],
    ['http://[::ffff:127.0.0.1]:PORT/x', 'a loopback address (::ffff:7f00:1)'],
    ['http://0.0.0.0:PORT/x', 'an unspecified address'],
    ['http://2130706433:PORT/x', 'a loopback address (127.0.0.1)'],
    ['http://0x7f.1:PORT/x', 'a loopback address (127.0.0.1)'],
    ['http://169.254.169.254/latest/meta-data/', 'a cloud metadata endpoint (169.254.169.254)'],
    ['http://10.0.0.1/x', 'a private-network address (10.0.0.1)'],
  ])('refuses to register %s, naming body.url and the reason', async (template, reason) => {
    const url = template.replace('PORT', port());
    const res = await h.call('POST', '/api/v1/webhooks', { url, events: ['*'], secret: SECRET });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
    expect(res.json().error.details).toEqual([
      { path: 'body.url', message: expect.stringContaining(`points at ${reason}`) },
    ]);
    expect(res.json().error.details[0].message).toContain('webhooks.allowPrivateNetworks');
    expect((await h.call('GET', '/api/v1/webhooks')).json().items).toEqual([]);
    expect((await h.call('GET', '/api/v1/audit?action=webhook.created')).json().items).toEqual([]);
  });

  it('records a delivery to a name resolving to an internal address as blocked: not sent, not retried', async () => {
    // A name passes registration (it is not resolved there); the delivery resolves and refuses it.
    const url = `${receiver.base.replace('127.0.0.1', 'receiver.test')}/inside`;
    const created = await h.call('POST', '/api/v1/webhooks', { url, events: ['*'], secret: SECRET });
    expect(created.statusCode).toBe(201);
    await h.call('POST', '/api/v1/ideas', { title: 'Faster checkout' });
    await h.drain();

    expect(receiver.received).toEqual([]);
    const log = (await h.call('GET', `/api/v1/webhooks/${created.json().id}/deliveries`)).json();
    expect(log.items).toEqual([
      expect.objectContaining({
        attempt: 1,
        status: 'blocked',
        statusCode: null,
        error:
          'the host resolves to a loopback address, where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it',
      }),
    ]);
    // Completed, not failed: pg-boss schedules no retry.
    const jobs = await h.database.query<{ state: string }>(
      "select state from pgboss.job where name = 'clos.webhook-delivery'",
    );
    expect(jobs.map((j) => j.state)).toEqual(['completed']);
  });
});
