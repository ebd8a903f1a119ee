/** A closed project has no next gate: judged first, and when unmet it is the only criterion. */
import type { CriterionKind } from './criterion-kind.ts';

export type NotClosedCriterion = { kind: 'not_closed'; met: false; message: string };

export const notClosedKind: CriterionKind<NotClosedCriterion> = {
  kind: 'not_closed',
  phase: 'precondition',
  group: 'project',
  configSchema: {},
  evaluate: ({ project }) =>
    project.closedAt
      ? [
          {
            kind: 'not_closed',
            met: false,
            message: `project is closed (${project.outcome}); it has no next gate`,
          },
        ]
      : [],
  // Nothing reopens a closed project, so there is no next step to suggest.
  describe: { label: 'Project open' },
};
