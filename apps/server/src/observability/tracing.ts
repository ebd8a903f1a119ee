import type { Instrumentation } from '@clos/core';
import { NO_INSTRUMENTATION } from '@clos/core';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const TRACER = 'clos';

/**
 * Environment variables that switch the OpenTelemetry SDK on: the specification's endpoint variables.
 * Without one, nothing is set up and tracing costs nothing.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface TracingSdk {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK when the OTEL_* variables ask for it: OTLP trace export configured
 * by the specification's variables (endpoint, protocol, headers, sampler, resource), W3C trace context
 * propagation, and the undici instrumentation, so every outbound `fetch` (webhook deliveries, GitHub,
 * Slack) is a client span. Metrics and logs stay with Prometheus and the log stream.
 */
export async function startTracing(
  env: NodeJS.ProcessEnv,
  /** Where spans go instead of OTLP (tests: an in-memory exporter); starts the SDK whatever `env` says. */
  spanProcessors?: SpanProcessor[],
): Promise<TracingSdk | null> {
  if (!spanProcessors && !tracingRequested(env)) return null;
  // Loaded only when asked for: the SDK and its exporters are a large import for a process that does not trace.
  const [{ NodeSDK }, { UndiciInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'clos',
    ...(spanProcessors ? { spanProcessors } : {}),
    instrumentations: [new UndiciInstrumentation()],
    // Prometheus serves the metrics and the log stream the logs: only traces go over OTLP.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

const carrierOf = (traceparent: string | null): Context =>
  traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;

/** Ends `span` when `run` settles, recording a thrown error; works for values and promises alike. */
function finish<T>(span: Span, run: () => T, onValue?: (value: unknown) => void): T {
  const fail = (error: unknown) => {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    span.end();
  };
  let value: T;
  try {
    value = run();
  } catch (error) {
    fail(error);
    throw error;
  }
  if (value instanceof Promise)
    return value.then(
      (v) => {
        onValue?.(v);
        span.end();
        return v;
      },
      (error) => {
        fail(error);
        throw error;
      },
    ) as T;
  onValue?.(value);
  span.end();
  return value;
}

/** A tagged refusal (`{ ok: false, error: { code } }`) is an answer, not an error: an attribute says which. */
function noteOutcome(span: Span) {
  return (value: unknown) => {
    if (typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false) {
      const code = (value as { error?: { code?: unknown } }).error?.code;
      span.setAttribute('clos.outcome', 'refused');
      if (typeof code === 'string') span.setAttribute('clos.refusal', code);
    }
  };
}

/**
 * The tracing side of the instrumentation over the OpenTelemetry API: spans for use cases,
 * transactions, event dispatch and jobs, and the trace context carried through the outbox and the
 * job queue. With no SDK registered every call is the API's no-op.
 */
export function createTracingInstrumentation(): Instrumentation {
  const tracer = trace.getTracer(TRACER);
  const span = <T>(
    name: string,
    options: Parameters<typeof tracer.startSpan>[1],
    parent: Context,
    run: () => T,
    onValue?: (v: unknown) => void,
  ) => {
    const s = tracer.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, s), () => finish(s, run, onValue ?? noteOutcome(s)));
  };
  return {
    ...NO_INSTRUMENTATION,
    unitOfWork: ({ snapshot }, run) =>
      span(
        'db.transaction',
        { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'clos.snapshot': snapshot } },
        context.active(),
        run,
        () => {},
      ),
    relayDispatch: ({ type, traceparent }, run) =>
      span(
        `relay ${type}`,
        { kind: SpanKind.CONSUMER, attributes: { 'clos.event.type': type } },
        // The request that wrote the event, which committed (and may have answered) long ago: a parent
        // in the same trace, so the trace shows what the request caused.
        traceparent ? carrierOf(traceparent) : context.active(),
        run,
        () => {},
      ),
    job: ({ queue, id, attempt, traceparent }, run) =>
      span(
        `job ${queue}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'pg-boss',
            'messaging.destination.name': queue,
            'messaging.message.id': id,
            'clos.job.attempt': attempt,
          },
        },
        traceparent ? carrierOf(traceparent) : ROOT_CONTEXT,
        run,
        () => {},
      ),
    useCase: ({ name }, run) => span(name, { kind: SpanKind.INTERNAL }, context.active(), run),
    traceparent() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    },
  };
}

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A server span per HTTP request, named by its route template, continuing the caller's trace when it
 * sends a `traceparent` header. The rest of the request (hooks, handler, use cases) runs inside it,
 * so the spans they open and the log lines they write belong to it.
 */
export function registerRequestTracing(app: FastifyInstance) {
  const tracer = trace.getTracer(TRACER);
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? '*';
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0] ?? '/',
          'clos.request_id': request.id,
        },
      },
      parent,
    );
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('clos.aborted', true);
      span.end();
      spans.delete(request);
    }
    done();
  });
}

/** The ids of the active span, for log lines (pino's mixin); empty outside a trace. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  if (!trace.isSpanContextValid(c)) return {};
  return { trace_id: c.traceId, span_id: c.spanId };
}
