import { Duration, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { containerScript, DATABASE_SECRET_FIELDS, type ProcessRole } from './container-command.ts';
import type { ClosDatabase } from './database.ts';
import type { EnvironmentSettings, TaskSettings } from './environments.ts';
import { retentionDays } from './retention.ts';
import type { ClosSecrets, GeneratedSecretName } from './secrets.ts';
import type { ClosStorage } from './storage.ts';

/** The port CLOS listens on inside the task (CLOS_PORT); only the load balancer reaches it. */
export const CONTAINER_PORT = 4000;

export interface ServicesProps {
  vpc: ec2.IVpc;
  database: ClosDatabase;
  secrets: ClosSecrets;
  storage: ClosStorage;
  settings: EnvironmentSettings;
}

/** What each process needs beyond the database and the integrations. */
const SECRETS_BY_ROLE: Record<ProcessRole, readonly GeneratedSecretName[]> = {
  // The API creates the first admin and answers /metrics with the metrics token.
  api: ['CLOS_SECRET_KEY', 'CLOS_AUDIT_SIGNING_KEY', 'CLOS_ADMIN_TOKEN', 'CLOS_METRICS_TOKEN'],
  // The worker signs scheduled checkpoints and decrypts stored integration secrets for its jobs.
  worker: ['CLOS_SECRET_KEY', 'CLOS_AUDIT_SIGNING_KEY'],
};

/**
 * The ECS cluster, the API service behind an HTTPS load balancer, and the worker service. Both run
 * the same image; the API with `--no-worker`, the worker with `--worker-only`.
 */
export class ClosServices extends Construct {
  readonly cluster: ecs.Cluster;
  readonly api: ecs.FargateService;
  readonly worker: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly logGroups: Record<ProcessRole, logs.LogGroup>;
  readonly publicUrl: string;

  constructor(scope: Stack, id: string, props: ServicesProps) {
    super(scope, id);
    const { vpc, database, storage, settings } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      clusterName: `clos-${settings.name}`,
      // Task-level CPU, memory and RunningTaskCount, which the worker's alarm needs (it has no target group).
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const albSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'CLOS load balancer: HTTPS from anywhere, HTTP only to redirect',
      allowAllOutbound: false,
    });
    albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS');
    albSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
    Validations.of(albSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'CLOS is a web application for people and webhooks (GitHub, Slack, Linear) on the internet: the load balancer must accept 443 from any address. Port 80 only answers with a redirect to 443.',
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      securityGroup: albSecurityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
      deletionProtection: settings.retainData,
      // CLOS's event stream sends a keepalive every 15 s, well inside the default 60 s idle timeout.
      idleTimeout: Duration.seconds(60),
    });
    this.loadBalancer.logAccessLogs(storage.logs, 'alb');

    const https = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(settings.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
    this.loadBalancer.addRedirect({
      sourcePort: 80,
      sourceProtocol: elbv2.ApplicationProtocol.HTTP,
      targetPort: 443,
      targetProtocol: elbv2.ApplicationProtocol.HTTPS,
      open: false,
    });

    if (settings.hostedZone && settings.domainName) {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: settings.hostedZone.id,
        zoneName: settings.hostedZone.name,
      });
      new route53.ARecord(this, 'Alias', {
        zone,
        recordName: settings.domainName,
        target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(this.loadBalancer)),
      });
    }
    this.publicUrl = settings.domainName
      ? `https://${settings.domainName}`
      : `https://${this.loadBalancer.loadBalancerDnsName}`;

    const image = ecs.ContainerImage.fromEcrRepository(
      ecr.Repository.fromRepositoryName(this, 'Repository', settings.imageRepository),
      settings.imageTag,
    );
    this.logGroups = {
      api: this.logGroup('ApiLogs', 'api', settings),
      worker: this.logGroup('WorkerLogs', 'worker', settings),
    };

    const serviceSecurityGroup = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc, description, allowAllOutbound: true });
    const apiSecurityGroup = serviceSecurityGroup('ApiSecurityGroup', 'CLOS API tasks');
    const workerSecurityGroup = serviceSecurityGroup(
      'WorkerSecurityGroup',
      'CLOS worker tasks (no inbound traffic)',
    );

    const apiTask = this.taskDefinition('Api', 'api', settings.api, image, props);
    this.api = new ecs.FargateService(this, 'ApiService', {
      cluster: this.cluster,
      serviceName: 'clos-api',
      taskDefinition: apiTask,
      desiredCount: settings.api.minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [apiSecurityGroup],
      assignPublicIp: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    this.targetGroup = https.addTargets('Api', {
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.api],
      healthCheck: {
        // Ready, not merely alive: a task that cannot reach PostgreSQL gets no traffic.
        path: '/readyz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // CLOS answers in-flight requests and tells event-stream clients to reconnect on SIGTERM.
      deregistrationDelay: Duration.seconds(30),
    });
    apiSecurityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(CONTAINER_PORT), 'from the load balancer');
    albSecurityGroup.addEgressRule(apiSecurityGroup, ec2.Port.tcp(CONTAINER_PORT), 'to the API tasks');

    const scaling = this.api.autoScaleTaskCount({
      minCapacity: settings.api.minTasks,
      maxCapacity: settings.api.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: settings.scaling.cpuPercent,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: settings.scaling.requestsPerTargetPerMinute,
      targetGroup: this.targetGroup,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    const workerTask = this.taskDefinition('Worker', 'worker', settings.worker, image, props);
    this.worker = new ecs.FargateService(this, 'WorkerService', {
      cluster: this.cluster,
      serviceName: 'clos-worker',
      taskDefinition: workerTask,
      desiredCount: settings.worker.minTasks,
      // Workers coordinate through PostgreSQL (SKIP LOCKED), so old and new may overlap during a deploy.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [workerSecurityGroup],
      assignPublicIp: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    for (const group of [apiSecurityGroup, workerSecurityGroup])
      database.instance.connections.allowDefaultPortFrom(group, 'CLOS tasks');

    // Audit checkpoints: write-only. Object Lock makes a written checkpoint permanent; no role here may
    // read, list, delete or change retention, so a compromised task cannot tidy up after itself.
    const putCheckpoints = new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [storage.auditCheckpoints.arnForObjects('*')],
    });
    // Backups: the worker writes scheduled backups and prunes past retention; restores run as a
    // one-off worker task (docs/deploy-aws.md), so it also reads.
    // grantReadWrite includes s3:DeleteObject*, which pruning past `backups.retain` needs.
    storage.backups.grantReadWrite(workerTask.taskRole);
    for (const task of [apiTask, workerTask]) task.addToTaskRolePolicy(putCheckpoints);

    this.acknowledgeIamFindings(scope, apiTask, workerTask, storage);
  }

  private logGroup(id: string, role: ProcessRole, settings: EnvironmentSettings): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      logGroupName: `/clos/${settings.name}/${role}`,
      retention: retentionDays(settings.logRetentionDays),
      removalPolicy: settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  private taskDefinition(
    id: string,
    role: ProcessRole,
    size: TaskSettings,
    image: ecs.ContainerImage,
    props: ServicesProps,
  ): ecs.FargateTaskDefinition {
    const { settings, secrets, database } = props;
    const task = new ecs.FargateTaskDefinition(this, `${id}Task`, {
      family: `clos-${settings.name}-${role}`,
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const databaseSecret = database.instance.secret;
    if (!databaseSecret) throw new Error('the database has no generated secret');
    const databaseSecrets = Object.fromEntries(
      Object.entries(DATABASE_SECRET_FIELDS).map(([variable, field]) => [
        variable,
        ecs.Secret.fromSecretsManager(databaseSecret, field),
      ]),
    );
    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      CLOS_LOG_LEVEL: 'info',
      CLOS_DB_POOL_MAX: String(settings.dbPoolMax),
      CLOS_PUBLIC_URL: this.publicUrl,
      AWS_REGION: settings.region,
    };
    if (role === 'api') {
      environment.CLOS_HOST = '0.0.0.0';
      environment.CLOS_PORT = String(CONTAINER_PORT);
    }
    const container = task.addContainer('clos', {
      image,
      essential: true,
      entryPoint: ['sh', '-c'],
      command: [
        containerScript({
          role,
          serverEntry: settings.serverEntry,
          ...(settings.databaseCaFile ? { databaseCaFile: settings.databaseCaFile } : {}),
        }),
      ],
      environment,
      secrets: { ...databaseSecrets, ...secrets.containerSecrets(SECRETS_BY_ROLE[role]) },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroups[role], streamPrefix: role }),
      // Time for graceful shutdown (in-flight requests, running jobs) before SIGKILL.
      stopTimeout: Duration.seconds(60),
    });
    if (role === 'api') container.addPortMappings({ containerPort: CONTAINER_PORT });
    Validations.of(task.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken, which ECS needs to pull the image, has no resource-level permissions and must be granted on "*"; the image pull itself is limited to the one repository and the secrets to those of this stack.',
    });
    Validations.of(task).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The plain environment holds only non-secret settings (port, host, log level, pool size, public URL, region); every secret is injected from Secrets Manager through the Secrets of the task definition.',
    });
    return task;
  }

  /**
   * Wildcards cdk-nag reports on the task roles, each narrowed to one bucket or key of this stack.
   * Each finding is acknowledged where it arises, so a new wildcard still fails the check.
   */
  private acknowledgeIamFindings(
    scope: Stack,
    apiTask: ecs.FargateTaskDefinition,
    workerTask: ecs.FargateTaskDefinition,
    storage: ClosStorage,
  ): void {
    // cdk-nag names a bucket's ARN by the bucket's logical id in its findings.
    const logicalId = (bucket: s3.Bucket) => scope.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    const checkpointObjects = `Resource::<${logicalId(storage.auditCheckpoints)}.Arn>/*`;
    const backupObjects = `Resource::<${logicalId(storage.backups)}.Arn>/*`;
    const checkpointReason =
      'Checkpoint objects are named by sequence number as they are taken, so the resource is every object key of the one audit-checkpoint bucket, with s3:PutObject as the only action.';
    for (const task of [apiTask, workerTask])
      Validations.of(task.taskRole).acknowledge({
        id: `AwsSolutions-IAM5[${checkpointObjects}]`,
        reason: checkpointReason,
      });
    const backupReason =
      'Backup files are named by time as they are written and pruned by age, so the worker needs object actions on every key of the one backups bucket; the grant is limited to that bucket and its KMS key.';
    for (const finding of [
      backupObjects,
      'Action::s3:GetObject*',
      'Action::s3:GetBucket*',
      'Action::s3:List*',
      'Action::s3:DeleteObject*',
      'Action::s3:Abort*',
      'Action::kms:ReEncrypt*',
      'Action::kms:GenerateDataKey*',
    ])
      Validations.of(workerTask.taskRole).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: backupReason,
      });
  }
}
