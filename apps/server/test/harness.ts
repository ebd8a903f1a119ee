import { randomBytes } from 'node:crypto';
import { combineInstrumentation, type Policy, type Role, sealCommittedAudit } from '@clos/core';
import { composeCore, type composeServices, createSecretBox, type Database } from '@clos/db';
import { defaultPolicy, type Engine, FakeClock, openTestDatabase, resetDatabase } from '@clos/testing';
import { type Runtime, type RuntimeEnv, type RuntimeModule, startRuntime } from '@clos/workflows';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { API_VERSION, buildApp } from '../src/app.ts';
import { createMetrics, type Metrics } from '../src/observability/metrics.ts';

export const ADMIN_TOKEN = 'clos_test_admin_token_0123456789abcdef';

export interface Harness {
  engine: Engine;
  app: FastifyInstance;
  database: Database;
  clock: FakeClock;
  services: ReturnType<typeof composeServices>;
  /** The job runner, when started with `{ runtime: true }` (no timers: tests drive it). */
  runtime: Runtime | null;
  /** The Prometheus registry `/metrics` renders. */
  metrics: Metrics;
  /** Relays pending events and runs every due job until none is left. */
  drain(): Promise<number>;
  /** Seals every committed audit event into the chain (what the relay does moments after a commit). */
  sealAudit(): Promise<void>;
  /** Calls the API as the bootstrap admin, or with `token`. */
  call(
    method: string,
    url: string,
    body?: unknown,
    token?: string | null,
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely; the contract is typed elsewhere
  ): Promise<LightMyRequestResponse & { body: string; json<T = Record<string, any>>(): T }>;
  /** A user with a token of that role (pod-leads and scoped tokens get `pods`). */
  userWithToken(
    role: Role,
    options?: { pods?: string[]; email?: string },
  ): Promise<{ token: string; userId: string; email: string }>;
  /** Empties the database and bootstraps the admin again. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

/** A server over a fresh database of the given engine, built the way `main.ts` builds it. */
export async function startHarness(
  engine: Engine,
  policyOverrides: Record<string, unknown> = {},
  policy?: Policy,
  options: {
    /** Start the job runner (workflows, relay, queues) over the same database and clock. */
    runtime?: boolean;
    extraModules?: readonly ((env: RuntimeEnv) => RuntimeModule)[];
    notifiers?: import('@clos/core').Notifier[];
    /** The audit signing key and checkpoint sinks (without them the checkpoint routes answer 503). */
    auditCheckpoints?: import('@clos/core').AuditCheckpointPorts;
    /** Resolves host names for webhook deliveries (a made-up name answered with 127.0.0.1). */
    outboundLookup?: import('@clos/outbound').HostLookup;
    /** Event stream tuning passed to buildApp. */
    stream?: { recheckMs?: number };
    /** Where the layers report (a test's recorder); nothing when absent. */
    instrumentation?: import('@clos/core').Instrumentation;
    /** Inbound webhook routes of configured integrations, mounted as the server mounts them. */
    inbound?: readonly import('@clos/integrations').MountedRoute[];
    /** Status reporters of configured integrations (`configureIntegrations(…).status`). */
    integrationStatus?: Record<string, import('@clos/integrations').StatusReporter>;
    /** The SSO relying party (as the server builds it from CLOS_OIDC_*). */
    oidc?: import('../src/auth/oidc-client.ts').OidcClient;
    /** `server.trustProxy`, as the server passes it to the app (defaults to the policy's). */
    trustProxy?: readonly string[];
    /** Importers of configured integrations (`configureIntegrations(…).importers`). */
    importers?: Record<string, import('@clos/integrations').Importer>;
    /** `CLOS_METRICS_TOKEN`. */
    metricsToken?: string;
    /** A span per request (the test registers an OpenTelemetry provider of its own). */
    tracing?: boolean;
    /** The Node.js process metrics in `/metrics` (off by default: each adds observers to the process). */
    processMetrics?: boolean;
  } = {},
): Promise<Harness> {
  const database = await openTestDatabase(engine);
  const clock = new FakeClock();
  const resolved = policy ?? defaultPolicy(policyOverrides);
  // Stored secrets are encrypted as the server encrypts them, under a key of this harness's own.
  const secretBox = createSecretBox({ current: randomBytes(32) });
  // Composed as apps/server/src/compose.ts composes a process: one core, handed to the runtime and the app.
  // Metrics as the server has them: every harness serves `/metrics` and counts what it does.
  const metrics = createMetrics({
    database,
    policy: resolved,
    version: API_VERSION,
    now: () => clock.now(),
    processMetrics: options.processMetrics ?? false,
  });
  const core = composeCore({
    database,
    policy: resolved,
    clock,
    secretBox,
    auditCheckpoints: options.auditCheckpoints,
    instrumentation: combineInstrumentation(
      ...(options.instrumentation ? [options.instrumentation] : []),
      metrics.instrumentation,
    ),
  });
  const runtime = options.runtime
    ? await startRuntime({
        core,
        logger: { info() {}, warn() {}, error() {} },
        worker: false,
        autoTick: false,
        ...(options.extraModules ? { extraModules: options.extraModules } : {}),
        ...(options.notifiers ? { notifiers: options.notifiers } : {}),
        ...(options.outboundLookup ? { outboundLookup: options.outboundLookup } : {}),
      })
    : null;
  const services = core.services;
  const app = await buildApp({
    services,
    database,
    runtime: runtime ?? undefined,
    stream: options.stream,
    instrumentation: core.instrumentation,
    inbound: options.inbound,
    integrationStatus: options.integrationStatus,
    oidc: options.oidc,
    trustProxy: options.trustProxy ?? resolved.server.trustProxy,
    importers: options.importers,
    metrics,
    metricsToken: options.metricsToken,
    tracing: options.tracing,
  });
  const bootstrap = () => services.auth.bootstrap({ email: 'admin@example.com', tokenValue: ADMIN_TOKEN });
  await bootstrap();

  const h: Harness = {
    engine,
    app,
    database,
    clock,
    services,
    runtime,
    metrics,
    async drain() {
      if (!runtime) throw new Error('started without { runtime: true }');
      return runtime.drainJobs();
    },
    sealAudit: () => sealCommittedAudit(core.deps.uow),
    async call(method, url, body, token = ADMIN_TOKEN) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return res as never;
    },
    async userWithToken(role, options = {}) {
      counter += 1;
      const email = options.email ?? `${role}-${counter}@example.com`;
      const user = await h.call('POST', '/api/v1/users', { email, name: `${role} ${counter}`, role });
      if (user.statusCode !== 201) throw new Error(`creating user failed: ${user.body}`);
      const token = await h.call('POST', '/api/v1/tokens', {
        name: `${role} token`,
        role,
        user: email,
        ...(options.pods ? { pods: options.pods } : {}),
      });
      if (token.statusCode !== 201) throw new Error(`creating token failed: ${token.body}`);
      return { token: token.json().value, userId: user.json().id, email };
    },
    async reset() {
      // The relay may still be dispatching the last test's events; TRUNCATE would wait on (or
      // deadlock with) its transaction.
      await runtime?.relay.drain();
      await resetDatabase(database);
      if (runtime) await database.query('delete from pgboss.job');
      clock.set('2026-03-02T09:00:00.000Z');
      await bootstrap();
    },
    async close() {
      await app.close();
      await runtime?.stop();
      await database.close();
    },
  };
  return h;
}
