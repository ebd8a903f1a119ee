import type { IncomingHttpHeaders } from 'node:http';
import type { Ctx, Notifier, Policy, Services } from '@clos/core';
import type { HostLookup } from '@clos/outbound';
import type { EventSubscriber, RuntimeEnv, RuntimeModule } from '@clos/workflows';

export interface IntegrationLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What an integration is configured from, once per process at start-up. */
export interface IntegrationContext {
  /**
   * The parsed `clos.config.yaml`. An integration's section is validated with the rest of the file
   * (its schema is in `@clos/contract`'s config, its type in core's `Policy`), so a bad value stops
   * start-up naming its path before anything here runs.
   */
  policy: Policy;
  /**
   * The process environment, where secrets live: the config names a variable (`secretEnv`), never the
   * secret. Only apps read `process.env`; the server passes it in, tests pass a record.
   */
  env: Readonly<Record<string, string | undefined>>;
  /** The server's logger, bound to this integration's name. */
  logger: IntegrationLogger;
  /** Resolves host names for outbound calls to chosen URLs (tests); the system resolver otherwise. */
  outboundLookup?: HostLookup | undefined;
}

/** An inbound route's check of a request: the signature over the raw body, the timestamp, … */
export type Verdict = { ok: true } | { ok: false; reason: string };

/** A delivery's work, queued for a job of the integration's own module. */
export interface DeliveryJob {
  queue: string;
  data: Record<string, unknown>;
}

/** What an inbound handler may use: the use cases, and the request it answers. */
export interface InboundDeps {
  services: Services;
  headers: IncomingHttpHeaders;
  requestId: string;
  logger: IntegrationLogger;
  /**
   * Applies a delivery once: records `delivery.id` and enqueues `job` in one transaction, so the
   * answer can go out at once and the work happens in the job. A delivery seen before is `duplicate`
   * and enqueues nothing. Throws (503) in a process without a job runner.
   */
  acceptDelivery(
    delivery: { id: string; event: string },
    job: DeliveryJob,
  ): Promise<'accepted' | 'duplicate'>;
}

/** The answer an inbound handler gives: an object is sent as JSON, a string as text. */
export interface InboundAnswer {
  status: number;
  body?: unknown;
}

/**
 * A route a service calls (a GitHub, Slack or Linear webhook). It is mounted at
 * `/api/v1/integrations/<integration>` + `path`, public (the signature is the credential) and on the `webhook`
 * rate-limit budget. The server reads the body as bytes, with no parser: `verify` sees exactly what
 * was signed, and a request it refuses is answered 401 before anything parses it.
 */
export interface InboundRoute<Body = unknown> {
  method: 'POST' | 'PUT';
  /** `''` for `/api/v1/integrations/<integration>` itself, else a suffix starting with `/`. */
  path: string;
  /** Largest body accepted, in bytes; the server's limit (1 MiB) otherwise. */
  bodyLimit?: number;
  /** Checks the request against the raw body bytes, before any parsing. A refusal is a 401. */
  verify(rawBody: Buffer, headers: IncomingHttpHeaders): Verdict | Promise<Verdict>;
  /**
   * Turns the verified bytes into what `handle` takes; throwing is a 400 naming the body. Without it
   * the body is read as JSON (UTF-8, nesting limited, prototype keys refused, as the API's own).
   */
  parse?(rawBody: Buffer, headers: IncomingHttpHeaders): Body;
  // A method, so a route typed for its own body is still an `InboundRoute` (parameters of methods are
  // compared both ways); the server hands it what its own `parse` (or JSON) produced.
  handle(body: Body, deps: InboundDeps): Promise<InboundAnswer>;
}

/** What an integration adds when it is on. Every part is optional. */
export interface IntegrationContribution {
  /** Where notifications go (docs/notifications.md): each is called by the `clos.notify` job. */
  notifiers?: readonly Notifier[];
  /** Runtime modules: workflows, schedules, jobs, subscribers, tick work (`@clos/workflows`). */
  modules?: readonly ((env: RuntimeEnv) => RuntimeModule)[];
  /** Reactions to domain events that need nothing but the relay's transaction and `enqueue`. */
  subscribers?: readonly EventSubscriber[];
  /** Inbound HTTP routes (webhooks the service sends to CLOS). */
  routes?: readonly InboundRoute[];
  /** Releases what it holds (pooled connections) when the job runner stops. */
  stop?: () => Promise<void>;
  /**
   * Reports how the integration stands (the GitHub App: its installations, mapped repositories and
   * their pull requests), for `GET /api/v1/integrations/<name>/status`. It should answer even when the
   * service it talks to does not, with the failure in the report rather than thrown.
   */
  status?: StatusReporter;
  /** Imports from the service (`POST /api/v1/imports/<name>`, `clos import <name>`). */
  importer?: Importer;
}

/** An integration's status report, built on request with the use cases. */
export type StatusReporter = (services: Services) => Promise<unknown>;

/** An import from the service, run for the caller with the use cases; `request` is validated by the route. */
export type Importer = (services: Services, ctx: Ctx, request: never) => Promise<unknown>;

/**
 * One thing CLOS connects to. `configure` reads its section of the policy and its secrets from the
 * environment and returns what it adds, or null when it is not configured (then it adds nothing, and
 * its routes answer 404). A new integration is a folder under `src/` and one line in `registry.ts`.
 */
export interface Integration {
  /** Unique, lower-case kebab-case: it names the log binding and the route prefix `/api/v1/integrations/<name>`. */
  name: string;
  /** The `clos.config.yaml` sections it reads (docs/configuration.md), for the registry's test and docs. */
  configSections: readonly (keyof Policy)[];
  /** Environment variables it reads by a fixed name (variables named in the config are not listed). */
  environment?: readonly { name: string; description: string }[];
  configure(
    context: IntegrationContext,
  ): IntegrationContribution | null | Promise<IntegrationContribution | null>;
}
