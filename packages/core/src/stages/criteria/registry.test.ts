import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { GatePolicy } from '../../policy.ts';
import type { CriterionView } from './criterion-kind.ts';
import {
  CRITERION_KINDS,
  CRITERION_REGISTRY,
  criterionGroup,
  criterionKind,
  criterionLabel,
  criterionNextSteps,
} from './registry.ts';

const GATES: GatePolicy[] = [
  {
    evidence: { type: 'object', required: ['spec'] },
    approvals: { count: 2, roles: ['pod-lead', 'admin'] },
    criteria: [],
  },
  { evidence: {}, approvals: { count: 0, roles: [] }, criteria: [{ kind: 'linear_issues_done' }] },
];

/** The kinds there were when the registry was made: what they read like must not change. */
const TODAYS_KINDS = ['not_closed', 'not_blocked', 'evidence', 'approvals', 'rejection'] as const;

describe('the criterion registry', () => {
  it('documents every kind in the kinds table of docs/stage-gates.md', async () => {
    // Read through a dynamic import of node:fs so this stays a test-only dependency of a pure package.
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(new URL('../../../../../docs/stage-gates.md', import.meta.url), 'utf8');
    // The table whose header starts "| `kind` | Extra fields |", up to the first line that is not a row.
    const lines = docs.split('\n');
    const header = lines.findIndex((line) => /^\| `kind` +\| Extra fields +\|/.test(line));
    expect(header).toBeGreaterThan(0);
    const end = lines.findIndex((line, i) => i > header && !line.startsWith('|'));
    const rows = new Set(lines.slice(header + 2, end).map((line) => /^\| `([a-z_]+)` +\|/.exec(line)?.[1]));
    expect(CRITERION_KINDS.filter((kind) => !rows.has(kind))).toEqual([]);
  });

  it('names each kind once, and CRITERION_KINDS follows its order', () => {
    expect(new Set(CRITERION_KINDS).size).toBe(CRITERION_REGISTRY.length);
    expect(CRITERION_KINDS).toEqual(CRITERION_REGISTRY.map((k) => k.kind));
    for (const k of CRITERION_REGISTRY) expect(criterionKind(k.kind)).toBe(k);
    expect(criterionKind('ci_green')).toBeUndefined();
  });

  it('groups the project’s own state, what the team supplies and people’s decisions', () => {
    expect(Object.fromEntries(TODAYS_KINDS.map((kind) => [kind, criterionGroup(kind)]))).toEqual({
      not_closed: 'project',
      not_blocked: 'project',
      evidence: 'requirement',
      approvals: 'decision',
      rejection: 'decision',
    });
  });

  it('declares its configuration as JSON Schemas of keys of a stage’s gate, which accept the gates in use', () => {
    const ajv = new Ajv2020({ strict: false });
    for (const k of CRITERION_REGISTRY) {
      for (const [key, schema] of Object.entries(k.configSchema)) {
        const validate = ajv.compile(schema);
        for (const gate of GATES) expect(validate(gate[key as keyof GatePolicy])).toBe(true);
      }
    }
    const approvals = ajv.compile(criterionKind('approvals')!.configSchema.approvals!);
    expect(approvals({ count: -1 })).toBe(false);
    expect(approvals({ count: 1, roles: ['boss'] })).toBe(false);
    expect(approvals({ count: 1, extra: true })).toBe(false);
  });
});

describe('criterionLabel', () => {
  const view = (kind: string, extra: Record<string, unknown> = {}): CriterionView => ({
    kind,
    met: false,
    message: 'm',
    ...extra,
  });

  it('gives every kind its own label', () => {
    const labels = CRITERION_KINDS.map((kind) => criterionLabel(view(kind)));
    expect(new Set(labels).size).toBe(labels.length);
    expect(TODAYS_KINDS.map((kind) => criterionLabel(view(kind)))).toEqual([
      'Project open',
      'Not blocked',
      'Evidence',
      'Approvals',
      'No standing rejection',
    ]);
  });

  it('names the field of an evidence criterion, not the document', () => {
    expect(criterionLabel(view('evidence', { path: 'review.by' }))).toBe('Evidence: review.by');
    expect(criterionLabel(view('evidence', { path: '(root)' }))).toBe('Evidence');
    expect(criterionLabel(view('evidence', { path: 42 }))).toBe('Evidence');
  });

  it('falls back to the kind for one the registry does not know', () => {
    expect(criterionLabel(view('ci_green'))).toBe('ci_green');
  });
});

describe('criterionNextSteps', () => {
  const gate = (criteria: CriterionView[]) => ({ projectId: 'p-1', criteria });
  const approvals = (met: boolean, roles?: unknown) => ({
    kind: 'approvals',
    met,
    message: 'm',
    ...(roles === undefined ? {} : { roles }),
  });
  const APPROVE = 'approve (as pod-lead or admin): clos stage approve --project p-1';

  it('suggests one command per unmet kind, in registry order', () => {
    expect(
      criterionNextSteps(
        gate([
          { kind: 'not_blocked', met: false, message: 'project is blocked: legal' },
          { kind: 'evidence', met: false, path: 'spec', message: 'm' },
          { kind: 'evidence', met: false, path: 'owner', message: 'm' },
          approvals(false, ['pod-lead', 'admin']),
        ]),
      ),
    ).toEqual([
      'unblock it: clos stage unblock --project p-1',
      'submit evidence: clos validate --project p-1 --evidence ./evidence.json --submit',
      APPROVE,
    ]);
  });

  it('clears too few approvals and a rejection with one approval', () => {
    const rejection = { kind: 'rejection', met: false, by: 'a@example.com', message: 'm' };
    expect(criterionNextSteps(gate([approvals(false, ['pod-lead', 'admin']), rejection]))).toEqual([APPROVE]);
    expect(criterionNextSteps(gate([approvals(true, ['pod-lead', 'admin']), rejection]))).toEqual([APPROVE]);
  });

  it('leaves out the roles when none are known', () => {
    expect(criterionNextSteps(gate([approvals(false)]))).toEqual([
      'approve: clos stage approve --project p-1',
    ]);
    expect(criterionNextSteps(gate([approvals(false, 'admin')]))).toEqual([
      'approve: clos stage approve --project p-1',
    ]);
  });

  it('suggests nothing for met criteria, a closed project or a kind it does not know', () => {
    expect(
      criterionNextSteps(
        gate([{ kind: 'not_blocked', met: true, message: 'm' }, approvals(true, ['admin'])]),
      ),
    ).toEqual([]);
    expect(criterionNextSteps(gate([{ kind: 'not_closed', met: false, message: 'm' }]))).toEqual([]);
    expect(criterionNextSteps(gate([{ kind: 'ci_green', met: false, message: 'm' }]))).toEqual([]);
  });
});
