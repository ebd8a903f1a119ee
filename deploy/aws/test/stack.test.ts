import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAuditSigningKey } from '@clos/audit-signing';
import type { CfnResource } from 'aws-cdk-lib';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretKey } from '../../../packages/db/src/secret-box.ts';
import { addClosStack, type ClosStack } from '../src/clos-stack.ts';
import { containerScript, DATABASE_SECRET_FIELDS } from '../src/container-command.ts';
import {
  ENVIRONMENTS,
  EnvironmentError,
  type EnvironmentName,
  type EnvironmentSettings,
  resolveEnvironment,
} from '../src/environments.ts';
import { INTEGRATION_KEYS } from '../src/secrets.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const cdkJson = JSON.parse(readFileSync(join(here, '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

/** Per-deployment context as an operator would pass it with `--context`. */
const CONTEXT: Record<EnvironmentName, Record<string, string>> = {
  staging: { env: 'staging', account: '123456789012', certificateArn: CERTIFICATE },
  production: {
    env: 'production',
    account: '123456789012',
    certificateArn: CERTIFICATE,
    domainName: 'clos.example.com',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    hostedZoneName: 'example.com',
    alarmEmail: 'oncall@example.com',
    imageTag: 'v2.0.0',
  },
};

interface Synthesised {
  app: App;
  stack: ClosStack;
  settings: EnvironmentSettings;
  template: Template;
  outdir: string;
  synthError: unknown;
}

/** cdk-nag's private lookup, wrapped to record which acknowledgement each suppressed finding used. */
interface AcknowledgementLookup {
  isAcknowledged(node: CfnResource, ruleId: string): boolean;
}

const ACK_KEY = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;
const ackIds = (construct: IConstruct): Record<string, string> =>
  Object.assign(
    {},
    ...construct.node.metadata.filter((m) => m.type === ACK_KEY).map((m) => m.data as Record<string, string>),
  );

const synthesised = new Map<EnvironmentName, Synthesised>();

function synthesise(name: EnvironmentName): Synthesised {
  const outdir = mkdtempSync(join(tmpdir(), `clos-cdk-${name}-`));
  const context = { ...cdkJson.context, ...CONTEXT[name] };
  // CDK's built-in CloudFormation linter (warnings only, never fails synth) costs ~5 s of CPU to load;
  // `cdk synth` still runs it. The cdk-nag pack, which can fail synthesis, runs here as in the CLI.
  const app = new App({ context, outdir, builtinCloudFormationValidation: false });
  const settings = resolveEnvironment((key) => app.node.tryGetContext(key), {});
  const stack = addClosStack(app, settings);
  let synthError: unknown;
  try {
    // Runs the AwsSolutions pack registered by addClosStack; throws listing unacknowledged findings.
    app.synth();
  } catch (error) {
    synthError = error;
  }
  return { app, stack, settings, template: Template.fromStack(stack), outdir, synthError };
}

function get(name: EnvironmentName): Synthesised {
  const value = synthesised.get(name);
  if (!value) throw new Error(`${name} was not synthesised`);
  return value;
}

beforeAll(() => {
  for (const name of ['staging', 'production'] as const) synthesised.set(name, synthesise(name));
});

afterAll(() => {
  for (const { outdir } of synthesised.values()) rmSync(outdir, { recursive: true, force: true });
});

