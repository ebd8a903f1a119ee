/** The demo organisation's idea ledger: submissions, evaluations and what was archived. */
import { ADMIN, HEAD_OF_ENGINEERING } from './people.ts';

export interface EvaluationSeed {
  by: string;
  day: number;
  /** The evaluator's overall view, 0–5; spread over the criteria with a little variation. */
  base: number;
  comment?: string;
}

export interface IdeaSeed {
  title: string;
  description: string;
  by: string;
  day: number;
  evaluations: EvaluationSeed[];
  archive?: { by: string; day: number; reason: string };
  /** Submitted for this pod's evaluation: holds one of its idea WIP slots while pending. */
  pod?: string;
}

export const IDEAS: IdeaSeed[] = [
  {
    title: 'Two-factor sign-in for admin accounts',
    description: 'Require a second factor for admins first; enterprise questionnaires ask for it.',
    by: 'mei.tan@example.com',
    day: 8,
    evaluations: [
      { by: 'kenji.watanabe@example.com', day: 10, base: 5 },
      { by: ADMIN, day: 11, base: 5, comment: 'Blocks two enterprise deals today.' },
    ],
  },
  {
    title: 'Self-serve refunds in the customer portal',
    description: 'Let customers refund unused orders themselves within policy, instead of opening a ticket.',
    by: 'hannah.brooks@example.com',
    day: 2,
    evaluations: [
      { by: 'priya.raman@example.com', day: 4, base: 4, comment: 'Support has asked for this for a year.' },
      { by: 'tom.whitaker@example.com', day: 5, base: 4 },
      { by: ADMIN, day: 8, base: 5, comment: 'Directly cuts support cost.' },
    ],
  },
  {
    title: 'Offline mode for field technicians',
    description: 'Cache work orders on the device and sync when the connection returns.',
    by: 'kenji.watanabe@example.com',
    day: 1,
    evaluations: [
      { by: 'mei.tan@example.com', day: 3, base: 4, comment: 'Top complaint in the last customer survey.' },
      { by: HEAD_OF_ENGINEERING, day: 6, base: 4 },
    ],
  },
  {
    title: 'AI-assisted support ticket triage',
    description: 'Suggest a category and an owner for incoming tickets, with the agent confirming.',
    by: 'diego.santos@example.com',
    pod: 'atlas',
    day: 9,
    evaluations: [
      { by: 'marcus.bell@example.com', day: 11, base: 4 },
      {
        by: 'sofia.alvarez@example.com',
        day: 15,
        base: 3,
        comment: 'Promising, but we need labelled data first.',
      },
    ],
  },
  {
    title: 'Dark mode for the dashboard',
    description: 'A dark theme for operators who watch the dashboard all night.',
    by: 'lucas.meyer@example.com',
    pod: 'compass',
    day: 20,
    evaluations: [{ by: 'tom.whitaker@example.com', day: 22, base: 3 }],
  },
  {
    title: 'Quarterly internal hackathon',
    description: 'Two days each quarter where pods work on anything they like, demoed on the Friday.',
    by: 'aisha.khan@example.com',
    day: 37,
    evaluations: [],
  },
  {
    title: 'Replace Jenkins with GitHub Actions',
    description: 'Move CI off the self-hosted Jenkins so pods stop waiting for build agents.',
    by: 'lucas.meyer@example.com',
    day: 13,
    evaluations: [
      { by: 'sofia.alvarez@example.com', day: 16, base: 3 },
      { by: HEAD_OF_ENGINEERING, day: 18, base: 2, comment: 'Worth it, but not this quarter.' },
    ],
  },
  {
    title: 'Loyalty points on a blockchain',
    description: 'Issue loyalty points as tokens that customers can trade.',
    by: 'diego.santos@example.com',
    day: 5,
    evaluations: [
      { by: 'marcus.bell@example.com', day: 7, base: 1 },
      { by: ADMIN, day: 10, base: 1, comment: 'No customer has asked for this.' },
    ],
    archive: { by: ADMIN, day: 11, reason: 'Low impact and low confidence; no customer demand.' },
  },
  {
    title: 'Build an in-house feature-flag service',
    description: 'Replace the config-file flags with our own flag service and UI.',
    by: 'tom.whitaker@example.com',
    day: 6,
    evaluations: [
      { by: 'priya.raman@example.com', day: 8, base: 3 },
      { by: HEAD_OF_ENGINEERING, day: 12, base: 2 },
    ],
    archive: {
      by: HEAD_OF_ENGINEERING,
      day: 19,
      reason: 'Superseded: we adopted an off-the-shelf feature-flag service instead.',
    },
  },
];
