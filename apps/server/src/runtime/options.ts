import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditKeyError, parseAuditSigningKey } from '@clos/audit-signing';
import { type OidcSettings, readOidcSettings } from '../auth/oidc-settings.ts';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../graphql/complexity.ts';
import {
  DEFAULT_MAX_EVENT_LOOP_DELAY_MS,
  defaultMaxHeapUsedBytes,
  type PressureOptions,
} from '../http/pressure.ts';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from '../http/rate-limit.ts';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from '../stream/slots.ts';
import { readSecretKeys, type SecretKeys } from './secret-key.ts';

export interface ServerOptions {
  /** CLOS_AUDIT_SIGNING_KEY: signs audit checkpoints (embedded default: <data-dir>/audit-signing.key). */
  auditSigningKey?: KeyObject | undefined;
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
  /** Open event streams per token and address; no cap when absent (parseServerOptions sets it). */
  streamLimits?: StreamLimits | undefined;
  /** Load-shedding thresholds; none when absent (parseServerOptions sets them). */
  pressure?: PressureOptions | undefined;
  /** CLOS_SECRET_KEY and CLOS_SECRET_KEY_PREVIOUS (see secret-key.ts); none when absent. */
  secretKeys?: SecretKeys | undefined;
  /** CLOS_OIDC_* and CLOS_PUBLIC_URL: single sign-on; people sign in with API tokens only when absent. */
  oidc?: OidcSettings | undefined;
  /** Who may scrape `/metrics` and where it is served (docs/metrics.md). */
  metrics?: MetricsOptions | undefined;
  /** This process's name in per-process records (`service_minutes`): CLOS_INSTANCE, else host:pid. */
  instance?: string | undefined;
  /**
   * CLOS_SHUTDOWN_TIMEOUT_SECONDS: how long a stop (SIGTERM) may take to finish requests and jobs
   * before the process exits anyway (default 25: inside the 30 s ECS and Kubernetes give).
   */
  shutdownTimeoutSeconds?: number | undefined;
}

