import { describe, expect, it } from 'vitest';
import type { Role } from '../auth/roles.ts';
import type { ApprovalDecision, ApprovalRecord, Project } from '../entities.ts';
import type { GatePolicy, StagePolicy } from '../policy.ts';
import {
  CRITERION_KINDS,
  CRITERION_REGISTRY,
  countableDecisions,
  evaluateGate,
  type GateCriterion,
  type GateInput,
  GateValidators,
  nextStageOf,
} from './gate.ts';

const BUILD_EVIDENCE = {
  type: 'object',
  required: ['spec', 'owner'],
  properties: {
    spec: { type: 'string', format: 'uri' },
    owner: { type: 'string', format: 'email' },
    summary: { type: 'string', minLength: 10 },
    estimateDays: { type: 'integer' },
    review: {
      type: 'object',
      required: ['by'],
      properties: {
        by: { type: 'string', format: 'email' },
        links: { type: 'array', items: { type: 'string', format: 'uri' } },
      },
    },
  },
  additionalProperties: false,
};

const STAGES: StagePolicy[] = [
  { name: 'idea' },
  {
    name: 'build',
    gate: { evidence: BUILD_EVIDENCE, approvals: { count: 2, roles: ['pod-lead', 'admin'] } },
  },
  { name: 'review', gate: { evidence: {}, approvals: { count: 0, roles: ['admin'] } } },
  {
    name: 'ship',
    gate: {
      evidence: { type: 'object', required: ['release'], properties: { release: { type: 'string' } } },
      approvals: { count: 1, roles: ['admin'] },
    },
  },
];

const BUILD_GATE = STAGES[1]!.gate!;
const validators = new GateValidators(STAGES);

const VALID_BUILD_EVIDENCE = {
  spec: 'https://docs.example.com/specs/42',
  owner: 'ada@example.com',
  summary: 'Rebuild the invoicing pipeline',
  review: { by: 'grace@example.com', links: ['https://example.com/pr/1'] },
};

const T0 = Date.UTC(2025, 0, 1);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

