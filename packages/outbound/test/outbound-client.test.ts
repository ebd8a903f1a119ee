import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createOutboundClient,
  type HostLookup,
  OutboundBlockedError,
  type OutboundClient,
  type ResolvedAddress,
} from '../src/index.ts';

// Every test sends only to 127.0.0.1: refused addresses are refused before any connection, which is
// what these tests show.

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
}

const received: Received[] = [];
let server: Server;
let port = 0;
const redirects = new Map<string, string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ path: req.url ?? '/', headers: req.headers });
    const location = redirects.get(req.url ?? '/');
    if (location) res.writeHead(302, { location }).end();
    else res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const clients: OutboundClient[] = [];
const client = (...args: Parameters<typeof createOutboundClient>) => {
  const c = createOutboundClient(...args);
  clients.push(c);
  return c;
};
beforeEach(() => {
  received.length = 0;
  redirects.clear();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A resolver that answers each call with the next answer (the last one repeating), and counts calls. */
function scriptedLookup(...answers: string[][]): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const answer = answers[Math.min(calls.length, answers.length) - 1] ?? [];
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

async function blocked(promise: Promise<unknown>): Promise<OutboundBlockedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundBlockedError);
  return error as OutboundBlockedError;
}

describe('createOutboundClient', () => {
  it.each([
    ['http://127.0.0.1:PORT/x', 'loopback', false],
    ['http://[::1]:PORT/x', 'loopback', false],
    ['http://[::ffff:127.0.0.1]:PORT/x', 'loopback', false],
    ['http://0.0.0.0:PORT/x', 'unspecified', false],
    ['http://2130706433:PORT/x', 'loopback', false],
    ['http://0x7f.1:PORT/x', 'loopback', false],
    ['http://169.254.169.254/latest/meta-data/', 'metadata', false],
    ['http://10.0.0.1/x', 'private', false],
    ['http://localhost:PORT/x', 'loopback', true],
  ])('refuses %s (%s) without connecting, by default', async (template, range, resolved) => {
    const outbound = client({ allowPrivateNetworks: false });
    const error = await blocked(outbound.fetch(template.replace('PORT', String(port)), { method: 'POST' }));
    expect(error.range).toBe(range);
    expect(error.resolved).toBe(resolved);
    // The rule, never the address, the port or a connect error.
    expect(error.message).toMatch(/^the host (is|resolves to) an? .+, where CLOS does not send; /);
    expect(error.message).not.toMatch(/127\.0\.0\.1|::1|169\.254|10\.0\.0\.1|ECONN/);
    expect(error.message).not.toContain(String(port));
    expect(received).toEqual([]);
  });

  it('sends to a loopback receiver once the operator allows its range, or everything', async () => {
    for (const allowPrivateNetworks of [['127.0.0.0/8'], true] as const) {
      const outbound = client({ allowPrivateNetworks });
      const response = await outbound.fetch(`http://127.0.0.1:${port}/allowed`, {
        method: 'POST',
        body: '{}',
      });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    expect(received.map((r) => r.path)).toEqual(['/allowed', '/allowed']);
  });

  it('keeps cloud metadata endpoints closed under allowPrivateNetworks: true', async () => {
    const outbound = client({ allowPrivateNetworks: true });
    expect((await blocked(outbound.fetch('http://169.254.169.254/latest/meta-data/'))).range).toBe(
      'metadata',
    );
    const named = client({ allowPrivateNetworks: true, lookup: scriptedLookup(['169.254.169.254']) });
    expect((await blocked(named.fetch('http://metadata.google.internal/'))).range).toBe('metadata');
  });

  it('refuses a name that resolves to a refused address, and sends to that very address once allowed', async () => {
    const refusing = scriptedLookup(['127.0.0.1']);
    const error = await blocked(
      client({ allowPrivateNetworks: false, lookup: refusing }).fetch(`http://receiver.test:${port}/hook`),
    );
    expect(error).toMatchObject({ range: 'loopback', resolved: true });
    expect(error.message).toBe(
      'the host resolves to a loopback address, where CLOS does not send; set webhooks.allowPrivateNetworks in clos.config.yaml to allow it',
    );
    expect(refusing.calls).toEqual(['receiver.test']);
    expect(received).toEqual([]);

    // A rebinding resolver: the answer checked (127.0.0.1, allowed) is the one connected to. Had the
    // client resolved again, it would have got 127.0.0.2 (not allowed, and nothing listens there).
    const rebinding = scriptedLookup(['127.0.0.1'], ['127.0.0.2']);
    const outbound = client({ allowPrivateNetworks: ['127.0.0.1/32'], lookup: rebinding });
    const response = await outbound.fetch(`http://receiver.test:${port}/hook`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(rebinding.calls).toEqual(['receiver.test']);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.host).toBe(`receiver.test:${port}`);
  });

  it('refuses when a rebinding resolver answers a refused address first, whatever it answers next', async () => {
    const rebinding = scriptedLookup(['127.0.0.2'], ['127.0.0.1']);
    const outbound = client({ allowPrivateNetworks: ['127.0.0.1/32'], lookup: rebinding });
    expect((await blocked(outbound.fetch(`http://receiver.test:${port}/hook`))).range).toBe('loopback');
    expect(rebinding.calls).toEqual(['receiver.test']);
    expect(received).toEqual([]);
  });

  it('refuses a name if any of its addresses is refused, public ones included', async () => {
    const mixed = client({
      allowPrivateNetworks: false,
      lookup: scriptedLookup(['93.184.215.14', '127.0.0.1']),
    });
    expect((await blocked(mixed.fetch('http://receiver.test/hook'))).range).toBe('loopback');
    const privateToo = client({
      allowPrivateNetworks: ['127.0.0.0/8'],
      lookup: scriptedLookup(['127.0.0.1', '10.0.0.1']),
    });
    expect((await blocked(privateToo.fetch(`http://receiver.test:${port}/hook`))).range).toBe('private');
    const mapped = client({ allowPrivateNetworks: false, lookup: scriptedLookup(['::ffff:192.168.1.1']) });
    expect((await blocked(mapped.fetch('http://receiver.test/hook'))).range).toBe('private');
    expect(received).toEqual([]);
  });

  it('checks redirects it is asked to follow like the first request', async () => {
    redirects.set('/moved', 'http://10.0.0.1/inside');
    const outbound = client({ allowPrivateNetworks: ['127.0.0.0/8'] });
    expect(
      (await blocked(outbound.fetch(`http://127.0.0.1:${port}/moved`, { redirect: 'follow' }))).range,
    ).toBe('private');
    expect(received.map((r) => r.path)).toEqual(['/moved']);
  });

  it('reports a name without addresses as not found, not as blocked', async () => {
    const outbound = client({ allowPrivateNetworks: false, lookup: scriptedLookup([]) });
    const error = await outbound.fetch('http://nowhere.test/').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(OutboundBlockedError);
    expect((error as Error & { cause?: { code?: string } }).cause?.code).toBe('ENOTFOUND');
  });

  it('fetches only http: and https: URLs', async () => {
    const outbound = client({ allowPrivateNetworks: true });
    await expect(outbound.fetch('data:text/plain,hello')).rejects.toThrow('only http: and https: URLs');
    await expect(outbound.fetch('file:///etc/passwd')).rejects.toThrow('only http: and https: URLs');
  });

  it('offers the host name, not the pinned address, for TLS (SNI and certificate check)', async () => {
    const names: string[] = [];
    // The server sees the ClientHello's server name, then ends the handshake (it has no certificate).
    const tls = createTlsServer({
      SNICallback: (servername, cb) => {
        names.push(servername);
        cb(new Error('no certificate here'));
      },
    });
    tls.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const tlsPort = (tls.address() as AddressInfo).port;
    try {
      const outbound = client({
        allowPrivateNetworks: ['127.0.0.0/8'],
        lookup: scriptedLookup(['127.0.0.1']),
      });
      const error = await outbound.fetch(`https://receiver.test:${tlsPort}/hook`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(OutboundBlockedError);
      expect(names).toEqual(['receiver.test']);
    } finally {
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    }
  });
});