export interface MetricsOptions {
  /** CLOS_METRICS_TOKEN: a bearer value that may read `/metrics` and nothing else. */
  token?: string | undefined;
  /** --metrics-port: serve `/metrics` there, unauthenticated, instead of on the API port. */
  port?: number | undefined;
  /** --metrics-host: the address of that port (default 127.0.0.1). */
  host: string;
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
  --metrics-port N  serve /metrics on this port without a token instead of on the API port
                    (env CLOS_METRICS_PORT; workers serve only this)
  --metrics-host A  address of the metrics port (default 127.0.0.1; env CLOS_METRICS_HOST)
  -h, --help        show this help

Environment:
  DATABASE_URL      postgres://… to use PostgreSQL instead of the embedded database
  CLOS_DB_POOL_MAX  PostgreSQL pool size (default 10)
  CLOS_ADMIN_TOKEN  admin token to create on first start (else one is generated and printed)
  CLOS_ADMIN_EMAIL  email of the first admin user (default admin@clos.local)
  CLOS_LOG_LEVEL    trace|debug|info|warn|error (default info)
  CLOS_AUDIT_SIGNING_KEY  Ed25519 key signing audit checkpoints: PKCS#8 PEM or a base64 32-byte seed
                    (embedded default: <data-dir>/audit-signing.key, generated; PostgreSQL without it:
                    checkpoints off)
  CLOS_RATE_LIMIT_PER_MINUTE          requests per minute per API token (default 600; 0 = off)
  CLOS_RATE_LIMIT_IP_PER_MINUTE       requests per minute per client address (default 1200; 0 = off)
  CLOS_RATE_LIMIT_WEBHOOK_PER_MINUTE  webhook requests per minute per address (default 6000; 0 = off)
  CLOS_GRAPHQL_MAX_DEPTH  deepest GraphQL query accepted (default 8)
  CLOS_GRAPHQL_MAX_COST   largest estimated GraphQL query cost accepted (default 1000)
  CLOS_GRAPHQL_MAX_ALIASES    most aliased fields in a GraphQL query (default 30)
  CLOS_GRAPHQL_MAX_FIELDS     most fields in a GraphQL query, fragments expanded (default 1000)
  CLOS_GRAPHQL_MAX_MUTATIONS  most mutations in one GraphQL request (default 20)
  CLOS_GRAPHQL_MAX_RESPONSE_MB  largest GraphQL response sent, in MiB (default 5)
  CLOS_STREAM_MAX_PER_TOKEN   open event streams per API token (default 20; 0 = off)
  CLOS_STREAM_MAX_PER_IP      open event streams per client address (default 100; 0 = off)
  CLOS_PRESSURE_MAX_EVENT_LOOP_DELAY_MS  shed requests (503) above this event-loop delay (default 1000; 0 = off)
  CLOS_PRESSURE_MAX_HEAP_MB   shed requests above this heap use (default 90% of the heap limit; 0 = off)
  CLOS_PRESSURE_MAX_RSS_MB    shed requests above this resident memory (default 0 = off)
  CLOS_SECRET_KEY   32-byte key (base64 or hex) encrypting stored secrets; required on PostgreSQL
                    once secrets are stored (embedded default: <data-dir>/secret.key, generated)
  CLOS_SECRET_KEY_PREVIOUS  decrypt-only previous key(s), comma-separated, during a rotation
  CLOS_OIDC_ISSUER  single sign-on: the OIDC provider's issuer URL (https://; http:// only on loopback)
  CLOS_OIDC_CLIENT_ID, CLOS_OIDC_CLIENT_SECRET  the client registered at the provider
  CLOS_PUBLIC_URL   the URL people reach CLOS at; the redirect URI is <CLOS_PUBLIC_URL>/auth/callback
  CLOS_METRICS_TOKEN  a bearer value (≥ 32 characters) that may scrape /metrics and read nothing else
  CLOS_INSTANCE     this process's name in per-process records (default <host name>:<pid>)
  CLOS_SHUTDOWN_TIMEOUT_SECONDS  on SIGTERM, how long requests and jobs may take to finish before
                    the process exits anyway (default 25)
  OTEL_EXPORTER_OTLP_ENDPOINT  send OpenTelemetry traces over OTLP/HTTP there (off when unset);
                    the other OTEL_* variables of the specification apply
`;

export class UsageError extends Error {}

const MIB = 1024 * 1024;

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

/** The audit signing key from the environment; a value that is not one exits 2 naming the formats. */
function readAuditSigningKey(env: NodeJS.ProcessEnv): KeyObject | undefined {
  const raw = env.CLOS_AUDIT_SIGNING_KEY;
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return parseAuditSigningKey(raw, 'CLOS_AUDIT_SIGNING_KEY');
  } catch (e) {
    if (e instanceof AuditKeyError) throw new UsageError(e.message);
    throw e;
  }
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
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
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
  const secretKeys = readSecretKeys(env);
  if (typeof secretKeys === 'string') throw new UsageError(secretKeys);
  const auditSigningKey = readAuditSigningKey(env);
  const oidc = readOidcSettings(env);
  if (Array.isArray(oidc)) throw new UsageError(oidc.join('\n'));
  const adminToken = env.CLOS_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && !/^[\x21-\x7e]{24,200}$/.test(adminToken))
    throw new UsageError(
      'CLOS_ADMIN_TOKEN: must be 24–200 printable characters without spaces (≥ 128 bits of randomness)',
    );
  const metricsToken = env.CLOS_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{32,200}$/.test(metricsToken))
    throw new UsageError(
      'CLOS_METRICS_TOKEN: must be 32–200 printable characters without spaces (≥ 128 bits of randomness)',
    );
  const metricsPort =
    v['metrics-port'] !== undefined
      ? port(String(v['metrics-port']), '--metrics-port')
      : env.CLOS_METRICS_PORT
        ? port(env.CLOS_METRICS_PORT, 'CLOS_METRICS_PORT')
        : undefined;
  const instance = env.CLOS_INSTANCE?.trim() || undefined;
  if (instance !== undefined && instance.length > 100)
    throw new UsageError('CLOS_INSTANCE: must be at most 100 characters');
  return {
    metrics: {
      token: metricsToken,
      port: metricsPort,
      host: (v['metrics-host'] as string | undefined) ?? env.CLOS_METRICS_HOST ?? '127.0.0.1',
    },
    instance,
    shutdownTimeoutSeconds: count(env, 'CLOS_SHUTDOWN_TIMEOUT_SECONDS', 25, 1),
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
    ...(auditSigningKey ? { auditSigningKey } : {}),
    secretKeys,
    ...(oidc ? { oidc } : {}),
    mode: v['worker-only'] ? 'worker' : v['no-worker'] ? 'api' : 'all',
    rateLimit: {
      perToken: count(env, 'CLOS_RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMITS.perToken, 0),
      perIp: count(env, 'CLOS_RATE_LIMIT_IP_PER_MINUTE', DEFAULT_RATE_LIMITS.perIp, 0),
      webhook: count(env, 'CLOS_RATE_LIMIT_WEBHOOK_PER_MINUTE', DEFAULT_RATE_LIMITS.webhook, 0),
    },
    graphql: {
      maxDepth: count(env, 'CLOS_GRAPHQL_MAX_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth, 1),
      maxCost: count(env, 'CLOS_GRAPHQL_MAX_COST', DEFAULT_QUERY_LIMITS.maxCost, 1),
      maxAliases: count(env, 'CLOS_GRAPHQL_MAX_ALIASES', DEFAULT_QUERY_LIMITS.maxAliases, 1),
      maxFields: count(env, 'CLOS_GRAPHQL_MAX_FIELDS', DEFAULT_QUERY_LIMITS.maxFields, 1),
      maxMutations: count(env, 'CLOS_GRAPHQL_MAX_MUTATIONS', DEFAULT_QUERY_LIMITS.maxMutations, 1),
      maxResponseBytes:
        count(env, 'CLOS_GRAPHQL_MAX_RESPONSE_MB', DEFAULT_QUERY_LIMITS.maxResponseBytes / MIB, 1) * MIB,
    },
    streamLimits: {
      perToken: count(env, 'CLOS_STREAM_MAX_PER_TOKEN', DEFAULT_STREAM_LIMITS.perToken, 0),
      perAddress: count(env, 'CLOS_STREAM_MAX_PER_IP', DEFAULT_STREAM_LIMITS.perAddress, 0),
    },
    pressure: {
      maxEventLoopDelayMs: count(
        env,
        'CLOS_PRESSURE_MAX_EVENT_LOOP_DELAY_MS',
        DEFAULT_MAX_EVENT_LOOP_DELAY_MS,
        0,
      ),
      maxHeapUsedBytes:
        count(env, 'CLOS_PRESSURE_MAX_HEAP_MB', Math.floor(defaultMaxHeapUsedBytes() / MIB), 0) * MIB,
      maxRssBytes: count(env, 'CLOS_PRESSURE_MAX_RSS_MB', 0, 0) * MIB,
    },
  };
}
