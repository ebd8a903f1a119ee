/**
 * Every Linear issue of the stage being left is done or cancelled (docs/linear.md#the-gate-criterion).
 * Opt-in per gate with `criteria: [{ kind: linear_issues_done }]`; the issues are those the Linear
 * integration created from the stage's template or saw added by hand to the project's Linear project,
 * as CLOS last saw them (webhooks and reconciliation keep them current).
 */
import type { JsonSchema } from '../../policy.ts';
import { isLinearDone } from '../../ports/linear.ts';
import type { CriterionKind } from './criterion-kind.ts';

/** An issue still open, as the criterion lists it. */
export interface OpenLinearIssue {
  identifier: string;
  title: string;
  url: string | null;
  state: string;
}

export type LinearIssuesDoneCriterion = {
  kind: 'linear_issues_done';
  met: boolean;
  message: string;
  /** The stage's issues not yet done or cancelled (empty when met). */
  issues: OpenLinearIssue[];
};

/**
 * `stages[].gate.criteria`: criteria a gate opts into beyond evidence and approvals. Each entry names a
 * kind; `linear_issues_done` is the one there is.
 */
export const GATE_CRITERIA_CONFIG_SCHEMA: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { kind: { type: 'string', enum: ['linear_issues_done'] } },
    required: ['kind'],
    additionalProperties: false,
  },
  description: 'Further criteria the gate requires, by kind (`linear_issues_done`).',
};

const MAX_LISTED = 10;

export const linearIssuesDoneKind: CriterionKind<LinearIssuesDoneCriterion> = {
  kind: 'linear_issues_done',
  phase: 'gate',
  group: 'requirement',
  configSchema: { criteria: GATE_CRITERIA_CONFIG_SCHEMA },
  evaluate({ gate, project, linearIssues }) {
    if (!gate.criteria?.some((c) => c.kind === 'linear_issues_done')) return [];
    const stage = project.currentStage;
    const counted = (linearIssues ?? []).filter((i) => i.stage === stage && i.removedAt === null);
    if (counted.length === 0)
      return [
        {
          kind: 'linear_issues_done',
          met: true,
          message: `no Linear issues are linked to stage "${stage}"`,
          issues: [],
        },
      ];
    const open = counted.filter((i) => !isLinearDone(i.stateType));
    if (open.length === 0)
      return [
        {
          kind: 'linear_issues_done',
          met: true,
          message: `all ${counted.length} Linear issue${counted.length === 1 ? '' : 's'} of stage "${stage}" are done`,
          issues: [],
        },
      ];
    const listed = open
      .slice(0, MAX_LISTED)
      .map((i) => `${i.identifier} ${i.title}${i.url ? ` (${i.url})` : ''}`)
      .join('; ');
    const more = open.length > MAX_LISTED ? `; and ${open.length - MAX_LISTED} more` : '';
    return [
      {
        kind: 'linear_issues_done',
        met: false,
        message: `${open.length} of ${counted.length} Linear issue${counted.length === 1 ? '' : 's'} of stage "${stage}" still open: ${listed}${more}`,
        issues: open.map((i) => ({
          identifier: i.identifier,
          title: i.title,
          url: i.url,
          state: i.stateName,
        })),
      },
    ];
  },
  describe: {
    label: 'Linear issues done',
    nextStep: () => 'finish or cancel the open Linear issues listed under the gate',
  },
};
