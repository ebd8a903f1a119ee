/**
 * Projects the demo organisation finished before today's work: shipped ones and cancelled ones, over
 * the three weeks before the rest of the history (negative days) and the six weeks of it, so the
 * trends have throughput, cycle times and a cumulative flow with something at the top of it.
 */
import type { ProjectSeed } from './projects.ts';

/** How the project ended. Shipped ones go through every stage first; cancelled ones stop early. */
export type ClosedProjectSeed = ProjectSeed & {
  end:
    | { outcome: 'shipped'; day: number }
    | {
        outcome: 'cancelled';
        day: number;
        reason: string /** Stages advanced before the cancellation. */;
        reach: number;
      };
};

export const CLOSED_PROJECTS: ClosedProjectSeed[] = [
  {
    name: 'Password reset by SMS',
    key: 'sms-reset',
    pod: 'atlas',
    created: -20,
    moves: [-17, -10],
    problem: 'Users locked out of their email cannot reset their password and call support instead.',
    metrics: ['Lock-out calls down 70%', 'Reset completion above 90%'],
    rollback: 'Hide the SMS option; email resets keep working.',
    end: { outcome: 'shipped', day: -8 },
  },
  {
    name: 'Legacy report builder rewrite',
    key: 'report-builder',
    pod: 'atlas',
    created: -16,
    moves: [-12, -12],
    problem: 'The report builder is slow and hard to change.',
    metrics: ['Report build time under 5 seconds'],
    rollback: 'Keep the legacy builder.',
    end: {
      outcome: 'cancelled',
      day: 4,
      reason: 'Superseded by the data warehouse migration, which replaces the report builder.',
      reach: 1,
    },
  },
  {
    name: 'CSV import for contacts',
    key: 'csv-import',
    pod: 'beacon',
    created: -18,
    moves: [-14, 5],
    problem: 'New customers retype their contact lists because we cannot import a spreadsheet.',
    metrics: ['Imports complete for 95% of files', 'Time to first contact list under 10 minutes'],
    rollback: 'Remove the import button; uploaded files are kept for support to process.',
    end: { outcome: 'shipped', day: 8 },
  },
  {
    name: 'Audit log export',
    key: 'audit-export',
    pod: 'compass',
    created: -8,
    moves: [-4, 14],
    problem: 'Security reviews stall because customers cannot export their audit log.',
    metrics: ['Two security reviews passed with the export', 'Export of a year under a minute'],
    rollback: 'Disable the export endpoint; the in-app log view is unaffected.',
    end: { outcome: 'shipped', day: 17 },
  },
  {
    name: 'Onboarding chatbot',
    key: 'chatbot',
    pod: 'beacon',
    created: 10,
    moves: [10, 10],
    problem: 'New users ask the same setup questions in chat.',
    metrics: ['Setup questions in chat down 30%'],
    rollback: 'Remove the chatbot widget.',
    end: {
      outcome: 'cancelled',
      day: 23,
      reason: 'Customer interviews found no demand for a chatbot.',
      reach: 0,
    },
  },
  {
    name: 'Two-factor authentication',
    key: 'two-factor',
    pod: 'beacon',
    created: 13,
    // Reaches production inside the scorecard's default week: its idea-to-production time.
    fromIdea: 'Two-factor sign-in for admin accounts',
    moves: [16, 36],
    problem: 'Enterprise security questionnaires require two-factor sign-in, which we lack.',
    metrics: ['2FA enabled by 40% of admins within a month', 'Zero account takeovers'],
    rollback: 'Make 2FA optional again per tenant; enrolled devices stay registered.',
    end: { outcome: 'shipped', day: 37 },
  },
];
