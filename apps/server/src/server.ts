import { composeServices, type Database, openPglite, openPostgres } from '@clos/db';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.ts';
import { loadConfigFile } from './config/load-config.ts';
import { seedDemo } from './demo/seed.ts';
import { lockDataDir } from './runtime/data-dir-lock.ts';
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
  url: string;
  close(): Promise<void>;
}

/**
 * Start-up order matters: the policy is validated before anything touches the database, the data
 * directory is locked before PGlite opens it, and the config is applied before the port opens.
 */
export async function startServer(options: ServerOptions, cwd: string): Promise<RunningServer> {
  const logger = pino({ level: options.logLevel });
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

  try {
    const services = composeServices({ database, policy: loaded.config });
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
      logger: logger.child({ component: 'http' }),
      rateLimit: options.rateLimit,
      graphql: options.graphql,
    });
    const address = await app.listen({ port: options.port, host: options.host });
    logger.info({ url: address, docs: `${address}/api/docs` }, 'CLOS is listening');
    let closing: Promise<void> | null = null;
    return {
      app,
      database,
      url: address,
      close: () => {
        closing ??= (async () => {
          await app.close();
          await database.close();
          unlock?.();
        })();
        return closing;
      },
    };
  } catch (e) {
    await database.close().catch(() => {});
    unlock?.();
    throw e;
  }
}
