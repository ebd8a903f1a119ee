/**
 * What differs between staging and production. Everything here is a plain value so the stack can be
 * synthesised offline: no lookups, no AWS credentials. Deploy-time values that are not ours to know
 * (the account, the certificate, the image tag) come from CDK context and override these defaults;
 * see docs/deploy-aws.md for the table.
 */

export type EnvironmentName = 'staging' | 'production';

export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['staging', 'production'];

/** One Fargate service's size and scale. */
export interface TaskSettings {
  /** Fargate CPU units (256 = 0.25 vCPU). */
  cpu: number;
  /** MiB; must be a size Fargate allows for `cpu`. */
  memoryMiB: number;
  /** Tasks kept running; the API's floor of the autoscaling range. */
  minTasks: number;
  /** Autoscaling ceiling (equal to minTasks for a service that does not scale). */
  maxTasks: number;
}

export interface EnvironmentSettings {
  name: EnvironmentName;
  /** Account and region the stack is bound to. The account placeholder only serves offline synth. */
  account: string;
  region: string;
  /** ECR repository holding the CLOS image (pushed by CI, see docs/deploy-aws.md) and the tag to run. */
  imageRepository: string;
  imageTag: string;
  /**
   * The compiled server entry inside the image, relative to its working directory. The container runs
   * `node <serverEntry> --no-worker` (API) and `node <serverEntry> --worker-only` (worker), as the
   * image's own ENTRYPOINT would, after building DATABASE_URL.
   */
  serverEntry: string;
  /**
   * A CA bundle inside the image (e.g. the RDS global bundle) to verify the database certificate with.
   * Without it the connection is encrypted but unverified: Node does not trust RDS's CAs by default.
   */
  databaseCaFile?: string;
  /** ACM certificate for the HTTPS listener, in `region`. Required: the ALB serves HTTPS only. */
  certificateArn: string;
  /** The public host name CLOS is reached at (becomes CLOS_PUBLIC_URL); optional. */
  domainName?: string;
  /** A Route 53 zone to put `domainName` in (an alias to the ALB); by id and name, never looked up. */
  hostedZone?: { id: string; name: string };
  /** Where alarm notifications go, besides the SNS topic itself (which anything can subscribe to). */
  alarmEmail?: string;
  /**
   * Availability zones for the VPC, named rather than looked up (a lookup needs credentials at synth).
   * Two give Multi-AZ RDS and a load balancer in two zones. Default: `<region>a`, `<region>b`.
   */
  availabilityZones: readonly string[];
  /** NAT gateways: one per zone survives a zone failure; one in total is cheaper. */
  natGateways: number;
  api: TaskSettings;
  worker: TaskSettings;
  /** `CLOS_DB_POOL_MAX` per process; (api.maxTasks + worker.maxTasks) × this must stay under max_connections. */
  dbPoolMax: number;
  database: {
    /** e.g. `t4g.medium`, without the `db.` prefix. */
    instanceType: string;
    allocatedStorageGiB: number;
    /** Storage autoscaling ceiling. */
    maxAllocatedStorageGiB: number;
    /** Automated backups (point-in-time recovery) kept this many days (1–35). */
    backupRetentionDays: number;
    /** Alarm when connections exceed this (about 80 % of the instance class's max_connections). */
    connectionsAlarmThreshold: number;
  };
  /** Days CloudWatch keeps the services' logs. */
  logRetentionDays: number;
  /** Object Lock default retention for audit checkpoints. Compliance mode cannot be shortened by anyone. */
  auditCheckpoints: { mode: 'compliance' | 'governance'; retentionDays: number };
  /** Noncurrent backup object versions are expired after this many days (CLOS's own retention deletes current ones). */
  backupNoncurrentDays: number;
  /** Autoscaling targets for the API. */
  scaling: { cpuPercent: number; requestsPerTargetPerMinute: number };
  /** Alarm thresholds taken from seed §9 (p95 < 100 ms, error rate < 0.1 %) with room for noise. */
  alarms: { p95LatencySeconds: number; errorRatePercent: number };
  /** Production keeps data when the stack is deleted; staging may be torn down whole. */
  retainData: boolean;
}

/** The account used when none is given: synth works offline, and a deploy with it fails loudly. */
export const PLACEHOLDER_ACCOUNT = '000000000000';

/** A certificate ARN that cannot exist, so an unconfigured deploy fails instead of serving plain HTTP. */
export const PLACEHOLDER_CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000';

