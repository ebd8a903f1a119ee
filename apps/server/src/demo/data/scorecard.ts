/**
 * What the success scorecard (seed §9, docs/scorecard.md) reads that only people using CLOS create:
 * the two weekly demos before this week's, with their feedback and pulse, and the shape of the
 * bookkeeping a running server keeps (requests per minute, active users, Slack commands, page loads).
 */

export interface PastDemoSubmission {
  pod: string;
  /** 1: last week's demo, 2: the week before. */
  weeksAgo: 1 | 2;
  by: string;
  title: string;
}

export const PAST_DEMO_SUBMISSIONS: PastDemoSubmission[] = [
  { pod: 'ratio', weeksAgo: 2, by: 'tom.whitaker@example.com', title: 'Refund eligibility rules' },
  { pod: 'ratio', weeksAgo: 1, by: 'hannah.brooks@example.com', title: 'Refunds behind their flag' },
  { pod: 'atlas', weeksAgo: 2, by: 'diego.santos@example.com', title: 'Partner API rate limits' },
  { pod: 'atlas', weeksAgo: 1, by: 'diego.santos@example.com', title: 'Metered usage export' },
  { pod: 'beacon', weeksAgo: 2, by: 'kenji.watanabe@example.com', title: 'Two-factor enrolment screens' },
  { pod: 'beacon', weeksAgo: 1, by: 'kenji.watanabe@example.com', title: 'iOS 7.4 crash fixes' },
  { pod: 'compass', weeksAgo: 2, by: 'lucas.meyer@example.com', title: 'Warehouse cut-over dry run' },
  { pod: 'compass', weeksAgo: 1, by: 'aisha.khan@example.com', title: 'Status page incident feed' },
];

/** Answers to the demo pulse, "how was your week?" (1–10): [two weeks ago, last week]; null: no answer. */
export const PULSES: Record<string, [number | null, number | null]> = {
  'priya.raman@example.com': [8, 9],
  'tom.whitaker@example.com': [7, 8],
  'hannah.brooks@example.com': [9, null],
  'marcus.bell@example.com': [6, 8],
  'diego.santos@example.com': [6, 7],
  'mei.tan@example.com': [8, 9],
  'kenji.watanabe@example.com': [9, 8],
  'sofia.alvarez@example.com': [8, 9],
  'lucas.meyer@example.com': [7, null],
  'aisha.khan@example.com': [8, 9],
};

/** Days of per-minute service records, active users and usage counts before now. */
export const BOOKKEEPING_DAYS = 15;

/** Slack commands per weekday (a few fewer some days); at weekends about a tenth. */
export const SLACK_COMMANDS_PER_WEEKDAY: Record<string, number> = {
  '/clos wip': 26,
  '/clos status': 14,
  '/clos gate': 8,
  '/unblock': 6,
};

/** Dashboard page loads on a weekday, before the day's variation; at weekends about a sixth. */
export const DASHBOARD_VIEWS_PER_WEEKDAY = 140;

/**
 * Minutes in which the one demo server process failed its self-check (UTC): a short one in the
 * scorecard's default week and a longer one the week before, so availability moves between them.
 */
export const OUTAGES = [
  { daysAgo: 4, time: '03:12', minutes: 4 },
  { daysAgo: 10, time: '02:40', minutes: 15 },
];
