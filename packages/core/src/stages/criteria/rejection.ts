/**
 * A rejection by someone whose decision counts holds the gate, whatever the number of approvals, until
 * the same person approves. One unmet criterion per standing rejection; none when there is none.
 */
import { APPROVALS_CONFIG_SCHEMA, approveStep, countableDecisions } from './approvals.ts';
import type { CriterionKind } from './criterion-kind.ts';

export type RejectionCriterion = {
  kind: 'rejection';
  met: false;
  by: string;
  comment: string | null;
  message: string;
};

export const rejectionKind: CriterionKind<RejectionCriterion> = {
  kind: 'rejection',
  phase: 'gate',
  group: 'decision',
  // Whose rejections count is `approvals.roles`.
  configSchema: { approvals: APPROVALS_CONFIG_SCHEMA },
  evaluate: ({ gate, approvals }) =>
    countableDecisions(gate, approvals).rejections.map((r) => ({
      kind: 'rejection',
      met: false,
      by: r.userEmail,
      comment: r.comment,
      message: `rejected by ${r.userEmail}${r.comment ? `: ${r.comment}` : ''}; they must approve to clear it`,
    })),
  describe: { label: 'No standing rejection', nextStep: approveStep },
};
