import { loadConfigFile } from '@clos/config';
import type { Policy } from '@clos/core';
import { type Database, openPglite, openPostgres } from '@clos/db';
import { type ConfiguredIntegrations, configureIntegrations, INTEGRATIONS } from '@clos/integrations';
import { type Runtime, startRuntime } from '@clos/workflows';
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { buildApp } from './app.ts';
import { auditCheckpointsFor } from './audit/checkpoint-ports.ts';
import { seedDemo } from './demo/seed.ts';
import { createLogger } from './http/log.ts';
import { lockDataDir } from './runtime/data-dir-lock.ts';
import type { ServerOptions } from './runtime/options.ts';
import { logSecrets, prepareSecrets } from './runtime/secret-key.ts';

export class StartupError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

export interface RunningServer {
  app: FastifyInstance;
  database: Database;
  runtime: Runtime;
  url: string;
  close(): Promise<void>;
}

/**
 * Start-up order matters: the policy is validated before anything touches the database, the data
 * directory is locked before PGlite opens it, and the config is applied before the port opens.
 */
export async function startServer(options: ServerOptions, cwd: string): Promise<RunningServer> {
  const logger = createLogger(options.logLevel);
  const loaded = await loadConfigFile(options.config, { cwd });
  if (!loaded.ok) throw new StartupError(`${loaded.source} is invalid:`, loaded.problems);
  logger.info({ config: loaded.source }, 'policy loaded');

  let unlock: (() => void) | null = null;
  let database: Database;
  if (options.databaseUrl) {
    database = await openPostgres(options.databaseUrl, { poolMax: options.poolMax });
    logger.info({ engine: 'postgres' }, 'database ready');
  } else {
    unlock = lockDataDir(options.dataDir);
    try {
      database = await openPglite(options.dataDir);
    } catch (e) {
      unlock();
      throw e;
    }
    logger.info({ engine: 'pglite', dataDir: options.dataDir }, 'embedded database ready');
  }

  let runtime: Runtime | null = null;
  try {
    // Before anything reads or writes a stored secret: the key, and plain secrets encrypted under it.
    const secrets = await prepareSecrets(database, {
      keys: options.secretKeys,
      dataDir: options.databaseUrl ? undefined : options.dataDir,
    });
    logSecrets(logger, secrets);
    const auditCheckpoints = auditCheckpointsFor(loaded.config, options, cwd, logger);
    const integrations = await integrationsFor(loaded.config, logger);
    runtime = await startRuntime({
      database,
      policy: loaded.config,
      logger: logger.child({ component: 'jobs' }),
      worker: options.mode !== 'api',
      notifiers: integrations.notifiers,
      extraModules: integrations.modules,
      auditCheckpoints,
      secretBox: secrets.box,
    });
    const services = runtime.services;
    // The demo goes first: its history is back-dated, and the audit chain should read in time order.
    if (options.demo) {
      const seeded = await seedDemo(database, loaded.config);
      logger.info(
        seeded ? { ...seeded } : {},
        seeded ? 'demo organisation loaded' : 'demo data already present',
      );
    }

    const bootstrap = await services.auth.bootstrap({
      email: options.adminEmail,
      tokenValue: options.adminToken,
    });
    if (bootstrap?.generated) {
      // Printed once, to stdout rather than the log, so it does not end up in log aggregation.
      process.stdout.write(`\nCLOS admin token (shown once; store it now):\n\n  ${bootstrap.value}\n\n`);
    } else if (bootstrap)
      logger.info({ email: options.adminEmail }, 'admin token created from CLOS_ADMIN_TOKEN');

    const applied = await services.applyPolicy();
    if (applied.applied.length) logger.info({ keys: applied.applied }, 'config file changes applied');
    const app = await buildApp({
      services,
      database,
      runtime,
      logger: logger.child({ component: 'http' }),
      rateLimit: options.rateLimit,
      graphql: options.graphql,
      pressure: options.pressure,
      stream: { limits: options.streamLimits },
      inbound: integrations.routes,
    });
    const address = await app.listen({ port: options.port, host: options.host });
    logger.info({ url: address, docs: `${address}/api/docs` }, 'CLOS is listening');
    let closing: Promise<void> | null = null;
    const started = runtime;
    return {
      app,
      database,
      runtime: started,
      url: address,
      close: () => {
        closing ??= (async () => {
          await app.close();
          await started.stop();
          await database.close();
          unlock?.();
        })();
        return closing;
      },
    };
  } catch (e) {
    await runtime?.stop().catch(() => {});
    await database.close().catch(() => {});
    unlock?.();
    throw e;
  }
}

/** The integrations the policy turns on (`@clos/integrations`' registry): notifiers, modules, routes. */
function integrationsFor(policy: Policy, logger: pino.Logger): Promise<ConfiguredIntegrations> {
  return configureIntegrations(INTEGRATIONS, {
    policy,
    env: process.env,
    logger: logger.child({ component: 'integrations' }),
  });
}

export interface RunningWorker {
  database: Database;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * A process that only runs jobs and schedules (`clos worker`), beside API-only servers
 * (`--no-worker`) on the same PostgreSQL.
 */
export async function startWorker(options: ServerOptions, cwd: string): Promise<RunningWorker> {
  const logger = createLogger(options.logLevel);
  const loaded = await loadConfigFile(options.config, { cwd });
  if (!loaded.ok) throw new StartupError(`${loaded.source} is invalid:`, loaded.problems);
  if (!options.databaseUrl) throw new StartupError('clos worker needs DATABASE_URL (PostgreSQL)');
  const database = await openPostgres(options.databaseUrl, { poolMax: options.poolMax });
  try {
    const secrets = await prepareSecrets(database, { keys: options.secretKeys, dataDir: undefined });
    logSecrets(logger, secrets);
    const auditCheckpoints = auditCheckpointsFor(loaded.config, options, cwd, logger);
    const integrations = await integrationsFor(loaded.config, logger);
    const runtime = await startRuntime({
      database,
      policy: loaded.config,
      logger: logger.child({ component: 'jobs' }),
      worker: true,
      notifiers: integrations.notifiers,
      extraModules: integrations.modules,
      auditCheckpoints,
      secretBox: secrets.box,
    });
    logger.info({ config: loaded.source }, 'CLOS worker running');
    let closing: Promise<void> | null = null;
    return {
      database,
      runtime,
      close: () => {
        closing ??= (async () => {
          await runtime.stop();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await database.close().catch(() => {});
    throw e;
  }
}
