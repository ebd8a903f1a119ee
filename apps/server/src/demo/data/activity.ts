/**
 * What makes the demo organisation look alive on first sight: deployments (one failing recently),
 * this week's ideas, today's commitments and the weekly demo's first submissions.
 */
import { HEAD_OF_ENGINEERING } from './people.ts';

export interface DeploymentSeed {
  pod: string;
  /** The deploying developer (projects:work in the pod). */
  by: string;
  day: number;
  version: string;
  /** The step that failed and why; without one every step succeeds. */
  fails?: { step: 'build' | 'test' | 'stage' | 'prod'; error: string };
}

export const DEPLOYMENTS: DeploymentSeed[] = [
  { pod: 'ratio', by: 'tom.whitaker@example.com', day: 3.4, version: 'web-2026.1' },
  { pod: 'atlas', by: 'diego.santos@example.com', day: 6.6, version: 'api-4.2.0' },
  { pod: 'beacon', by: 'kenji.watanabe@example.com', day: 8.2, version: 'ios-7.3' },
  { pod: 'compass', by: 'lucas.meyer@example.com', day: 12.5, version: 'etl-1.18' },
  { pod: 'ratio', by: 'hannah.brooks@example.com', day: 17.3, version: 'web-2026.2' },
  {
    pod: 'atlas',
    by: 'diego.santos@example.com',
    day: 20.4,
    version: 'api-4.3.0',
    fails: { step: 'test', error: 'contract tests: 3 failures in /v2/partners' },
  },
  { pod: 'atlas', by: 'diego.santos@example.com', day: 21.1, version: 'api-4.3.1' },
  { pod: 'beacon', by: 'kenji.watanabe@example.com', day: 24.7, version: 'android-5.9' },
  { pod: 'compass', by: 'aisha.khan@example.com', day: 27.3, version: 'etl-1.19' },
  { pod: 'ratio', by: 'tom.whitaker@example.com', day: 31.5, version: 'web-2026.3' },
  { pod: 'beacon', by: 'kenji.watanabe@example.com', day: 35.2, version: 'ios-7.4' },
  // Rolled back in production and fixed within the half hour (the scorecard's time to recovery).
  {
    pod: 'compass',
    by: 'lucas.meyer@example.com',
    day: 38.57,
    version: 'etl-1.20-rc1',
    fails: { step: 'prod', error: 'migration timed out on the events table' },
  },
  { pod: 'compass', by: 'lucas.meyer@example.com', day: 38.6, version: 'etl-1.20' },
  { pod: 'ratio', by: 'hannah.brooks@example.com', day: 40.3, version: 'web-2026.4' },
  {
    pod: 'beacon',
    by: 'kenji.watanabe@example.com',
    day: 41.2,
    version: 'ios-7.5',
    fails: { step: 'prod', error: 'health check failed after rollout: crash on launch for iOS 16' },
  },
];

/**
 * Ideas of the current week, placed by `at` (0 = the week's start, 1 = a quarter of an hour before
 * now), so "ideas this week" is never empty whatever day the demo is started.
 */
export const THIS_WEEK_IDEAS = [
  {
    title: 'Saved filters for the project list',
    description: 'Let leads save the filters they use every morning and share them as links.',
    by: 'priya.raman@example.com',
    at: 0.2,
    evaluatedBy: [HEAD_OF_ENGINEERING],
  },
  {
    title: 'Deployment freeze calendar',
    description: 'Block production deploys on announced freeze days, with an override that is audited.',
    by: 'aisha.khan@example.com',
    at: 0.5,
    evaluatedBy: [],
  },
  {
    title: 'Weekly email summary for executives',
    description: 'A Monday email with throughput, cycle time and the projects stuck at a gate.',
    by: 'marcus.bell@example.com',
    at: 0.8,
    evaluatedBy: [],
  },
];

/** Today's commitments, a few per pod, made by its members in the morning. */
export const COMMITMENTS = [
  { pod: 'ratio', by: 'tom.whitaker@example.com', text: 'Finish the address form validation for checkout' },
  {
    pod: 'ratio',
    by: 'hannah.brooks@example.com',
    text: 'Review ratio/web#415 and pair on the refund edge cases',
  },
  { pod: 'atlas', by: 'diego.santos@example.com', text: 'Merge atlas/api#93 once the contract tests pass' },
  {
    pod: 'beacon',
    by: 'kenji.watanabe@example.com',
    text: 'Find the iOS 16 launch crash behind the failed deploy',
  },
  {
    pod: 'compass',
    by: 'lucas.meyer@example.com',
    text: 'Cut over the nightly finance report to the new warehouse',
  },
];

/** Submissions to this week's demo, which stays open (collecting) for more. */
export const DEMO_SUBMISSIONS = [
  {
    pod: 'ratio',
    by: 'tom.whitaker@example.com',
    title: 'New checkout address form',
    description: 'One screen instead of three, with postcode lookup.',
  },
  {
    pod: 'compass',
    by: 'aisha.khan@example.com',
    title: 'Warehouse query times, before and after',
    description: 'The nightly report from six hours to forty minutes.',
  },
  {
    pod: 'atlas',
    by: 'diego.santos@example.com',
    title: 'Partner API v2 webhooks',
    description: 'A partner receiving live order updates in the sandbox.',
  },
];
