import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * CloudWatch accepts only certain retention periods; a setting in days maps to the shortest allowed
 * period that keeps logs at least that long, so a typo in environments.ts never shortens retention.
 */
export function retentionDays(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((value): value is RetentionDays => typeof value === 'number' && value > 0)
    .sort((a, b) => a - b);
  const match = allowed.find((value) => value >= days);
  if (match === undefined) throw new Error(`log retention of ${days} days is longer than CloudWatch allows`);
  return match;
}
