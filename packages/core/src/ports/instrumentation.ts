/**
 * Where metrics and tracing attach. Each layer that does work on behalf of someone calls its own hook:
 * the unit of work around every transaction, the relay around every pass, the job runner around
 * every job, the stream hub when a reader comes or goes, the HTTP layer when a request is answered.
 * The composition root builds one `Instrumentation` and hands it to every layer, so an exporter
 * (Prometheus, OpenTelemetry) is one implementation of this interface, not edits across the tree.
 *
 * Wrapping hooks must call `run` exactly once and return (or throw) what it does: they may time it,
 * open a span around it, count its outcome; they must not change it.
 */
export type Around<Info> = <T>(info: Info, run: () => Promise<T>) => Promise<T>;

export interface Instrumentation {
  /** Around one unit of work: a write transaction, or a read-only snapshot. */
  unitOfWork: Around<{ snapshot: boolean }>;
  /** Around one relay pass; `run` resolves to the number of events it dispatched. */
  relayPass: Around<Record<string, never>>;
  /** Around one job's handler, retries included (each attempt is a call). */
  job: Around<{ queue: string; id: string; attempt: number }>;
  /** A stream reader connected or disconnected; `readers` is how many are connected after it. */
  streamReaders(change: { change: 'connected' | 'disconnected'; readers: number }): void;
  /** An HTTP request was answered: `route` is the route's template (`/api/v1/pods/:slug`), not the URL. */
  httpResponse(response: { method: string; route: string; status: number; durationMs: number }): void;
}

const passThrough = <T>(_info: unknown, run: () => Promise<T>) => run();

/** Does nothing: what every layer uses until an exporter is configured. */
export const NO_INSTRUMENTATION: Instrumentation = {
  unitOfWork: passThrough,
  relayPass: passThrough,
  job: passThrough,
  streamReaders() {},
  httpResponse() {},
};
