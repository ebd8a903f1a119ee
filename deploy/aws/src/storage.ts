import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EnvironmentSettings } from './environments.ts';

/**
 * Three buckets: access logs (ALB and S3 server access logs), database backups written by
 * `clos backup --to s3://…` and the worker's scheduled backups, and audit checkpoints under Object
 * Lock so that nobody, the database's owners included, can rewrite a checkpoint once it is written.
 */
export class ClosStorage extends Construct {
  readonly logs: s3.Bucket;
  readonly backups: s3.Bucket;
  readonly backupsKey: kms.Key;
  readonly auditCheckpoints: s3.Bucket;

  constructor(scope: Stack, id: string, settings: EnvironmentSettings) {
    super(scope, id);
    const removalPolicy = settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Names are predictable so clos.config.yaml (scheduled backups) can name the bucket before the
    // first deploy; the account and region keep them globally unique.
    const name = (purpose: string) => `clos-${settings.name}-${purpose}-${scope.account}-${scope.region}`;

    this.logs = new s3.Bucket(this, 'Logs', {
      bucketName: name('logs'),
      // ALB access logs can only be written to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(Math.max(settings.logRetentionDays, 30)) }],
      removalPolicy,
    });
    this.backupsKey = new kms.Key(this, 'BackupsKey', {
      description: `CLOS ${settings.name}: encrypts database backups`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.backups = new s3.Bucket(this, 'Backups', {
      bucketName: name('backups'),
      // Backups hold every table, so a key policy (not only bucket policy) decides who can read them.
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.backupsKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // CLOS's retention deletes old backups; versioning keeps a deleted or overwritten one for a while.
      versioned: true,
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(settings.backupNoncurrentDays),
          abortIncompleteMultipartUploadAfter: Duration.days(2),
        },
      ],
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/backups/',
      removalPolicy,
    });

    const { mode, retentionDays } = settings.auditCheckpoints;
    const retention =
      mode === 'compliance'
        ? s3.ObjectLockRetention.compliance(Duration.days(retentionDays))
        : s3.ObjectLockRetention.governance(Duration.days(retentionDays));
    this.auditCheckpoints = new s3.Bucket(this, 'AuditCheckpoints', {
      bucketName: name('audit-checkpoints'),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: retention,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/audit-checkpoints/',
      // Locked objects cannot be deleted anyway; the bucket outlives the stack in every environment.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
