import type { NewDomainEvent } from '../events/event.ts';

/**
 * Where metrics and tracing attach. Each layer that does work on behalf of someone calls its own hook:
 * the unit of work around every transaction, the relay around every pass and every event it
 * dispatches, the job runner around every job, the composition root around every use case, the
 * stream hub when a reader comes or goes, the HTTP layer when a request is answered. The composition
 * root builds one `Instrumentation` and hands it to every layer, so an exporter (Prometheus,
 * OpenTelemetry) is one implementation of this interface, not edits across the tree.
 *
 * Wrapping hooks must call `run` exactly once and return (or throw) what it does: they may time it,
 * open a span around it, count its outcome; they must not change it.
 */
export type Around<Info> = <T>(info: Info, run: () => Promise<T>) => Promise<T>;

/** Like {@link Around}, for calls that may or may not return a promise (a use case returning a stream). */
export type Wrap<Info> = <T>(info: Info, run: () => T) => T;

export interface Instrumentation {
  /** Around one unit of work: a write transaction, or a read-only snapshot. */
  unitOfWork: Around<{ snapshot: boolean }>;
  /** Around one relay pass; `run` resolves to the number of events it dispatched. */
  relayPass: Around<Record<string, never>>;
  /**
   * Around handing one event to its subscribers. `traceparent` is the trace context stored with the
   * event by the transaction that wrote it: the jobs enqueued inside `run` join that trace.
   */
  relayDispatch: Around<{ type: string; traceparent: string | null }>;
  /** Around one job's handler, retries included (each attempt is a call); `traceparent` came with the job. */
  job: Around<{ queue: string; id: string; attempt: number; traceparent: string | null }>;
  /** Around one use case called through the services (`stages.advance`); sees its tagged result. */
  useCase: Wrap<{ name: string }>;
  /** A write transaction committed; these are the domain events it wrote (possibly none). */
  committed(events: readonly NewDomainEvent[]): void;
  /**
   * The current trace as a W3C `traceparent`, to be stored with what crosses a process or a queue
   * (an outbox event, a job); undefined when tracing is off or nothing is being traced.
   */
  traceparent(): string | undefined;
  /** A stream reader connected or disconnected; `readers` is how many are connected after it. */
  streamReaders(change: { change: 'connected' | 'disconnected'; readers: number }): void;
  /** An HTTP request was answered: `route` is the route's template (`/api/v1/pods/:slug`), not the URL. */
  httpResponse(response: { method: string; route: string; status: number; durationMs: number }): void;
}

const passThrough = <T>(_info: unknown, run: () => T) => run();

/** Does nothing: what every layer uses until an exporter is configured. */
export const NO_INSTRUMENTATION: Instrumentation = {
  unitOfWork: passThrough,
  relayPass: passThrough,
  relayDispatch: passThrough,
  job: passThrough,
  useCase: passThrough,
  committed() {},
  traceparent: () => undefined,
  streamReaders() {},
  httpResponse() {},
};

/** Every hook of each instrumentation, in order (the first wraps the others): metrics and tracing together. */
export function combineInstrumentation(...all: Instrumentation[]): Instrumentation {
  if (all.length === 0) return NO_INSTRUMENTATION;
  if (all.length === 1) return all[0]!;
  const nest =
    <Info>(pick: (i: Instrumentation) => Wrap<Info>): Wrap<Info> =>
    (info, run) =>
      all.reduceRight<() => ReturnType<typeof run>>((inner, i) => () => pick(i)(info, inner), run)();
  return {
    unitOfWork: nest((i) => i.unitOfWork as Wrap<{ snapshot: boolean }>) as Instrumentation['unitOfWork'],
    relayPass: nest((i) => i.relayPass as Wrap<Record<string, never>>) as Instrumentation['relayPass'],
    relayDispatch: nest(
      (i) => i.relayDispatch as Wrap<{ type: string; traceparent: string | null }>,
    ) as Instrumentation['relayDispatch'],
    job: nest(
      (i) => i.job as Wrap<{ queue: string; id: string; attempt: number; traceparent: string | null }>,
    ) as Instrumentation['job'],
    useCase: nest((i) => i.useCase),
    committed: (events) => {
      for (const i of all) i.committed(events);
    },
    traceparent: () => {
      for (const i of all) {
        const t = i.traceparent();
        if (t) return t;
      }
      return undefined;
    },
    streamReaders: (change) => {
      for (const i of all) i.streamReaders(change);
    },
    httpResponse: (response) => {
      for (const i of all) i.httpResponse(response);
    },
  };
}
