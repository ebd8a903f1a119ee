import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { testEngines } from '@clos/testing';
import type { RuntimeModule } from '@clos/workflows';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/http/log.ts';
import { createTracingInstrumentation, startTracing, type TracingSdk } from '../src/observability/tracing.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

const TRACED_QUEUE = 'test.traced';
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

// One SDK for the file, as a process has one: spans go to memory instead of OTLP.
const exporter = new InMemorySpanExporter();
let sdk: TracingSdk | null = null;
let downstream: Server;
let downstreamUrl = '';
const received: (string | undefined)[] = [];
const logLines: Record<string, unknown>[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(JSON.parse(String(chunk)));
      done();
    },
  }),
);

/** Each acquired WIP slot enqueues a job that calls another service and logs: the far end of a trace. */
const traced = (): RuntimeModule => ({
  name: 'traced',
  subscribers: [
    {
      name: 'traced',
      types: ['wip.acquired'],
      dispatch: (event, { enqueue }) => enqueue(TRACED_QUEUE, { lock: event.subjectId }),
    },
  ],
  jobs: [
    {
      queue: TRACED_QUEUE,
      policy: { retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 60 },
      async handle(data) {
        // The job's data arrives without the trace context it carried.
        expect(Object.keys(data)).toEqual(['lock']);
        await fetch(`${downstreamUrl}/notify`, { method: 'POST', body: '{}' });
        logger.info({ job: TRACED_QUEUE }, 'notified downstream');
      },
    },
  ],
});

beforeAll(async () => {
  sdk = await startTracing({}, [new SimpleSpanProcessor(exporter)]);
  downstream = createServer((request, response) => {
    received.push(request.headers.traceparent as string | undefined);
    response.end('ok');
  });
  await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
  const address = downstream.address();
  downstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await sdk?.shutdown();
  await new Promise((resolve) => downstream.close(resolve));
});

describe.each(testEngines())('tracing on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, {
      runtime: true,
      extraModules: [traced],
      instrumentation: createTracingInstrumentation(),
      tracing: true,
    });
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.drain();
    exporter.reset();
    received.length = 0;
    logLines.length = 0;
  });

  const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
  const one = (name: string): ReadableSpan => {
    const spans = named(name);
    expect(
      spans.map((s) => s.name),
      `spans named ${name}`,
    ).toEqual([name]);
    return spans[0]!;
  };
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('follows an acquire from the caller through the use case, its transaction, the relay and the job it enqueued', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/pods/ratio/wip/pull-request/locks',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      },
      payload: { itemId: 'pr-7' },
    });
    expect(res.statusCode, res.body).toBe(201);
    await h.drain();

    const request = one('POST /api/v1/pods/:slug/wip/:itemType/locks');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.spanContext().traceId).toBe(CALLER_TRACE);
    expect(parentOf(request)).toBe(CALLER_SPAN);
    expect(request.attributes).toMatchObject({
      'http.route': '/api/v1/pods/:slug/wip/:itemType/locks',
      'http.response.status_code': 201,
    });

    const useCase = one('wip.acquire');
    expect(parentOf(useCase)).toBe(request.spanContext().spanId);
    const transactions = named('db.transaction').filter((s) => s.spanContext().traceId === CALLER_TRACE);
    expect(transactions.some((t) => parentOf(t) === useCase.spanContext().spanId)).toBe(true);

    // Long after the request answered, in another context: the relay and the job join its trace.
    const relay = one('relay wip.acquired');
    expect(relay.spanContext().traceId).toBe(CALLER_TRACE);
    const job = one(`job ${TRACED_QUEUE}`);
    expect(job.spanContext().traceId).toBe(CALLER_TRACE);
    expect(parentOf(job)).toBe(relay.spanContext().spanId);
    expect(job.kind).toBe(SpanKind.CONSUMER);

    // The job's outbound call is a client span of the same trace, and carries it to the far end.
    const outbound = exporter
      .getFinishedSpans()
      .filter((s) => s.kind === SpanKind.CLIENT && s.attributes['url.full']);
    expect(outbound).toHaveLength(1);
    expect(outbound[0]!.spanContext().traceId).toBe(CALLER_TRACE);
    expect(parentOf(outbound[0]!)).toBe(job.spanContext().spanId);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(new RegExp(`^00-${CALLER_TRACE}-${outbound[0]!.spanContext().spanId}-01$`));

    // And what the job logged names the trace.
    const line = logLines.find((l) => l.msg === 'notified downstream');
    expect(line).toMatchObject({ trace_id: CALLER_TRACE, span_id: job.spanContext().spanId });
  });

  it('starts a trace of its own for a caller without one, and marks a refusal as an answer, not an error', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 1 });
    exporter.reset();
    const refused = await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'pr-8' });
    expect(refused.statusCode).toBe(409);
    const request = one('POST /api/v1/pods/:slug/wip/:itemType/locks');
    expect(parentOf(request)).toBeUndefined();
    expect(request.attributes['http.response.status_code']).toBe(409);
    const useCase = one('wip.acquire');
    expect(useCase.attributes).toMatchObject({
      'clos.outcome': 'refused',
      'clos.refusal': 'wip_limit_exceeded',
    });
    expect(useCase.status.code).not.toBe(2);
  });

  it('records a failing use case as an error on its span', async () => {
    exporter.reset();
    const res = await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Again', timezone: 'UTC' });
    expect(res.statusCode).toBe(409);
    const useCase = one('pods.register');
    expect(useCase.status.code).toBe(2);
    expect(useCase.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
