import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvironmentSettings } from './environments.ts';
import { retentionDays } from './retention.ts';

/**
 * Three tiers: the load balancer in public subnets, the Fargate tasks in private subnets that reach
 * GitHub, Slack and Linear through NAT, and the database in isolated subnets with no route out.
 */
export class ClosNetwork extends Construct {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, settings: EnvironmentSettings) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      availabilityZones: [...settings.availabilityZones],
      natGateways: settings.natGateways,
      // The default security group stays closed: nothing here uses it, so nothing may slip into it.
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Backups and checkpoints go to S3 without paying NAT data charges.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    Validations.of(this.vpc).acknowledge({
      id: 'CloudFormation-Validate::W3010',
      reason:
        'Zones are named in environments.ts on purpose: Fn::GetAZs cannot size the subnets at synth, and a lookup would need AWS credentials to synthesise.',
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: retentionDays(settings.logRetentionDays),
      removalPolicy: settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Rejected traffic only: accepted flows are most of the volume and what the ALB logs already show.
    this.vpc.addFlowLog('RejectedFlows', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
  }
}
