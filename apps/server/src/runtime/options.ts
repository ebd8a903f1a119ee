import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../graphql/complexity.ts';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from '../http/rate-limit.ts';

export interface ServerOptions {
  config: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  poolMax: number;
  adminToken: string | undefined;
  adminEmail: string;
  logLevel: string;
  demo: boolean;
  /**
   * `all`: HTTP and the job runner (the default). `api`: HTTP only (`--no-worker`): events are still
   * relayed and jobs enqueued, for workers elsewhere. `worker`: the job runner only (`clos worker`).
   */
  mode: 'all' | 'api' | 'worker';
  /** Request budgets; nothing is limited when absent (parseServerOptions always sets them). */
  rateLimit?: RateLimitOptions | undefined;
  /** GraphQL depth and cost limits; the defaults when absent. */
  graphql?: QueryLimits | undefined;
}

export const USAGE = `Usage: clos-server [options]

Options:
  --config FILE     policy file (default ./clos.config.yaml, else the built-in default)
  --data-dir DIR    embedded database directory (default ./.clos; env CLOS_DATA_DIR)
  --port N          port to listen on (default 4000; env CLOS_PORT)
  --host ADDR       address to listen on (default 127.0.0.1; env CLOS_HOST)
  --demo            load a sample organisation into an empty database
  --no-worker       serve the API only; run jobs and schedules in \`clos worker\` processes
  --worker-only     run jobs and schedules only, no HTTP (what \`clos worker\` runs; needs DATABASE_URL)
  -h, --help        show this help

Environment:
  DATABASE_URL      postgres://… to use PostgreSQL instead of the embedded database
  CLOS_DB_POOL_MAX  PostgreSQL pool size (default 10)
  CLOS_ADMIN_TOKEN  admin token to create on first start (else one is generated and printed)
  CLOS_ADMIN_EMAIL  email of the first admin user (default admin@clos.local)
  CLOS_LOG_LEVEL    trace|debug|info|warn|error (default info)
  CLOS_RATE_LIMIT_PER_MINUTE          requests per minute per API token (default 600; 0 = off)
  CLOS_RATE_LIMIT_IP_PER_MINUTE       requests per minute per client address (default 1200; 0 = off)
  CLOS_RATE_LIMIT_WEBHOOK_PER_MINUTE  webhook requests per minute per address (default 6000; 0 = off)
  CLOS_GRAPHQL_MAX_DEPTH  deepest GraphQL query accepted (default 8)
  CLOS_GRAPHQL_MAX_COST   largest estimated GraphQL query cost accepted (default 1000)
`;

export class UsageError extends Error {}

function port(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${name}: must be a port number 0–65535, got "${value}"`);
  return n;
}

/** A whole number ≥ `min` from the environment, or its default when unset or empty. */
function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${name}: must be a whole number ≥ ${min}, got "${raw}"`);
  return n;
}

/** Flags win over environment variables, which win over defaults. */
export function parseServerOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): ServerOptions | 'help' {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        demo: { type: 'boolean', default: false },
        'no-worker': { type: 'boolean', default: false },
        'worker-only': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return 'help';
  const poolMax = Number(env.CLOS_DB_POOL_MAX ?? 10);
  if (!Number.isInteger(poolMax) || poolMax < 1)
    throw new UsageError(`CLOS_DB_POOL_MAX: must be a whole number ≥ 1, got "${env.CLOS_DB_POOL_MAX}"`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new UsageError('DATABASE_URL: must start with postgres:// or postgresql://');
  if (v['no-worker'] && v['worker-only'])
    throw new UsageError('--no-worker and --worker-only exclude each other');
  // The embedded database is one process's: a worker elsewhere could never reach it.
  if (v['worker-only'] && !databaseUrl)
    throw new UsageError(
      '--worker-only needs DATABASE_URL: the embedded database belongs to the server process',
    );
  if (v['no-worker'] && !databaseUrl)
    throw new UsageError(
      '--no-worker needs DATABASE_URL: with the embedded database no other process could run the jobs',
    );
  const adminToken = env.CLOS_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && !/^[\x21-\x7e]{24,200}$/.test(adminToken))
    throw new UsageError(
      'CLOS_ADMIN_TOKEN: must be 24–200 printable characters without spaces (≥ 128 bits of randomness)',
    );
  return {
    config: typeof v.config === 'string' ? resolve(cwd, v.config) : undefined,
    dataDir: resolve(cwd, (v['data-dir'] as string | undefined) ?? env.CLOS_DATA_DIR ?? '.clos'),
    port:
      v.port !== undefined
        ? port(String(v.port), '--port')
        : env.CLOS_PORT
          ? port(env.CLOS_PORT, 'CLOS_PORT')
          : 4000,
    host: (v.host as string | undefined) ?? env.CLOS_HOST ?? '127.0.0.1',
    databaseUrl,
    poolMax,
    adminToken,
    adminEmail: env.CLOS_ADMIN_EMAIL || 'admin@clos.local',
    logLevel: env.CLOS_LOG_LEVEL || 'info',
    demo: Boolean(v.demo),
    mode: v['worker-only'] ? 'worker' : v['no-worker'] ? 'api' : 'all',
    rateLimit: {
      perToken: count(env, 'CLOS_RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMITS.perToken, 0),
      perIp: count(env, 'CLOS_RATE_LIMIT_IP_PER_MINUTE', DEFAULT_RATE_LIMITS.perIp, 0),
      webhook: count(env, 'CLOS_RATE_LIMIT_WEBHOOK_PER_MINUTE', DEFAULT_RATE_LIMITS.webhook, 0),
    },
    graphql: {
      maxDepth: count(env, 'CLOS_GRAPHQL_MAX_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth, 1),
      maxCost: count(env, 'CLOS_GRAPHQL_MAX_COST', DEFAULT_QUERY_LIMITS.maxCost, 1),
    },
  };
}