describe.each(['staging', 'production'] as const)('the %s stack', (name) => {
  it('synthesises without credentials: no lookups, no cdk-nag findings left unacknowledged', () => {
    const { synthError, outdir, stack } = get(name);
    expect(synthError ? String((synthError as Error).message) : undefined).toBeUndefined();
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { missing?: unknown };
    // A context lookup (AZs, a VPC, a hosted zone) would show up here and need AWS calls.
    expect(manifest.missing).toBeUndefined();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations?: unknown[] }[];
    };
    // Not even warnings; acknowledged findings are listed apart, in suppressedViolations.
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    expect(stack.stackName).toBe(`Clos-${name}`);
  });

  it('acknowledges each cdk-nag finding with a reason, and every acknowledgement matches a finding', () => {
    const { app } = get(name);
    const pack = new AwsSolutionsChecks(undefined, { verbose: false });
    const lookup = pack as unknown as AcknowledgementLookup;
    const original = lookup.isAcknowledged.bind(pack);
    const used = new Set<string>();
    lookup.isAcknowledged = (node, ruleId) => {
      const acknowledged = original(node, ruleId);
      if (acknowledged) {
        let owner: IConstruct | undefined = node;
        while (owner && !Object.keys(ackIds(owner)).some((id) => id.replace(/^annotation::/i, '') === ruleId))
          owner = owner.node.scope;
        if (owner) used.add(`${owner.node.path} ${ruleId}`);
      }
      return acknowledged;
    };
    const report = pack.validateScope(app);
    expect(report.violations).toEqual([]);

    // Ours only: aws-cdk-lib acknowledges some CloudFormation-Validate rules on its own constructs.
    const acknowledgements = app.node.findAll().flatMap((construct) =>
      Object.entries(ackIds(construct))
        .map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason] as const)
        .filter(([id]) => id.startsWith('AwsSolutions-'))
        .map(([id, reason]) => ({ key: `${construct.node.path} ${id}`, reason })),
    );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { key, reason } of acknowledgements) {
      expect(reason.length, key).toBeGreaterThanOrEqual(60);
    }
    // An acknowledgement nothing needs would hide the next real finding of that rule there.
    expect(acknowledgements.map((a) => a.key).filter((key) => !used.has(key))).toEqual([]);
  });

  it('runs the API as ≥ 2 Fargate tasks in private subnets with rollback on failed deployments', () => {
    const { template, settings } = get(name);
    expect(settings.api.minTasks).toBeGreaterThanOrEqual(2);
    template.hasResourceProperties('AWS::ECS::Service', {
      ServiceName: 'clos-api',
      LaunchType: 'FARGATE',
      DesiredCount: settings.api.minTasks,
      DeploymentConfiguration: Match.objectLike({
        MinimumHealthyPercent: 100,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      LoadBalancers: [Match.objectLike({ ContainerName: 'clos', ContainerPort: 4000 })],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      ServiceName: 'clos-worker',
      LaunchType: 'FARGATE',
      DesiredCount: settings.worker.minTasks,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('serves HTTPS on 443 with the given certificate, redirects 80, and checks /readyz', () => {
    const { template } = get(name);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE }],
      SslPolicy: Match.stringLikeRegexp('TLS13'),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } },
      ],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/readyz',
      Port: 4000,
      Protocol: 'HTTP',
      TargetType: 'ip',
      Matcher: { HttpCode: '200' },
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
    });
  });

  it('scales the API on CPU and on requests per target, between the configured bounds', () => {
    const { template, settings } = get(name);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: settings.api.minTasks,
      MaxCapacity: settings.api.maxTasks,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: settings.scaling.cpuPercent,
      }),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({ PredefinedMetricType: 'ALBRequestCountPerTarget' }),
        TargetValue: settings.scaling.requestsPerTargetPerMinute,
      }),
    });
  });

  it('keeps PostgreSQL Multi-AZ, encrypted, TLS-only, backed up and protected from deletion', () => {
    const { template, settings } = get(name);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      MultiAZ: true,
      StorageEncrypted: true,
      DeletionProtection: true,
      PubliclyAccessible: false,
      BackupRetentionPeriod: settings.database.backupRetentionDays,
      DBInstanceClass: `db.${settings.database.instanceType}`,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
    });
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot' });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
    });
    // The password is spliced into DATABASE_URL unescaped: it must be letters and digits only.
    const [dbSecret] = Object.values(
      template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Name: `clos/${name}/database` },
      }),
    );
    expect(dbSecret).toBeDefined();
    const excluded = (dbSecret!.Properties as { GenerateSecretString: { ExcludeCharacters: string } })
      .GenerateSecretString.ExcludeCharacters;
    for (let code = 0x20; code < 0x7f; code++) {
      const char = String.fromCharCode(code);
      if (!/[A-Za-z0-9]/.test(char)) expect(excluded, `"${char}" must be excluded`).toContain(char);
    }
  });

  it('injects every secret as a container secret, never as plain environment', () => {
    const { template } = get(name);
    const tasks = template.findResources('AWS::ECS::TaskDefinition');
    const containers = Object.values(tasks).map(
      (task) =>
        (task.Properties as { ContainerDefinitions: Record<string, unknown>[] }).ContainerDefinitions[0] as {
          Environment: { Name: string }[];
          Secrets: { Name: string; ValueFrom: unknown }[];
          Command: string[];
          EntryPoint: string[];
        },
    );
    expect(containers).toHaveLength(2);
    for (const container of containers) {
      const secretNames = container.Secrets.map((s) => s.Name);
      expect(secretNames).toEqual(
        expect.arrayContaining([
          'CLOS_SECRET_KEY',
          'CLOS_AUDIT_SIGNING_KEY',
          'CLOS_SECRET_KEY_PREVIOUS',
          ...Object.keys(DATABASE_SECRET_FIELDS),
          ...INTEGRATION_KEYS,
        ]),
      );
      const plain = container.Environment.map((e) => e.Name);
      expect(plain.filter((n) => secretNames.includes(n))).toEqual([]);
      expect(plain.filter((n) => /KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(n))).toEqual([]);
      expect(container.EntryPoint).toEqual(['sh', '-c']);
    }
    const api = containers.find((c) => c.Command[0]?.includes('--no-worker'));
    const worker = containers.find((c) => c.Command[0]?.includes('--worker-only'));
    expect(api?.Secrets.map((s) => s.Name)).toEqual(
      expect.arrayContaining(['CLOS_ADMIN_TOKEN', 'CLOS_METRICS_TOKEN']),
    );
    expect(worker?.Secrets.map((s) => s.Name)).not.toContain('CLOS_ADMIN_TOKEN');
    expect(api?.Environment).toEqual(
      expect.arrayContaining([
        { Name: 'CLOS_HOST', Value: '0.0.0.0' },
        { Name: 'CLOS_PORT', Value: '4000' },
      ]),
    );
  });

  it('generates CLOS_SECRET_KEY and the audit signing key in formats CLOS accepts', () => {
    const { template } = get(name);
    for (const variable of ['CLOS_SECRET_KEY', 'CLOS_AUDIT_SIGNING_KEY']) {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `clos/${name}/${variable}`,
        GenerateSecretString: {
          PasswordLength: 43,
          ExcludePunctuation: true,
          IncludeSpace: false,
          RequireEachIncludedType: false,
        },
      });
    }
    // What Secrets Manager can produce under those rules: 43 characters of [A-Za-z0-9].
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    for (const sample of [
      'A'.repeat(43),
      '9'.repeat(43),
      'z'.repeat(43),
      Array.from({ length: 43 }, (_, i) => alphabet[(i * 7) % alphabet.length]).join(''),
    ]) {
      expect(parseSecretKey(sample)?.length, sample).toBe(32);
      expect(parseAuditSigningKey(sample, 'CLOS_AUDIT_SIGNING_KEY').asymmetricKeyType).toBe('ed25519');
    }
  });

  it('keeps backups and Object Lock audit checkpoints in encrypted, private, TLS-only buckets', () => {
    const { template, settings } = get(name);
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [expect.anything()] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: `clos-${name}-audit-checkpoints-123456789012-us-east-1`,
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: {
          DefaultRetention: {
            Mode: settings.auditCheckpoints.mode.toUpperCase(),
            Days: settings.auditCheckpoints.retentionDays,
          },
        },
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: Match.stringLikeRegexp('audit-checkpoints') }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: `clos-${name}-backups-123456789012-us-east-1`,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
          }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('lets the tasks only put audit checkpoints, and only the worker touch backups', () => {
    const { template } = get(name);
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const statementsOf = (fragment: string) =>
      policies
        .filter(([id]) => id.includes(fragment))
        .flatMap(
          ([, p]) =>
            (p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } })
              .PolicyDocument.Statement,
        );
    const text = (statements: unknown[]) => JSON.stringify(statements);
    const auditBucket = Object.keys(
      template.findResources('AWS::S3::Bucket', {
        Properties: { BucketName: Match.stringLikeRegexp('audit-checkpoints') },
      }),
    )[0]!;
    const backupsBucket = Object.keys(
      template.findResources('AWS::S3::Bucket', {
        Properties: { BucketName: Match.stringLikeRegexp('backups') },
      }),
    )[0]!;
    for (const role of ['ApiTaskTaskRole', 'WorkerTaskTaskRole']) {
      const statements = statementsOf(role);
      const onAudit = statements.filter((s) => JSON.stringify(s).includes(auditBucket));
      expect(onAudit, role).toHaveLength(1);
      expect(onAudit[0]?.Action, role).toBe('s3:PutObject');
    }
    expect(text(statementsOf('ApiTaskTaskRole'))).not.toContain(backupsBucket);
    expect(text(statementsOf('WorkerTaskTaskRole'))).toContain(backupsBucket);
    expect(text(statementsOf('WorkerTaskTaskRole'))).toContain('s3:PutObject');
  });

  it('keeps every log group for a bounded time and logs both services to their own group', () => {
    const { template, settings } = get(name);
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(5);
    for (const group of groups) {
      const days = (group.Properties as { RetentionInDays?: number }).RetentionInDays;
      expect(days).toBeGreaterThanOrEqual(settings.logRetentionDays);
    }
    for (const role of ['api', 'worker'])
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/clos/${name}/${role}` });
  });

  it('alarms on 5xx rate, p95 latency, health, CPU, memory and the database, through one SNS topic', () => {
    const { template, settings } = get(name);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as Record<string, unknown>,
    );
    const byMetric = (metric: string) => alarms.filter((a) => JSON.stringify(a).includes(`"${metric}"`));
    expect(byMetric('HTTPCode_Target_5XX_Count')).toHaveLength(1);
    expect(byMetric('HTTPCode_ELB_5XX_Count')).toHaveLength(1);
    expect(byMetric('TargetResponseTime')[0]).toMatchObject({
      ExtendedStatistic: 'p95',
      Threshold: settings.alarms.p95LatencySeconds,
    });
    expect(settings.alarms.p95LatencySeconds).toBe(0.1);
    expect(byMetric('UnHealthyHostCount')).toHaveLength(1);
    expect(byMetric('HealthyHostCount')).toHaveLength(1);
    expect(byMetric('RunningTaskCount')).toHaveLength(1);
    expect(byMetric('CPUUtilization')).toHaveLength(3); // API, worker, database
    expect(byMetric('MemoryUtilization')).toHaveLength(2);
    expect(byMetric('FreeStorageSpace')).toHaveLength(1);
    expect(byMetric('DatabaseConnections')[0]).toMatchObject({
      Threshold: settings.database.connectionsAlarmThreshold,
    });
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('what differs between environments', () => {
  it('gives production a NAT gateway per zone, retained data and termination protection', () => {
    const staging = get('staging');
    const production = get('production');
    staging.template.resourceCountIs('AWS::EC2::NatGateway', 1);
    production.template.resourceCountIs('AWS::EC2::NatGateway', 2);
    expect(production.stack.terminationProtection).toBe(true);
    expect(staging.stack.terminationProtection).toBe(false);
    production.template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: Match.stringLikeRegexp('backups') }),
      DeletionPolicy: 'Retain',
    });
    staging.template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: Match.stringLikeRegexp('backups') }),
      DeletionPolicy: 'Delete',
    });
    production.template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.t4g.medium' });
    staging.template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.t4g.small' });
  });

  it('uses the per-deployment context: image tag, domain and its DNS record, alarm email', () => {
    const { template } = get('production');
    const images = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((task) =>
      JSON.stringify(
        (task.Properties as { ContainerDefinitions: { Image: unknown }[] }).ContainerDefinitions[0]?.Image,
      ),
    );
    expect(images).toHaveLength(2);
    // 123456789012.dkr.ecr.us-east-1.<URL suffix>/clos:v2.0.0, pulled from the account's own ECR.
    for (const image of images)
      expect(image).toMatch(/"123456789012\.dkr\.ecr\.us-east-1\.",.*"\/clos:v2\.0\.0"/);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'clos.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: 'CLOS_PUBLIC_URL', Value: 'https://clos.example.com' }]),
        }),
      ],
    });
    get('staging').template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });
});

describe('resolveEnvironment', () => {
  const reader = (values: Record<string, string>) => (key: string) => values[key];

  it('defaults to staging with a placeholder account, so synth needs no credentials', () => {
    const settings = resolveEnvironment(reader({}));
    expect(settings.name).toBe('staging');
    expect(settings.account).toBe('000000000000');
    expect(settings.availabilityZones).toEqual(['us-east-1a', 'us-east-1b']);
    expect(resolveEnvironment(reader({}), { CDK_DEFAULT_ACCOUNT: '210987654321' }).account).toBe(
      '210987654321',
    );
  });

  it('refuses what would fail later or deploy something else than asked', () => {
    const attempts: Record<string, string>[] = [
      { env: 'prod' },
      { account: '12345' },
      { certificateArn: 'arn:aws:iam::123456789012:role/x' },
      { hostedZoneId: 'Z1' },
      { hostedZoneId: 'Z1', hostedZoneName: 'example.com' },
      { region: 'eu-west-1', availabilityZones: 'us-east-1a,us-east-1b' },
      { availabilityZones: 'us-east-1a' },
    ];
    for (const values of attempts)
      expect(() => resolveEnvironment(reader(values)), JSON.stringify(values)).toThrow(EnvironmentError);
  });

  it('keeps the API at two tasks or more everywhere', () => {
    for (const settings of Object.values(ENVIRONMENTS)) {
      expect(settings.api.minTasks).toBeGreaterThanOrEqual(2);
      expect(settings.api.maxTasks).toBeGreaterThanOrEqual(settings.api.minTasks);
    }
  });
});

describe('the container command', () => {
  /** Runs the script in a real shell, with `node` replaced by a script that prints what it was given. */
  function run(script: string, env: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'clos-cmd-'));
    try {
      const fakeNode = join(dir, 'node');
      writeFileSync(
        fakeNode,
        `#!/bin/sh\nprintf "args=%s\\nurl=%s\\npassword=%s\\n" "$*" "$DATABASE_URL" "\${RDS_PASSWORD-unset}"\n`,
      );
      chmodSync(fakeNode, 0o755);
      return execFileSync('sh', ['-c', script], {
        env: { PATH: `${dir}:/usr/bin:/bin`, ...env },
        encoding: 'utf8',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const database = {
    RDS_HOSTNAME: 'clos-staging.abc.us-east-1.rds.amazonaws.com',
    RDS_PORT: '5432',
    RDS_DB_NAME: 'clos',
    RDS_USERNAME: 'clos',
    RDS_PASSWORD: 'Abc123def456GHI789',
  };

  it('builds DATABASE_URL from the injected fields and execs the server with the role flag', () => {
    const out = run(containerScript({ role: 'api', serverEntry: 'apps/server/dist/main.js' }), database);
    expect(out).toContain('args=--enable-source-maps apps/server/dist/main.js --no-worker\n');
    expect(out).toContain('password=unset\n');
    const url = new URL(/url=(.*)\n/.exec(out)?.[1] ?? '');
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe(database.RDS_HOSTNAME);
    expect(url.port).toBe('5432');
    expect(url.pathname).toBe('/clos');
    expect(url.username).toBe('clos');
    expect(url.password).toBe(database.RDS_PASSWORD);
    expect(url.searchParams.get('sslmode')).toBe('no-verify');

    const worker = run(
      containerScript({
        role: 'worker',
        serverEntry: 'apps/server/dist/main.js',
        databaseCaFile: '/etc/ssl/rds.pem',
      }),
      database,
    );
    expect(worker).toContain('args=--enable-source-maps apps/server/dist/main.js --worker-only\n');
    expect(worker).toContain('sslmode=verify-full&sslrootcert=/etc/ssl/rds.pem');
  });

  it('stops before starting the server when a database field is missing', () => {
    const { RDS_PASSWORD: _omitted, ...partial } = database;
    expect(() =>
      run(containerScript({ role: 'api', serverEntry: 'apps/server/dist/main.js' }), partial),
    ).toThrow();
  });

  it('refuses entries that would need shell quoting', () => {
    expect(() =>
      containerScript({ role: 'api', serverEntry: 'apps/server/dist/main.js; rm -rf /' }),
    ).toThrow();
    expect(() =>
      containerScript({ role: 'api', serverEntry: 'apps/server/dist/main.js', databaseCaFile: '$(id)' }),
    ).toThrow();
  });
});