const common = {
  account: PLACEHOLDER_ACCOUNT,
  region: 'us-east-1',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  imageRepository: 'clos',
  imageTag: 'latest',
  // Where the repository's Dockerfile puts the compiled server (WORKDIR /app).
  serverEntry: 'apps/server/dist/main.js',
  certificateArn: PLACEHOLDER_CERTIFICATE_ARN,
  scaling: { cpuPercent: 60, requestsPerTargetPerMinute: 3000 },
  alarms: { p95LatencySeconds: 0.1, errorRatePercent: 1 },
} as const;

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentSettings>> = {
  staging: {
    ...common,
    name: 'staging',
    imageTag: 'staging',
    natGateways: 1,
    api: { cpu: 512, memoryMiB: 1024, minTasks: 2, maxTasks: 4 },
    worker: { cpu: 512, memoryMiB: 1024, minTasks: 1, maxTasks: 1 },
    dbPoolMax: 10,
    database: {
      instanceType: 't4g.small',
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
      backupRetentionDays: 7,
      // db.t4g.small (2 GiB) allows about 190 connections.
      connectionsAlarmThreshold: 150,
    },
    logRetentionDays: 30,
    auditCheckpoints: { mode: 'governance', retentionDays: 30 },
    backupNoncurrentDays: 7,
    retainData: false,
  },
  production: {
    ...common,
    name: 'production',
    imageTag: 'production',
    natGateways: 2,
    api: { cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 8 },
    worker: { cpu: 512, memoryMiB: 1024, minTasks: 2, maxTasks: 2 },
    dbPoolMax: 10,
    database: {
      instanceType: 't4g.medium',
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 500,
      backupRetentionDays: 30,
      // db.t4g.medium (4 GiB) allows about 400 connections.
      connectionsAlarmThreshold: 320,
    },
    logRetentionDays: 365,
    auditCheckpoints: { mode: 'compliance', retentionDays: 2555 },
    backupNoncurrentDays: 30,
    retainData: true,
  },
};

/** Reads CDK context (`--context key=value` or cdk.json); values arrive as strings or JSON. */
export type ContextReader = (key: string) => unknown;

/** Thrown for a bad `--context` value; the app prints it and exits before synthesising anything. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

function text(read: ContextReader, key: string): string | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new EnvironmentError(`--context ${key}: must be a string`);
  return value;
}

/**
 * The settings for `--context env=…`, with per-deployment context overriding the defaults:
 * `account`, `region`, `availabilityZones` (comma-separated), `imageRepository`, `imageTag`, `serverEntry`, `databaseCaFile`,
 * `certificateArn`, `domainName`,
 * `hostedZoneId` + `hostedZoneName`, `alarmEmail`. The account falls back to CDK_DEFAULT_ACCOUNT
 * (set by the CLI from your credentials), then to a placeholder so synth needs no credentials.
 */
export function resolveEnvironment(
  read: ContextReader,
  processEnv: Readonly<Record<string, string | undefined>> = {},
): EnvironmentSettings {
  const name = text(read, 'env') ?? 'staging';
  if (!ENVIRONMENT_NAMES.includes(name as EnvironmentName))
    throw new EnvironmentError(`--context env=${name}: must be one of ${ENVIRONMENT_NAMES.join(', ')}`);
  const base = ENVIRONMENTS[name as EnvironmentName];
  const account = text(read, 'account') ?? processEnv.CDK_DEFAULT_ACCOUNT ?? base.account;
  if (!/^\d{12}$/.test(account)) throw new EnvironmentError(`account "${account}": must be 12 digits`);
  const certificateArn = text(read, 'certificateArn') ?? base.certificateArn;
  if (!/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn))
    throw new EnvironmentError(`--context certificateArn: "${certificateArn}" is not an ACM certificate ARN`);
  const hostedZoneId = text(read, 'hostedZoneId');
  const hostedZoneName = text(read, 'hostedZoneName');
  if ((hostedZoneId === undefined) !== (hostedZoneName === undefined))
    throw new EnvironmentError('--context hostedZoneId and hostedZoneName: give both or neither');
  const domainName = text(read, 'domainName') ?? base.domainName;
  if (hostedZoneId && !domainName)
    throw new EnvironmentError('--context hostedZoneId: needs domainName, the record to create');
  const alarmEmail = text(read, 'alarmEmail') ?? base.alarmEmail;
  const databaseCaFile = text(read, 'databaseCaFile') ?? base.databaseCaFile;
  const region = text(read, 'region') ?? base.region;
  const zones = text(read, 'availabilityZones')
    ?.split(',')
    .map((zone) => zone.trim())
    .filter(Boolean) ?? [`${region}a`, `${region}b`];
  if (zones.length < 2 || zones.some((zone) => !zone.startsWith(region)))
    throw new EnvironmentError(
      `--context availabilityZones: need at least two zones of ${region}, got "${zones.join(',')}"`,
    );
  return {
    ...base,
    account,
    region,
    availabilityZones: zones,
    imageRepository: text(read, 'imageRepository') ?? base.imageRepository,
    imageTag: text(read, 'imageTag') ?? base.imageTag,
    serverEntry: text(read, 'serverEntry') ?? base.serverEntry,
    ...(databaseCaFile ? { databaseCaFile } : {}),
    certificateArn,
    ...(domainName ? { domainName } : {}),
    ...(hostedZoneId && hostedZoneName ? { hostedZone: { id: hostedZoneId, name: hostedZoneName } } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
  };
}
