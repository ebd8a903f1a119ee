import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodySignature, createOutboundClient, type OutboundClient, signedPost } from '../src/index.ts';

// Every request goes to a receiver on 127.0.0.1, opened to the guard by the test's allow-list.

interface Received {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
/** Answers by path; a path not listed answers 204. */
const answers = new Map<string, (res: ServerResponse) => void>();
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({
        path,
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers.get(path);
      if (answer) answer(res);
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const clients: OutboundClient[] = [];
const open = () => {
  const c = createOutboundClient({ allowPrivateNetworks: ['127.0.0.0/8'] });
  clients.push(c);
  return c;
};
beforeEach(() => {
  received.length = 0;
  answers.clear();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const body = '{"id":"e1","type":"idea.submitted"}';

describe('bodySignature', () => {
  it('is sha256= and the hex HMAC-SHA256 of the body with the secret', () => {
    const expected = createHmac('sha256', 'a-secret-of-16-chars').update(body).digest('hex');
    expect(bodySignature('a-secret-of-16-chars', body)).toBe(`sha256=${expected}`);
    expect(bodySignature('another-secret-16ch', body)).not.toBe(`sha256=${expected}`);
  });
});

describe('signedPost', () => {
  it('POSTs the body as JSON with the given headers, signed with the secret', async () => {
    const result = await signedPost(open(), `${base}/hook`, body, {
      secret: 'a-secret-of-16-chars',
      headers: { 'user-agent': 'CLOS-Test/1', 'x-clos-event': 'idea.submitted' },
      timeoutSeconds: 5,
    });
    expect(result).toMatchObject({ kind: 'delivered', status: 204 });
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r).toMatchObject({ path: '/hook', method: 'POST', body });
    expect(r!.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'CLOS-Test/1',
      'x-clos-event': 'idea.submitted',
      'x-clos-signature': bodySignature('a-secret-of-16-chars', body),
    });
  });

  it('sends unsigned without a secret, and lets the caller set the content type', async () => {
    await signedPost(open(), `${base}/plain`, body, {
      headers: { 'content-type': 'application/vnd.test+json' },
      timeoutSeconds: 5,
    });
    expect(received[0]!.headers['x-clos-signature']).toBeUndefined();
    expect(received[0]!.headers['content-type']).toBe('application/vnd.test+json');
  });

  it('reports a status that is not 2xx as rejected', async () => {
    answers.set('/down', (res) => res.writeHead(500).end('boom'));
    expect(await signedPost(open(), `${base}/down`, body, { headers: {}, timeoutSeconds: 5 })).toMatchObject({
      kind: 'rejected',
      status: 500,
      error: 'the receiver answered 500',
    });
  });

  it('reports a redirect and does not follow it', async () => {
    answers.set('/moved', (res) => res.writeHead(307, { location: `${base}/elsewhere` }).end());
    const result = await signedPost(open(), `${base}/moved`, body, {
      secret: 'a-secret-of-16-chars',
      headers: {},
      timeoutSeconds: 5,
    });
    expect(result).toMatchObject({
      kind: 'redirected',
      status: 307,
      location: `${base}/elsewhere`,
      error: `redirect to ${base}/elsewhere not followed`,
    });
    expect(received.map((r) => r.path)).toEqual(['/moved']);
  });

  it('reports a receiver that does not answer in time as a timeout', async () => {
    // Never answers: only the timeout ends the request.
    answers.set('/silent', () => {});
    expect(
      await signedPost(open(), `${base}/silent`, body, { headers: {}, timeoutSeconds: 0.2 }),
    ).toMatchObject({ kind: 'timeout', error: 'no answer within 0.2 s' });
  });

  it('reports a refused connection as a network error, with the reason', async () => {
    // A port that was just listening and is closed now: nothing accepts there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await signedPost(open(), `http://127.0.0.1:${port}/x`, body, {
      headers: {},
      timeoutSeconds: 5,
    });
    expect(result).toMatchObject({ kind: 'network', error: 'fetch failed: ECONNREFUSED' });
  });

  it('does not connect to an address the guard refuses: blocked, naming the rule', async () => {
    const guarded = createOutboundClient({ allowPrivateNetworks: false });
    clients.push(guarded);
    const result = await signedPost(guarded, `${base}/internal`, body, {
      secret: 'a-secret-of-16-chars',
      headers: {},
      timeoutSeconds: 5,
    });
    expect(result).toMatchObject({
      kind: 'blocked',
      error:
        'the host is a loopback address, where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it',
    });
    expect(received).toEqual([]);
  });

  it("cancels the receiver's body unread, closing a response that never ends", async () => {
    let closed!: () => void;
    const responseClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    answers.set('/endless', (res) => {
      res.on('close', closed);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a body that keeps coming…');
    });
    // A timeout far beyond the test's: the request's timeout would end the body too.
    const result = await signedPost(open(), `${base}/endless`, body, { headers: {}, timeoutSeconds: 3600 });
    expect(result).toMatchObject({ kind: 'delivered', status: 200 });
    // Without the cancel the response would stay open until that timeout: this waits on the receiver
    // seeing the client go.
    await responseClosed;
  });
});
