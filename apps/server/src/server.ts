import { loadConfigFile } from '@clos/config';
import { type Database, lockDataDir, openPglite, openPostgres } from '@clos/db';
import type { Runtime } from '@clos/workflows';
import type { FastifyInstance } from 'fastify';
import { composeApp, composeProcess } from './compose.ts';
import { seedDemo } from './demo/seed.ts';
import { createLogger } from './http/log.ts';
import { createObservability, type Observability } from './observability/index.ts';
import { startMetricsServer } from './routes/metrics.ts';
import type { ServerOptions } from './runtime/options.ts';

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
  /** Where `/metrics` is served when it has a port of its own (`--metrics-port`). */
  metricsUrl?: string | undefined;
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
  let observability: Observability | null = null;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  try {
    observability = await createObservability({
      database,
      policy: loaded.config,
      env: process.env,
      logger,
      instance: options.instance,
    });
    const composed = await composeProcess({
      database,
      policy: loaded.config,
      options,
      cwd,
      logger,
      worker: options.mode !== 'api',
      instrumentation: observability.instrumentation,
    });
    runtime = composed.runtime;
    const services = composed.core.services;
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
    const app = await composeApp(composed, options, logger, observability);
    const address = await app.listen({ port: options.port, host: options.host });
    logger.info({ url: address, docs: `${address}/api/docs` }, 'CLOS is listening');
    if (options.metrics?.port !== undefined) {
      metricsServer = await startMetricsServer(observability.metrics, {
        port: options.metrics.port,
        host: options.metrics.host,
      });
      logger.info({ url: metricsServer.url }, 'metrics served on their own port, without a token');
    }
    observability.startServiceMinutes();
    let closing: Promise<void> | null = null;
    const started = runtime;
    const observed = observability;
    const scraped = metricsServer;
    return {
      app,
      database,
      runtime: started,
      url: address,
      metricsUrl: scraped?.url,
      close: () => {
        closing ??= (async () => {
          await app.close();
          await scraped?.close();
          // Before the database closes: the last minute of service is written to it.
          await observed.close();
          await started.stop();
          await database.close();
          unlock?.();
        })();
        return closing;
      },
    };
  } catch (e) {
    await metricsServer?.close().catch(() => {});
    await observability?.close().catch(() => {});
    await runtime?.stop().catch(() => {});
    await database.close().catch(() => {});
    unlock?.();
    throw e;
  }
}

export interface RunningWorker {
  database: Database;
  runtime: Runtime;
  metricsUrl?: string | undefined;
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
  let observability: Observability | null = null;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  try {
    observability = await createObservability({
      database,
      policy: loaded.config,
      env: process.env,
      logger,
      instance: options.instance,
    });
    const { runtime } = await composeProcess({
      database,
      policy: loaded.config,
      options,
      cwd,
      logger,
      worker: true,
      instrumentation: observability.instrumentation,
    });
    // A worker has no API port: its metrics are on their own port, or not served.
    if (options.metrics?.port !== undefined) {
      metricsServer = await startMetricsServer(observability.metrics, {
        port: options.metrics.port,
        host: options.metrics.host,
      });
      logger.info({ url: metricsServer.url }, 'metrics served on their own port, without a token');
    }
    logger.info({ config: loaded.source }, 'CLOS worker running');
    let closing: Promise<void> | null = null;
    const observed = observability;
    const scraped = metricsServer;
    return {
      database,
      runtime,
      metricsUrl: scraped?.url,
      close: () => {
        closing ??= (async () => {
          await scraped?.close();
          await runtime.stop();
          await observed.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await metricsServer?.close().catch(() => {});
    await observability?.close().catch(() => {});
    await database.close().catch(() => {});
    throw e;
  }
}
