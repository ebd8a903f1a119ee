import { describe, expect, it } from 'vitest';
import type { Project } from '../../entities.ts';
import type { GatePolicy, StagePolicy } from '../../policy.ts';
import type { LinearIssueLink, LinearStateType } from '../../ports/linear.ts';
import { evaluateGate } from '../gate.ts';
import { GateValidators } from '../gate-validators.ts';
import { linearIssuesDoneKind } from './linear-issues-done.ts';

const at = new Date('2026-03-02T09:00:00Z');
const gate = (criteria: GatePolicy['criteria']): GatePolicy => ({
  evidence: {},
  approvals: { count: 0, roles: [] },
  ...(criteria ? { criteria } : {}),
});
const stages = (criteria: GatePolicy['criteria']): StagePolicy[] => [
  { name: 'discovery' },
  { name: 'build', gate: gate(criteria) },
];
const project = {
  id: 'p1',
  currentStage: 'discovery',
  blockedReason: null,
  closedAt: null,
} as unknown as Project;

let n = 0;
const issue = (stateType: LinearStateType, extra: Partial<LinearIssueLink> = {}): LinearIssueLink => {
  n += 1;
  return {
    linearId: `i${n}`,
    projectId: 'p1',
    stage: 'discovery',
    templateIndex: n,
    identifier: `RAT-${n}`,
    title: `Issue ${n}`,
    url: `https://linear.app/x/issue/rat-${n}`,
    stateType,
    stateName: stateType,
    removedAt: null,
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
};

const evaluate = (criteria: GatePolicy['criteria'], linearIssues: LinearIssueLink[]) =>
  evaluateGate({
    project,
    stages: stages(criteria),
    validators: new GateValidators(stages(criteria)),
    evidence: null,
    approvals: [],
    linearIssues,
  });

describe('linear_issues_done', () => {
  it('is not judged on a gate that does not ask for it', () => {
    expect(evaluate(undefined, [issue('started')]).criteria.map((c) => c.kind)).not.toContain(
      'linear_issues_done',
    );
    expect(evaluate(undefined, [issue('started')]).ready).toBe(true);
  });

  it('is met with no linked issues, and says so', () => {
    const [c] = evaluate([{ kind: 'linear_issues_done' }], []).criteria.filter(
      (x) => x.kind === 'linear_issues_done',
    );
    expect(c).toEqual({
      kind: 'linear_issues_done',
      met: true,
      message: 'no Linear issues are linked to stage "discovery"',
      issues: [],
    });
  });

  it('lists the open issues of the stage being left, with identifier, title and link', () => {
    const open = issue('started');
    const result = evaluate(
      [{ kind: 'linear_issues_done' }],
      [
        issue('completed'),
        issue('canceled'),
        open,
        issue('backlog', { removedAt: at }),
        issue('started', { stage: 'build' }),
      ],
    );
    const c = result.criteria.find((x) => x.kind === 'linear_issues_done')!;
    expect(result.ready).toBe(false);
    expect(c.met).toBe(false);
    expect(c.message).toBe(
      `1 of 3 Linear issues of stage "discovery" still open: ${open.identifier} ${open.title} (${open.url})`,
    );
    expect(c).toMatchObject({
      issues: [{ identifier: open.identifier, title: open.title, url: open.url, state: 'started' }],
    });
  });

  it('is met when every counted issue is completed or cancelled', () => {
    const result = evaluate([{ kind: 'linear_issues_done' }], [issue('completed'), issue('canceled')]);
    expect(result.ready).toBe(true);
    expect(result.criteria.find((x) => x.kind === 'linear_issues_done')!.message).toBe(
      'all 2 Linear issues of stage "discovery" are done',
    );
  });

  it('names the step that clears it, and is something the team supplies', () => {
    expect(linearIssuesDoneKind.group).toBe('requirement');
    expect(linearIssuesDoneKind.describe.nextStep?.({ projectId: 'p1', criteria: [] })).toContain('Linear');
  });
});