function project(overrides: Partial<Project> = {}): Project {
  return {
    id: 'p-1',
    key: 'invoicing',
    name: 'Invoicing',
    podId: 'pod-1',
    currentStage: 'idea',
    stageEnteredAt: at(0),
    blockedReason: null,
    blockedAt: null,
    ideaId: null,
    wipLockId: null,
    closedAt: null,
    outcome: null,
    closeReason: null,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

let nextId = 0;
function approval(
  userId: string,
  userRole: Role,
  decision: ApprovalDecision,
  minute: number,
  comment: string | null = null,
): ApprovalRecord {
  nextId += 1;
  return {
    id: `a-${nextId}`,
    projectId: 'p-1',
    stage: 'build',
    userId,
    userRole,
    userEmail: `${userId}@example.com`,
    decision,
    comment,
    createdAt: at(minute),
  };
}

const evaluate = (
  input: Partial<{ project: Project; evidence: Record<string, unknown> | null; approvals: ApprovalRecord[] }>,
) =>
  evaluateGate({
    project: input.project ?? project(),
    stages: STAGES,
    validators,
    evidence: input.evidence === undefined ? VALID_BUILD_EVIDENCE : input.evidence,
    approvals: input.approvals ?? [],
  });

const TWO_LEADS = [approval('lead1', 'pod-lead', 'approve', 1), approval('lead2', 'pod-lead', 'approve', 2)];

describe('GateValidators.validate', () => {
  it('accepts valid evidence', () => {
    expect(validators.validate('build', VALID_BUILD_EVIDENCE)).toEqual([]);
  });

  it('names each missing required field', () => {
    expect(validators.validate('build', { summary: 'Long enough summary' })).toEqual([
      { path: 'spec', message: 'evidence field "spec" is required' },
      { path: 'owner', message: 'evidence field "owner" is required' },
    ]);
  });

  it('reports a uri format violation', () => {
    expect(validators.validate('build', { ...VALID_BUILD_EVIDENCE, spec: 'not a uri' })).toEqual([
      { path: 'spec', message: 'evidence field "spec" must match format "uri"' },
    ]);
  });

  it('reports an email format violation', () => {
    expect(validators.validate('build', { ...VALID_BUILD_EVIDENCE, owner: 'ada-at-example' })).toEqual([
      { path: 'owner', message: 'evidence field "owner" must match format "email"' },
    ]);
  });

  it('reports a minLength violation', () => {
    const problems = validators.validate('build', { ...VALID_BUILD_EVIDENCE, summary: 'short' });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('summary');
    expect(problems[0]!.message).toMatch(/^evidence field "summary" must NOT have fewer than 10 characters$/);
  });

  it('reports type errors', () => {
    expect(validators.validate('build', { ...VALID_BUILD_EVIDENCE, estimateDays: 'three' })).toEqual([
      { path: 'estimateDays', message: 'evidence field "estimateDays" must be integer' },
    ]);
    expect(validators.validate('build', { ...VALID_BUILD_EVIDENCE, owner: 42 })).toEqual([
      { path: 'owner', message: 'evidence field "owner" must be string' },
    ]);
  });

  it('reports a wrong root type at "(root)"', () => {
    expect(validators.validate('build', 'a string')).toEqual([
      { path: '(root)', message: 'evidence field "(root)" must be object' },
    ]);
  });

  it('uses dotted paths for nested fields and array items', () => {
    const evidence = {
      ...VALID_BUILD_EVIDENCE,
      review: { links: ['https://example.com/ok', 'not a link'] },
    };
    expect(validators.validate('build', evidence)).toEqual([
      { path: 'review.by', message: 'evidence field "review.by" is required' },
      { path: 'review.links.1', message: 'evidence field "review.links.1" must match format "uri"' },
    ]);
  });

  it('names fields that are not allowed', () => {
    expect(validators.validate('build', { ...VALID_BUILD_EVIDENCE, extra: true })).toEqual([
      { path: 'extra', message: 'evidence field "extra" is not allowed' },
    ]);
  });

  it('reports every problem at once', () => {
    const problems = validators.validate('build', { spec: 'nope', summary: 'tiny', estimateDays: 1.5 });
    expect(problems.map((p) => p.path).sort()).toEqual(['estimateDays', 'owner', 'spec', 'summary']);
  });

  it('accepts anything for an ungated or unknown stage', () => {
    expect(validators.validate('idea', 'whatever')).toEqual([]);
    expect(validators.validate('no-such-stage', { anything: 1 })).toEqual([]);
  });

  it('keeps stages separate', () => {
    expect(validators.validate('ship', VALID_BUILD_EVIDENCE)).toEqual([
      { path: 'release', message: 'evidence field "release" is required' },
    ]);
    expect(validators.validate('review', {})).toEqual([]);
  });
});

describe('nextStageOf', () => {
  it('returns the following stage', () => {
    expect(nextStageOf(STAGES, 'idea')?.name).toBe('build');
    expect(nextStageOf(STAGES, 'review')?.name).toBe('ship');
  });

  it('returns null for the last stage and for unknown stages', () => {
    expect(nextStageOf(STAGES, 'ship')).toBeNull();
    expect(nextStageOf(STAGES, 'nowhere')).toBeNull();
    expect(nextStageOf([], 'idea')).toBeNull();
  });
});

describe('countableDecisions', () => {
  const ids = (records: ApprovalRecord[]) => records.map((r) => r.userId).sort();

  it('counts only roles listed by the gate', () => {
    const result = countableDecisions(BUILD_GATE, [
      approval('lead', 'pod-lead', 'approve', 1),
      approval('boss', 'admin', 'approve', 2),
      approval('dev', 'developer', 'approve', 3),
      approval('watcher', 'viewer', 'approve', 4),
    ]);
    expect(ids(result.approvals)).toEqual(['boss', 'lead']);
    expect(result.rejections).toEqual([]);
  });

  it('counts a user who approves twice once', () => {
    const result = countableDecisions(BUILD_GATE, [
      approval('lead', 'pod-lead', 'approve', 1),
      approval('lead', 'pod-lead', 'approve', 5),
    ]);
    expect(result.approvals).toHaveLength(1);
    expect(result.approvals[0]!.createdAt).toEqual(at(5));
  });

  it('lets a later reject replace an earlier approve', () => {
    const reject = approval('lead', 'pod-lead', 'reject', 5, 'tests missing');
    const result = countableDecisions(BUILD_GATE, [approval('lead', 'pod-lead', 'approve', 1), reject]);
    expect(result.approvals).toEqual([]);
    expect(result.rejections).toEqual([reject]);
  });

  it('lets a later approve replace an earlier reject', () => {
    const result = countableDecisions(BUILD_GATE, [
      approval('lead', 'pod-lead', 'reject', 1),
      approval('lead', 'pod-lead', 'approve', 5),
    ]);
    expect(ids(result.approvals)).toEqual(['lead']);
    expect(result.rejections).toEqual([]);
  });

  it('orders decisions by time, not by their position in the input', () => {
    const result = countableDecisions(BUILD_GATE, [
      approval('lead', 'pod-lead', 'approve', 10),
      approval('lead', 'pod-lead', 'reject', 1),
    ]);
    expect(ids(result.approvals)).toEqual(['lead']);
    expect(result.rejections).toEqual([]);
  });

  it('ignores rejections from roles the gate does not list', () => {
    const result = countableDecisions(BUILD_GATE, [approval('dev', 'developer', 'reject', 1)]);
    expect(result).toEqual({ approvals: [], rejections: [] });
  });

  it('does not mutate its input', () => {
    const input = [approval('b', 'admin', 'approve', 9), approval('a', 'admin', 'approve', 1)];
    const copy = [...input];
    countableDecisions(BUILD_GATE, input);
    expect(input).toEqual(copy);
  });
});

describe('evaluateGate', () => {
  it('is ready when the project is unblocked, evidence is valid and approvals suffice', () => {
    const result = evaluate({ approvals: TWO_LEADS });
    expect(result).toEqual({
      projectId: 'p-1',
      currentStage: 'idea',
      nextStage: 'build',
      ready: true,
      criteria: [
        { kind: 'not_blocked', met: true, message: 'project is not blocked' },
        { kind: 'evidence', met: true, path: '(root)', message: 'evidence is valid' },
        {
          kind: 'approvals',
          met: true,
          required: 2,
          received: 2,
          roles: ['pod-lead', 'admin'],
          approvers: ['lead1@example.com', 'lead2@example.com'],
          message: 'approved by 2 (2 required)',
        },
      ],
    });
  });

  type Scenario = [string, Parameters<typeof evaluate>[0], GateCriterion['kind']];
  it.each<Scenario>([
    ['blocked', { project: project({ blockedReason: 'waiting on legal', blockedAt: at(3) }) }, 'not_blocked'],
    ['evidence invalid', { evidence: { ...VALID_BUILD_EVIDENCE, owner: 'nope' } }, 'evidence'],
    ['evidence missing', { evidence: null }, 'evidence'],
    ['one approval short', { approvals: TWO_LEADS.slice(0, 1) }, 'approvals'],
    ['a rejection', { approvals: [...TWO_LEADS, approval('boss', 'admin', 'reject', 3, 'no')] }, 'rejection'],
  ])('is not ready when %s', (_label, input, failing) => {
    const result = evaluate({ approvals: TWO_LEADS, ...input });
    expect(result.ready).toBe(false);
    expect(result.nextStage).toBe('build');
    const unmet = [...new Set(result.criteria.filter((c) => !c.met).map((c) => c.kind))];
    expect(unmet).toEqual([failing]);
  });

  it('names the reason a project is blocked', () => {
    const result = evaluate({
      project: project({ blockedReason: 'waiting on legal', blockedAt: at(3) }),
      approvals: TWO_LEADS,
    });
    expect(result.criteria[0]).toEqual({
      kind: 'not_blocked',
      met: false,
      message: 'project is blocked: waiting on legal',
    });
  });

  it('lists each evidence problem as its own criterion', () => {
    const result = evaluate({
      evidence: { spec: 'not a uri', owner: 'ada@example.com', review: {} },
      approvals: TWO_LEADS,
    });
    const evidence = result.criteria.filter((c) => c.kind === 'evidence');
    expect(evidence).toEqual([
      {
        kind: 'evidence',
        met: false,
        path: 'spec',
        message: 'evidence field "spec" must match format "uri"',
      },
      { kind: 'evidence', met: false, path: 'review.by', message: 'evidence field "review.by" is required' },
    ]);
  });

  it('says no evidence was submitted, then lists what is required', () => {
    const result = evaluate({ evidence: null, approvals: TWO_LEADS });
    expect(result.ready).toBe(false);
    expect(result.criteria.filter((c) => c.kind === 'evidence')).toEqual([
      { kind: 'evidence', met: false, path: '(root)', message: 'no evidence submitted for stage "build"' },
      { kind: 'evidence', met: false, path: 'spec', message: 'evidence field "spec" is required' },
      { kind: 'evidence', met: false, path: 'owner', message: 'evidence field "owner" is required' },
    ]);
  });

  it('needs no evidence when the gate requires none', () => {
    const result = evaluate({ project: project({ currentStage: 'build' }), evidence: null });
    expect(result.criteria.filter((c) => c.kind === 'evidence')).toEqual([
      { kind: 'evidence', met: true, path: '(root)', message: 'no evidence is required' },
    ]);
  });

  it('passes a gate that requires zero approvals with none', () => {
    const result = evaluate({ project: project({ currentStage: 'build' }), evidence: null });
    expect(result.nextStage).toBe('review');
    expect(result.ready).toBe(true);
    expect(result.criteria.find((c) => c.kind === 'approvals')).toEqual({
      kind: 'approvals',
      met: true,
      required: 0,
      received: 0,
      roles: ['admin'],
      approvers: [],
      message: 'no approvals required',
    });
  });

  it('says how many more approvals are needed and from whom', () => {
    const none = evaluate({ approvals: [] }).criteria.find((c) => c.kind === 'approvals');
    expect(none).toMatchObject({
      met: false,
      received: 0,
      required: 2,
      message: 'needs 2 more approvals from pod-lead or admin (0 of 2)',
    });
    const one = evaluate({ approvals: TWO_LEADS.slice(0, 1) }).criteria.find((c) => c.kind === 'approvals');
    expect(one).toMatchObject({
      met: false,
      received: 1,
      approvers: ['lead1@example.com'],
      message: 'needs 1 more approval from pod-lead or admin (1 of 2)',
    });
  });

  it('counts a user who approves twice once', () => {
    const result = evaluate({
      approvals: [approval('lead1', 'pod-lead', 'approve', 1), approval('lead1', 'pod-lead', 'approve', 2)],
    });
    expect(result.ready).toBe(false);
    expect(result.criteria.find((c) => c.kind === 'approvals')).toMatchObject({
      received: 1,
      approvers: ['lead1@example.com'],
    });
  });

  it('does not count approvals from roles the gate does not list', () => {
    const result = evaluate({
      approvals: [
        approval('lead1', 'pod-lead', 'approve', 1),
        approval('dev', 'developer', 'approve', 2),
        approval('watcher', 'viewer', 'approve', 3),
      ],
    });
    expect(result.ready).toBe(false);
    expect(result.criteria.find((c) => c.kind === 'approvals')).toMatchObject({
      met: false,
      received: 1,
      approvers: ['lead1@example.com'],
    });
  });

  it('replaces an approval with a later rejection by the same user and blocks the gate', () => {
    const result = evaluate({
      approvals: [
        approval('lead1', 'pod-lead', 'approve', 1),
        approval('lead2', 'pod-lead', 'approve', 2),
        approval('boss', 'admin', 'approve', 3),
        approval('lead1', 'pod-lead', 'reject', 4, 'the spec is stale'),
      ],
    });
    expect(result.ready).toBe(false);
    // Two approvals remain, which is enough on its own…
    expect(result.criteria.find((c) => c.kind === 'approvals')).toMatchObject({
      met: true,
      received: 2,
      approvers: ['lead2@example.com', 'boss@example.com'],
    });
    // …but the rejection stands until its author approves.
    expect(result.criteria.filter((c) => c.kind === 'rejection')).toEqual([
      {
        kind: 'rejection',
        met: false,
        by: 'lead1@example.com',
        comment: 'the spec is stale',
        message: 'rejected by lead1@example.com: the spec is stale; they must approve to clear it',
      },
    ]);
  });

  it('words a rejection without a comment', () => {
    const result = evaluate({ approvals: [approval('boss', 'admin', 'reject', 1)] });
    expect(result.criteria.find((c) => c.kind === 'rejection')).toMatchObject({
      comment: null,
      message: 'rejected by boss@example.com; they must approve to clear it',
    });
  });

  it('clears a rejection when its author later approves', () => {
    const result = evaluate({
      approvals: [
        approval('lead1', 'pod-lead', 'reject', 1, 'not yet'),
        approval('lead2', 'pod-lead', 'approve', 2),
        approval('lead1', 'pod-lead', 'approve', 3),
      ],
    });
    expect(result.criteria.some((c) => c.kind === 'rejection')).toBe(false);
    expect(result.ready).toBe(true);
  });

  it('ignores a rejection from a role the gate does not list', () => {
    const result = evaluate({ approvals: [...TWO_LEADS, approval('dev', 'developer', 'reject', 9)] });
    expect(result.ready).toBe(true);
  });

  it('has no next stage, no criteria and is not ready in the last stage', () => {
    const result = evaluate({ project: project({ currentStage: 'ship' }), approvals: TWO_LEADS });
    expect(result).toEqual({
      projectId: 'p-1',
      currentStage: 'ship',
      nextStage: null,
      ready: false,
      criteria: [],
    });
  });

  it('has no next stage when the current stage is unknown', () => {
    const result = evaluate({ project: project({ currentStage: 'limbo' }) });
    expect(result).toMatchObject({ nextStage: null, ready: false, criteria: [] });
  });

  it('evaluates the gate of the next stage, not of the current one', () => {
    const result = evaluate({
      project: project({ currentStage: 'review' }),
      evidence: { release: 'v1.2.0' },
      approvals: [approval('boss', 'admin', 'approve', 1)],
    });
    expect(result.nextStage).toBe('ship');
    expect(result.ready).toBe(true);
    const pendingLeads = evaluate({
      project: project({ currentStage: 'review' }),
      evidence: { release: 'v1.2.0' },
      approvals: TWO_LEADS,
    });
    expect(pendingLeads.ready).toBe(false);
  });

  it('is ready only when every criterion is met', () => {
    const scenarios = [
      evaluate({ approvals: TWO_LEADS }),
      evaluate({ approvals: [] }),
      evaluate({ evidence: null, approvals: TWO_LEADS }),
      evaluate({ project: project({ blockedReason: 'x' }), approvals: TWO_LEADS }),
      evaluate({ project: project({ currentStage: 'build' }), evidence: null }),
    ];
    for (const result of scenarios) {
      expect(result.criteria.length).toBeGreaterThan(0);
      expect(result.ready).toBe(result.criteria.every((c) => c.met));
    }
    expect(scenarios.map((s) => s.ready)).toEqual([true, false, false, false, true]);
  });
});

describe('GateValidators construction', () => {
  it('compiles only gated stages', () => {
    const gate: GatePolicy = {
      evidence: { type: 'object', required: ['x'] },
      approvals: { count: 1, roles: ['admin'] },
    };
    const v = new GateValidators([{ name: 'a' }, { name: 'b', gate }]);
    expect(v.validate('a', {})).toEqual([]);
    expect(v.validate('b', {})).toEqual([{ path: 'x', message: 'evidence field "x" is required' }]);
  });
});

describe('evaluateGate over the criterion registry', () => {
  const input = (patch: Partial<GateInput>): GateInput => ({
    project: project(),
    stages: STAGES,
    validators,
    evidence: VALID_BUILD_EVIDENCE,
    approvals: TWO_LEADS,
    ...patch,
  });
  /** Between them these make every kind report, met and unmet. */
  const SCENARIOS: GateInput[] = [
    input({ evidence: null, approvals: [] }),
    input({
      project: project({ blockedReason: 'legal', blockedAt: at(1) }),
      evidence: { spec: 'not a uri' },
      approvals: [approval('lead1', 'pod-lead', 'approve', 1), approval('boss', 'admin', 'reject', 2, 'no')],
    }),
    input({}),
    input({ project: project({ currentStage: 'build' }), evidence: null, approvals: [] }),
    input({ project: project({ currentStage: 'ship' }) }),
    input({ project: project({ closedAt: at(5), outcome: 'cancelled' }) }),
    // A gate that asks for the stage's Linear issues, one of them still open.
    input({
      project: project({ currentStage: 'build' }),
      stages: STAGES.map((st) =>
        st.name === 'review' && st.gate
          ? { ...st, gate: { ...st.gate, criteria: [{ kind: 'linear_issues_done' as const }] } }
          : st,
      ),
      linearIssues: [
        {
          linearId: 'i-1',
          projectId: 'p-1',
          stage: 'build',
          templateIndex: 0,
          identifier: 'RAT-1',
          title: 'Write the tests',
          url: null,
          stateType: 'started',
          stateName: 'In Progress',
          removedAt: null,
          createdAt: at(1),
          updatedAt: at(1),
        },
      ],
    }),
  ];

  it('takes from each kind only criteria of that kind, and only unmet ones from a precondition', () => {
    const seen = new Set<string>();
    for (const scenario of SCENARIOS) {
      const next = nextStageOf(scenario.stages, scenario.project.currentStage);
      for (const k of CRITERION_REGISTRY) {
        const results =
          k.phase === 'precondition'
            ? k.evaluate(scenario)
            : next?.gate
              ? k.evaluate({ ...scenario, next, gate: next.gate })
              : [];
        for (const r of results) {
          expect(r.kind).toBe(k.kind);
          if (k.phase === 'precondition') expect(r.met).toBe(false);
          seen.add(`${r.kind}:${r.met}`);
        }
      }
    }
    // Every kind was judged above, unmet at least once.
    expect(CRITERION_KINDS.filter((kind) => !seen.has(`${kind}:false`))).toEqual([]);
  });

  it('lists the criteria in registry order', () => {
    for (const scenario of SCENARIOS) {
      const positions = evaluateGate(scenario).criteria.map((c) => CRITERION_KINDS.indexOf(c.kind));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('reports a closed project by its failed precondition alone, with no next stage', () => {
    expect(evaluateGate(SCENARIOS[5]!)).toEqual({
      projectId: 'p-1',
      currentStage: 'idea',
      nextStage: null,
      ready: false,
      criteria: [
        { kind: 'not_closed', met: false, message: 'project is closed (cancelled); it has no next gate' },
      ],
    });
  });
});
