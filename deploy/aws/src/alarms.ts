import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ClosDatabase } from './database.ts';
import type { EnvironmentSettings } from './environments.ts';
import type { ClosServices } from './services.ts';

export interface AlarmsProps {
  services: ClosServices;
  database: ClosDatabase;
  settings: EnvironmentSettings;
}

const GIB = 1024 ** 3;

/**
 * Service-health alarms from CloudWatch's own metrics, all notifying one SNS topic. The seed's
 * domain alerts (WIP limit exceeded, gate blocked > 24 h, pod health < 70 %, deployment failures >
 * 10 %) are not repeated here: CLOS raises them itself (docs/alerts.md) and Prometheus rules exist in
 * deploy/grafana; CloudWatch cannot see them without a metrics pipeline this stack does not build.
 */
export class ClosAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly environmentName: string;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { services, database, settings } = props;
    this.environmentName = settings.name;

    // CloudWatch can publish to an encrypted topic only through a customer managed key that lets it.
    const key = new kms.Key(this, 'TopicKey', {
      description: `CLOS ${settings.name}: encrypts alarm notifications`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `clos-${settings.name}-alarms`,
      displayName: `CLOS ${settings.name} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (settings.alarmEmail)
      this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));

    const alb = services.loadBalancer.metrics;
    const tg = services.targetGroup.metrics;
    const fiveMinutes = Duration.minutes(5);
    const oneMinute = Duration.minutes(1);

    this.add('ApiErrorRate', {
      description: `More than ${settings.alarms.errorRatePercent} % of requests answered 5xx (by CLOS or by the load balancer) over 5 minutes (seed §9: error rate < 0.1 %).`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)',
        usingMetrics: {
          requests: alb.requestCount({ period: fiveMinutes, statistic: 'Sum' }),
          target5xx: alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
            period: fiveMinutes,
            statistic: 'Sum',
          }),
          elb5xx: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: fiveMinutes, statistic: 'Sum' }),
        },
        label: '5xx responses (%)',
        period: fiveMinutes,
      }),
      threshold: settings.alarms.errorRatePercent,
      evaluationPeriods: 1,
    });
    this.add('ApiLatencyP95', {
      description: `p95 target response time above ${settings.alarms.p95LatencySeconds * 1000} ms for 10 minutes (seed §9: < 100 ms p95). Event-stream requests count only until their headers, so they do not skew it.`,
      metric: alb.targetResponseTime({ period: fiveMinutes, statistic: 'p95' }),
      threshold: settings.alarms.p95LatencySeconds,
      evaluationPeriods: 2,
    });
    this.add('ApiUnhealthyTargets', {
      description: 'At least one API task failed the /readyz health check for 3 minutes.',
      metric: tg.unhealthyHostCount({ period: oneMinute, statistic: 'Maximum' }),
      threshold: 0,
      evaluationPeriods: 3,
    });
    this.add('ApiNoHealthyTargets', {
      description: 'No API task passes /readyz: CLOS is down for its users.',
      metric: tg.healthyHostCount({ period: oneMinute, statistic: 'Minimum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    for (const [name, service] of [
      ['Api', services.api],
      ['Worker', services.worker],
    ] as const) {
      this.add(`${name}Cpu`, {
        description: `${name} tasks above 85 % CPU for 15 minutes${name === 'Api' ? ' (autoscaling should have added tasks: check maxTasks)' : ''}.`,
        metric: service.metricCpuUtilization({ period: fiveMinutes, statistic: 'Average' }),
        threshold: 85,
        evaluationPeriods: 3,
      });
      this.add(`${name}Memory`, {
        description: `${name} tasks above 85 % of their memory for 15 minutes.`,
        metric: service.metricMemoryUtilization({ period: fiveMinutes, statistic: 'Average' }),
        threshold: 85,
        evaluationPeriods: 3,
      });
    }
    this.add('WorkerNotRunning', {
      description:
        'Fewer worker tasks running than configured for 5 minutes: schedules, backups, checkpoints and outbound webhooks stop.',
      metric: new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName: 'RunningTaskCount',
        dimensionsMap: {
          ClusterName: services.cluster.clusterName,
          ServiceName: services.worker.serviceName,
        },
        period: oneMinute,
        statistic: 'Minimum',
      }),
      threshold: settings.worker.minTasks,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const db = database.instance;
    this.add('DatabaseCpu', {
      description: 'PostgreSQL above 80 % CPU for 15 minutes.',
      metric: db.metricCPUUtilization({ period: fiveMinutes, statistic: 'Average' }),
      threshold: 80,
      evaluationPeriods: 3,
    });
    this.add('DatabaseFreeStorage', {
      description:
        'PostgreSQL has less than 10 % of its allocated storage free. Storage autoscaling grows it up to maxAllocatedStorage; this alarm staying on means that ceiling is reached.',
      metric: db.metricFreeStorageSpace({ period: fiveMinutes, statistic: 'Minimum' }),
      threshold: settings.database.allocatedStorageGiB * GIB * 0.1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('DatabaseConnections', {
      description: `More than ${settings.database.connectionsAlarmThreshold} database connections for 10 minutes (each CLOS process opens up to CLOS_DB_POOL_MAX = ${settings.dbPoolMax}).`,
      metric: db.metricDatabaseConnections({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: settings.database.connectionsAlarmThreshold,
      evaluationPeriods: 2,
    });
  }

  private add(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'actionsEnabled' | 'alarmDescription'> & {
      description: string;
    },
  ): void {
    const { description, ...rest } = props;
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `clos-${this.environmentName}-${id}`,
      alarmDescription: description,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...rest,
    });
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}
