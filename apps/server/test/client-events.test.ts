import { createClosClient, isClosApiError, type StreamedEvent, type StreamedEventOf } from '@clos/contract';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

describe.each(testEngines())('the typed client’s event stream on %s', (engine) => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
  });
  afterAll(() => h.close());

  /** Reads `count` events from a fresh iteration, then stops it. */
  async function take(
    count: number,
    options: Parameters<ReturnType<typeof createClosClient>['events']>[0] = {},
  ) {
    const client = createClosClient({ url: base, token: ADMIN_TOKEN });
    const stop = new AbortController();
    const got: (StreamedEvent | { reset: string })[] = [];
    const reading = (async () => {
      for await (const e of client.events({ ...options, signal: stop.signal })) {
        got.push(e);
        if (got.length === count) break;
      }
    })();
    return {
      got,
      done: reading,
      stop: () => stop.abort(),
    };
  }

  it('yields events as they happen, and resumes after the last one it was given', async () => {
    await h.reset();
    const reader = await take(2, { types: ['idea.submitted'] });
    // Give the stream a moment to connect before the changes (it replays nothing without an id).
    await new Promise((r) => setTimeout(r, 300));
    for (const title of ['One idea', 'Two ideas', 'Three ideas']) {
      expect((await h.call('POST', '/api/v1/ideas', { title })).statusCode).toBe(201);
      await h.drain();
    }
    await reader.done;
    const [first, second] = reader.got as StreamedEventOf<'idea.submitted'>[];
    expect([first!.type, second!.type]).toEqual(['idea.submitted', 'idea.submitted']);
    // Typed by its type: no cast to read the payload.
    expect(first!.data.after?.title).toBe('One idea');
    expect(second!.seq).toBeGreaterThan(first!.seq);

    // A later iteration resuming after the second event receives exactly the third.
    const resumed = await take(1, { types: ['idea.submitted'], lastEventId: second!.seq });
    await resumed.done;
    expect((resumed.got[0] as StreamedEventOf<'idea.submitted'>).data.after?.title).toBe('Three ideas');
  });

  it('throws the API error for a refused stream (no token, bad type)', async () => {
    const anonymous = createClosClient({ url: base });
    await expect(anonymous.events()[Symbol.asyncIterator]().next()).rejects.toSatisfy((e: unknown) =>
      isClosApiError(e, 'unauthorized'),
    );
    const client = createClosClient({ url: base, token: ADMIN_TOKEN });
    await expect(
      client
        .events({ types: ['no.such'] })
        [Symbol.asyncIterator]()
        .next(),
    ).rejects.toSatisfy((e: unknown) => isClosApiError(e, 'invalid_request'));
  });
});
