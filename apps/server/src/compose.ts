/**
 * The composition root: the one place a process's dependencies are built. From the validated policy
 * and an open database it builds, in order, the secret box, the audit checkpoint ports, the configured
 * integrations, the core (ports, use cases, outbox bell, instrumentation: `composeCore`) and the job
 * runner over that same core, then the HTTP app over it. Nothing below builds its own services, unit
 * of work or relay: each layer is handed what it uses.
 */
import { type Instrumentation, NO_INSTRUMENTATION, type Policy } from '@clos/core';
import { type Core, composeCore, type Database } from '@clos/db';
import { type ConfiguredIntegrations, configureIntegrations, INTEGRATIONS } from '@clos/integrations';
import { type Runtime, startRuntime } from '@clos/workflows';
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { buildApp } from './app.ts';
import { auditCheckpointsFor } from './audit/checkpoint-ports.ts';
import { createOidcClient } from './auth/oidc-client.ts';
import type { Observability } from './observability/index.ts';
import type { ServerOptions } from './runtime/options.ts';
import { logSecrets, prepareSecrets } from './runtime/secret-key.ts';

export interface Composed {
  core: Core;
  integrations: ConfiguredIntegrations;
  runtime: Runtime;
}

export interface ComposeInput {
  database: Database;
  policy: Policy;
  options: ServerOptions;
  cwd: string;
  logger: pino.Logger;
  /** Run job handlers and the scheduler here (not in an API-only process). */
  worker: boolean;
  /** Where metrics and tracing attach; nothing is recorded when absent. */
  instrumentation?: Instrumentation | undefined;
}

/** Builds a process's core and job runner. The caller stops `runtime` (and closes the database). */
export async function composeProcess(input: ComposeInput): Promise<Composed> {
  const { database, policy, options, logger } = input;
  // Before anything reads or writes a stored secret: the key, and plain secrets encrypted under it.
  const secrets = await prepareSecrets(database, {
    keys: options.secretKeys,
    dataDir: options.databaseUrl ? undefined : options.dataDir,
  });
  logSecrets(logger, secrets);
  const integrations = await configureIntegrations(INTEGRATIONS, {
    policy,
    env: process.env,
    logger: logger.child({ component: 'integrations' }),
  });
  const core = composeCore({
    database,
    policy,
    secretBox: secrets.box,
    auditCheckpoints: auditCheckpointsFor(policy, options, input.cwd, logger),
    instrumentation: input.instrumentation ?? NO_INSTRUMENTATION,
  });
  const runtime = await startRuntime({
    core,
    logger: logger.child({ component: 'jobs' }),
    worker: input.worker,
    notifiers: integrations.notifiers,
    extraModules: integrations.modules,
  });
  return { core, integrations, runtime };
}

/** The HTTP app over a composed process. */
export function composeApp(
  { core, integrations, runtime }: Composed,
  options: ServerOptions,
  logger: pino.Logger,
  observability?: Observability,
): Promise<FastifyInstance> {
  return buildApp({
    services: core.services,
    database: core.database,
    runtime,
    instrumentation: core.instrumentation,
    logger: logger.child({ component: 'http' }),
    rateLimit: options.rateLimit,
    graphql: options.graphql,
    pressure: options.pressure,
    stream: { limits: options.streamLimits },
    inbound: integrations.routes,
    integrationStatus: integrations.status,
    importers: integrations.importers,
    oidc: options.oidc ? createOidcClient(options.oidc) : undefined,
    trustProxy: core.policy.server.trustProxy,
    // On the API port unless it has a port of its own (--metrics-port).
    metrics: observability && options.metrics?.port === undefined ? observability.metrics : undefined,
    metricsToken: options.metrics?.token,
    tracing: observability?.tracing,
  });
}
