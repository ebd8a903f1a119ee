/** A blocked project cannot advance until someone unblocks it. */
import type { CriterionKind } from './criterion-kind.ts';

export type NotBlockedCriterion = { kind: 'not_blocked'; met: boolean; message: string };

export const notBlockedKind: CriterionKind<NotBlockedCriterion> = {
  kind: 'not_blocked',
  phase: 'gate',
  group: 'project',
  configSchema: {},
  evaluate: ({ project }) => [
    project.blockedReason === null
      ? { kind: 'not_blocked', met: true, message: 'project is not blocked' }
      : { kind: 'not_blocked', met: false, message: `project is blocked: ${project.blockedReason}` },
  ],
  describe: {
    label: 'Not blocked',
    nextStep: (gate) => `unblock it: clos stage unblock --project ${gate.projectId}`,
  },
};
