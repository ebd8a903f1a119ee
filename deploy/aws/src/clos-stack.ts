import { type App, CfnOutput, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { ClosAlarms } from './alarms.ts';
import { ClosDatabase } from './database.ts';
import type { EnvironmentSettings } from './environments.ts';
import { ClosNetwork } from './network.ts';
import { ClosSecrets } from './secrets.ts';
import { ClosServices } from './services.ts';
import { ClosStorage } from './storage.ts';

/** CLOS on AWS for one environment: network, database, buckets, secrets, services and alarms. */
export class ClosStack extends Stack {
  readonly settings: EnvironmentSettings;
  readonly services: ClosServices;
  readonly alarms: ClosAlarms;

  /**
   * The zones from the settings. Stack's own getter would look them up in the account (a context
   * provider call, which needs credentials) as soon as the environment is concrete.
   */
  override get availabilityZones(): string[] {
    return [...this.settings.availabilityZones];
  }

  constructor(scope: Construct, id: string, settings: EnvironmentSettings, props: StackProps = {}) {
    super(scope, id, {
      ...props,
      env: { account: settings.account, region: settings.region },
      description: `CLOS ${settings.name}: ECS Fargate API and worker, RDS PostgreSQL, S3, Secrets Manager, CloudWatch alarms`,
      terminationProtection: settings.retainData,
    });
    this.settings = settings;
    Tags.of(this).add('application', 'clos');
    Tags.of(this).add('environment', settings.name);

    const network = new ClosNetwork(this, 'Network', settings);
    const storage = new ClosStorage(this, 'Storage', settings);
    const secrets = new ClosSecrets(this, 'Secrets', settings);
    const database = new ClosDatabase(this, 'Database', network.vpc, settings);
    this.services = new ClosServices(this, 'Services', {
      vpc: network.vpc,
      database,
      secrets,
      storage,
      settings,
    });
    this.alarms = new ClosAlarms(this, 'Alarms', { services: this.services, database, settings });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('Url', this.services.publicUrl, 'Where CLOS answers (CLOS_PUBLIC_URL)');
    output('LoadBalancerDnsName', this.services.loadBalancer.loadBalancerDnsName, 'Point your DNS name here');
    output('ClusterName', this.services.cluster.clusterName, 'ECS cluster');
    output('WorkerTaskDefinition', this.services.worker.taskDefinition.family, 'Family for one-off tasks');
    output('BackupsBucket', storage.backups.bucketName, 'clos backup --to s3://<this>/<prefix>');
    output('AuditCheckpointsBucket', storage.auditCheckpoints.bucketName, 'Object Lock bucket');
    output('DatabaseEndpoint', database.instance.dbInstanceEndpointAddress, 'PostgreSQL host');
    output('DatabaseSecretArn', database.instance.secret?.secretArn ?? '', 'Generated credentials');
    output('IntegrationsSecretArn', secrets.integrations.secretArn, 'Fill in GitHub/Slack/Linear/OIDC');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'Subscribe on-call here');
  }
}

/** The stack name for an environment: one stack per environment, per account and region. */
export function stackName(settings: EnvironmentSettings): string {
  return `Clos-${settings.name}`;
}

/**
 * Adds the stack for `settings` to `app` and checks the app with cdk-nag's AwsSolutions pack:
 * synthesis fails on any finding not acknowledged in code with its reason. The CLI entry and the
 * tests both go through here, so what the tests check is what `cdk synth` and `cdk deploy` produce.
 */
export function addClosStack(app: App, settings: EnvironmentSettings): ClosStack {
  const stack = new ClosStack(app, stackName(settings), settings);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
