import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { EnvironmentSettings } from './environments.ts';
import { retentionDays } from './retention.ts';

/**
 * Every printable ASCII character that is not a letter or digit. The password goes into DATABASE_URL
 * unescaped (container-command.ts), so it is letters and digits only: 30 of them are ~178 bits.
 */
const PASSWORD_EXCLUDES = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ ';

/** PostgreSQL Multi-AZ in the isolated subnets, encrypted, TLS-only, with automated backups. */
export class ClosDatabase extends Construct {
  readonly instance: rds.DatabaseInstance;

  constructor(scope: Construct, id: string, vpc: ec2.IVpc, settings: EnvironmentSettings) {
    super(scope, id);
    const instanceIdentifier = `clos-${settings.name}`;
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `CLOS ${settings.name}: TLS only, slow statements logged`,
      parameters: {
        'rds.force_ssl': '1',
        // CLOS aims at p95 < 100 ms for whole requests (seed §9); a single statement past 500 ms is worth a look.
        log_min_duration_statement: '500',
      },
    });
    // Created here rather than by RDS so it has a retention period, without the log-retention Lambda
    // that `cloudwatchLogsRetention` would add.
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
      retention: retentionDays(settings.logRetentionDays),
      removalPolicy: settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const upgradeLogs = new logs.LogGroup(this, 'UpgradeLogs', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/upgrade`,
      retention: retentionDays(settings.logRetentionDays),
      removalPolicy: settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      instanceIdentifier,
      engine,
      instanceType: new ec2.InstanceType(settings.database.instanceType),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      multiAz: true,
      publiclyAccessible: false,
      databaseName: 'clos',
      credentials: rds.Credentials.fromGeneratedSecret('clos', {
        secretName: `clos/${settings.name}/database`,
        excludeCharacters: PASSWORD_EXCLUDES,
      }),
      parameterGroup,
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: settings.database.allocatedStorageGiB,
      maxAllocatedStorage: settings.database.maxAllocatedStorageGiB,
      backupRetention: Duration.days(settings.database.backupRetentionDays),
      preferredBackupWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      deleteAutomatedBackups: false,
      deletionProtection: true,
      autoMinorVersionUpgrade: true,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.instance.node.addDependency(postgresLogs, upgradeLogs);

    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The instance is in isolated subnets and its security group admits only the CLOS tasks; a non-default port would hide nothing from them and would break tools that assume 5432.',
    });
    // The generated secret is a child construct; `instance.secret` is its attachment, not the secret.
    Validations.of(this.instance.node.findChild('Secret')).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Tasks read the password once, at start, into DATABASE_URL: an unattended rotation would break every new connection until the services are redeployed. Rotation is an operator step (docs/deploy-aws.md): rotate, then force a new deployment of both services.',
    });
  }
}
