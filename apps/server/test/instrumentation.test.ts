import { type Instrumentation, NO_INSTRUMENTATION } from '@clos/core';
import { testEngines } from '@clos/testing';
import type { RuntimeModule } from '@clos/workflows';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

type Call =
  | { hook: 'unitOfWork'; snapshot: boolean; outcome: 'ok' | 'error' }
  | { hook: 'relayPass'; dispatched: unknown }
  | { hook: 'job'; queue: string; attempt: number; outcome: 'ok' | 'error' }
  | { hook: 'streamReaders'; change: string; readers: number }
  | { hook: 'httpResponse'; method: string; route: string; status: number; durationMs: number };

/** An instrumentation that keeps what each layer told it, as an exporter would see it. */
function recorder() {
  const calls: Call[] = [];
  const around =
    <I>(note: (info: I, outcome: 'ok' | 'error', value: unknown) => Call) =>
    async <T>(info: I, run: () => Promise<T>): Promise<T> => {
      try {
        const value = await run();
        calls.push(note(info, 'ok', value));
        return value;
      } catch (error) {
        calls.push(note(info, 'error', undefined));
        throw error;
      }
    };
  const instrumentation: Instrumentation = {
    ...NO_INSTRUMENTATION,
    unitOfWork: around((info, outcome) => ({ hook: 'unitOfWork', snapshot: info.snapshot, outcome })),
    relayPass: around((_info, _outcome, dispatched) => ({ hook: 'relayPass', dispatched })),
    job: around((info, outcome) => ({ hook: 'job', queue: info.queue, attempt: info.attempt, outcome })),
    streamReaders: (c) => calls.push({ hook: 'streamReaders', ...c }),
    httpResponse: (r) => calls.push({ hook: 'httpResponse', ...r }),
  };
  const of = <H extends Call['hook']>(hook: H) =>
    calls.filter((c): c is Extract<Call, { hook: H }> => c.hook === hook);
  return { instrumentation, calls, of };
}

const TEST_QUEUE = 'test.instrumented';
let failNext = false;

/** A subscriber that enqueues a job per new pod, and the job: one run of the job runner to watch. */
const watched = (): RuntimeModule => ({
  name: 'instrumented',
  subscribers: [
    {
      name: 'instrumented',
      types: ['pod.registered'],
      dispatch: (event, { enqueue }) => enqueue(TEST_QUEUE, { podId: event.subjectId }),
    },
  ],
  jobs: [
    {
      queue: TEST_QUEUE,
      policy: { retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 60 },
      async handle() {
        if (failNext) {
          failNext = false;
          throw new Error('planted failure');
        }
      },
    },
  ],
});

describe.each(testEngines())('instrumentation hooks on %s', (engine) => {
  const r = recorder();
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, {
      runtime: true,
      extraModules: [watched],
      instrumentation: r.instrumentation,
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    r.calls.length = 0;
  });

  it('wraps each unit of work, and sees a rolled-back one fail', async () => {
    expect(
      (await h.call('POST', '/api/v1/pods', { slug: 'hooks', name: 'Hooks', timezone: 'UTC' })).statusCode,
    ).toBe(201);
    expect(r.of('unitOfWork')).toContainEqual({ hook: 'unitOfWork', snapshot: false, outcome: 'ok' });
    r.calls.length = 0;
    // The same slug again: the use case refuses inside its transaction.
    expect(
      (await h.call('POST', '/api/v1/pods', { slug: 'hooks', name: 'Hooks', timezone: 'UTC' })).statusCode,
    ).toBe(409);
    expect(r.of('unitOfWork')).toContainEqual({ hook: 'unitOfWork', snapshot: false, outcome: 'error' });
  });

  it('reports every answered request by its route template, not its URL', async () => {
    await h.call('GET', '/api/v1/pods/hooks');
    await h.call('GET', '/api/v1/pods/no-such-pod');
    await h.call('GET', '/api/v1/nothing-here');
    const seen = r.of('httpResponse').map(({ method, route, status }) => ({ method, route, status }));
    expect(seen).toEqual([
      { method: 'GET', route: '/api/v1/pods/:slug', status: 200 },
      { method: 'GET', route: '/api/v1/pods/:slug', status: 404 },
      { method: 'GET', route: '*', status: 404 },
    ]);
    for (const c of r.of('httpResponse')) expect(c.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('wraps relay passes and each job, failed attempts included', async () => {
    await h.call('POST', '/api/v1/pods', { slug: 'relayed', name: 'Relayed', timezone: 'UTC' });
    await h.drain();
    expect(r.of('relayPass').some((c) => typeof c.dispatched === 'number' && c.dispatched >= 1)).toBe(true);
    expect(r.of('job')).toContainEqual({ hook: 'job', queue: TEST_QUEUE, attempt: 1, outcome: 'ok' });

    r.calls.length = 0;
    failNext = true;
    await h.call('POST', '/api/v1/pods', { slug: 'failing', name: 'Failing', timezone: 'UTC' });
    await h.drain();
    expect(r.of('job')).toContainEqual({ hook: 'job', queue: TEST_QUEUE, attempt: 1, outcome: 'error' });
  });

  it('is told when a stream reader connects and disconnects', async () => {
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const stop = new AbortController();
    const res = await fetch(`${url}/api/v1/stream`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: stop.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // the `retry:` frame: the reader is registered
    expect(r.of('streamReaders')).toEqual([{ hook: 'streamReaders', change: 'connected', readers: 1 }]);
    stop.abort();
    await expect.poll(() => r.of('streamReaders').length, { timeout: 10_000 }).toBe(2);
    expect(r.of('streamReaders')[1]).toEqual({ hook: 'streamReaders', change: 'disconnected', readers: 0 });
  });
});
