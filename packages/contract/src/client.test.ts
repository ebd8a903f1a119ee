import { describe, expect, it } from 'vitest';
import {
  ClosApiError,
  ClosConnectionError,
  ClosError,
  ClosResponseError,
  createClosClient,
  type FetchLike,
  isClosApiError,
} from './client.ts';
import { routes } from './routes.ts';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const LOCK = {
  id: '7b1e4c1a-3f59-4a8e-9d0e-5a6f2b1c9d00',
  podId: '7b1e4c1a-3f59-4a8e-9d0e-5a6f2b1c9d01',
  itemType: 'pull-request',
  itemId: 'web#1',
  acquiredBy: null,
  acquiredAt: '2026-03-02T09:00:00.000Z',
  releasedAt: null,
  releasedBy: null,
  label: null,
  url: null,
};

/** A fetch that records what it was sent and answers with `answer`. */
function fakeFetch(answer: (sent: Sent) => Response) {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (url, init) => {
    const request: Sent = {
      url,
      method: String(init.method),
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: init.body === undefined ? undefined : String(init.body),
    };
    sent.push(request);
    return answer(request);
  };
  return { fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('createClosClient', () => {
  it('has one method per JSON route, the same under raw, and events() for the stream', () => {
    const client = createClosClient({ url: 'http://x' });
    expect(typeof client.events).toBe('function');
    for (const [key, definition] of Object.entries(routes)) {
      if ('produces' in definition) {
        expect((client as unknown as Record<string, unknown>)[key], key).toBeUndefined();
        continue;
      }
      expect(typeof (client as unknown as Record<string, unknown>)[key], key).toBe('function');
      expect(typeof (client.raw as unknown as Record<string, unknown>)[key], key).toBe('function');
    }
  });

  it('fills path parameters encoded, serialises the query and keeps a base path', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, { items: [], nextCursor: null }));
    const client = createClosClient({ url: 'https://clos.example.com/prefix/', token: 't0k', fetch });
    await client.listProjects({ query: { pod: 'a b', closed: 'false', limit: 10, cursor: undefined } });
    await client.getWipStatus({ params: { slug: 'r/ü?' } });
    expect(sent.map((s) => s.url)).toEqual([
      'https://clos.example.com/prefix/api/v1/projects?pod=a+b&closed=false&limit=10',
      'https://clos.example.com/prefix/api/v1/pods/r%2F%C3%BC%3F/wip',
    ]);
    expect(sent[0]!.headers).toMatchObject({ authorization: 'Bearer t0k', accept: 'application/json' });
  });

  it('sends JSON only for a route with a body, and the caller’s request id and headers', async () => {
    const { fetch, sent } = fakeFetch(() => json(201, LOCK));
    const client = createClosClient({ url: 'http://x', fetch, headers: { 'user-agent': 'test' } });
    await client.acquireWipLock(
      { params: { slug: 'ratio', itemType: 'pull-request' }, body: { itemId: 'web#1' } },
      { requestId: 'ci-42' },
    );
    await client.advanceProject({ params: { id: LOCK.id } });
    await client.unblockProject({ params: { id: LOCK.id } });
    expect(sent[0]).toMatchObject({
      method: 'POST',
      body: '{"itemId":"web#1"}',
      headers: { 'content-type': 'application/json', 'x-request-id': 'ci-42', 'user-agent': 'test' },
    });
    expect(sent[0]!.headers.authorization).toBeUndefined();
    for (const request of sent.slice(1)) {
      expect(request.body).toBeUndefined();
      expect(request.headers['content-type']).toBeUndefined();
    }
  });

  it('refuses a path parameter that would address another URL', async () => {
    const { fetch, sent } = fakeFetch(() => json(200, {}));
    const client = createClosClient({ url: 'http://x', fetch });
    for (const slug of ['', '.', '..'])
      await expect(client.getPod({ params: { slug } })).rejects.toThrow(TypeError);
    expect(sent).toHaveLength(0);
  });

  it('answers the body, or with raw the status too', async () => {
    const { fetch } = fakeFetch(() => json(200, LOCK, { 'x-request-id': 'r1' }));
    const client = createClosClient({ url: 'http://x', fetch });
    const input = { params: { slug: 'ratio', itemType: 'pull-request' }, body: { itemId: 'web#1' } };
    expect(await client.acquireWipLock(input)).toEqual(LOCK);
    const raw = await client.raw.acquireWipLock(input);
    expect(raw).toMatchObject({ status: 200, data: LOCK, requestId: 'r1' });
  });

  it('throws the server’s error as a ClosApiError with code, message, details and request id', async () => {
    const body = {
      error: {
        code: 'wip_limit_exceeded',
        message: 'pod "ratio" is at its pull-request WIP limit',
        details: { pod: 'ratio', itemType: 'pull-request', limit: 1, used: 1, holders: [] },
        requestId: 'req-1',
      },
    };
    const { fetch } = fakeFetch(() => json(409, body));
    const client = createClosClient({ url: 'http://x', fetch });
    const error = await client
      .acquireWipLock({ params: { slug: 'ratio', itemType: 'pull-request' }, body: { itemId: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosApiError);
    expect(error).toBeInstanceOf(ClosError);
    expect(error).toMatchObject({ status: 409, ...body.error, route: 'acquireWipLock' });
    expect(isClosApiError(error, 'wip_limit_exceeded')).toBe(true);
    expect(isClosApiError(error, 'conflict')).toBe(false);
    if (isClosApiError(error, 'wip_limit_exceeded')) expect(error.details?.limit).toBe(1);
  });

  it('turns a foreign error body (a proxy’s page) into a ClosApiError with the code its status means', async () => {
    const { fetch } = fakeFetch(
      () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    const client = createClosClient({ url: 'http://x', fetch });
    const error = await client.listPods().catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 502,
      code: 'internal_error',
      message: 'HTTP 502 Bad Gateway: <html>Bad Gateway</html>',
      requestId: null,
    });
    const unauthorized = fakeFetch(
      () => new Response('', { status: 401, headers: { 'x-request-id': 'r9' } }),
    );
    const other = createClosClient({ url: 'http://x', fetch: unauthorized.fetch });
    await expect(other.listPods()).rejects.toMatchObject({ code: 'unauthorized', requestId: 'r9' });
  });

  it('throws ClosResponseError for a success that is not JSON, or not the contract when validating', async () => {
    const notJson = createClosClient({ url: 'http://x', fetch: fakeFetch(() => new Response('ok')).fetch });
    await expect(notJson.healthz()).rejects.toBeInstanceOf(ClosResponseError);

    const wrong = fakeFetch(() => json(200, { ...LOCK, id: 'not-a-uuid', extra: true }));
    const lax = createClosClient({ url: 'http://x', fetch: wrong.fetch });
    expect(await lax.releaseWipLock({ params: { id: LOCK.id } })).toMatchObject({ id: 'not-a-uuid' });
    const strict = createClosClient({ url: 'http://x', fetch: wrong.fetch, validateResponses: true });
    const error = await strict.releaseWipLock({ params: { id: LOCK.id } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosResponseError);
    expect((error as ClosResponseError).issues.map((i) => i.path.join('.'))).toEqual(['id']);
    const good = createClosClient({
      url: 'http://x',
      fetch: fakeFetch(() => json(200, LOCK)).fetch,
      validateResponses: true,
    });
    expect(await good.releaseWipLock({ params: { id: LOCK.id } })).toEqual(LOCK);
  });

  it('throws ClosConnectionError, with the cause, when fetch fails', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const client = createClosClient({
      url: 'http://127.0.0.1:1',
      fetch: async () => {
        throw new TypeError('fetch failed', { cause });
      },
    });
    const error = await client.listPods().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosConnectionError);
    expect(error).toMatchObject({ timedOut: false, url: 'http://127.0.0.1:1/api/v1/pods' });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(((error as Error).cause as Error).cause).toBe(cause);
  });

  it('times out as a ClosConnectionError; a caller’s abort is rethrown as is', async () => {
    // Answers only when aborted, the way fetch does.
    const hanging: FetchLike = (_url, init) =>
      new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const slow = createClosClient({ url: 'http://x', fetch: hanging, timeoutMs: 20 });
    await expect(slow.listPods()).rejects.toMatchObject({ name: 'ClosConnectionError', timedOut: true });

    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const pending = slow.listPods(undefined, { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});
