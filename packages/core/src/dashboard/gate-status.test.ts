import { describe, expect, it } from 'vitest';
import type { ApprovalRecord, Project } from '../entities.ts';
import type { StagePolicy } from '../policy.ts';
import { GateValidators } from '../stages/gate.ts';
import { buildGateStatuses, gateStatusOf, nextStages } from './gate-status.ts';

const STAGES: StagePolicy[] = [
  { name: 'idea' },
  {
    name: 'build',
    gate: {
      evidence: {
        type: 'object',
        required: ['spec'],
        properties: { spec: { type: 'string', minLength: 3 } },
      },
      approvals: { count: 2, roles: ['pod-lead', 'admin'] },
    },
  },
  { name: 'ship', gate: { evidence: {}, approvals: { count: 0, roles: [] } } },
];
const validators = new GateValidators(STAGES);
const NOW = new Date('2026-03-10T12:00:00.000Z');

function project(extra: Partial<Project> = {}): Project {
  return {
    id: 'p1',
    key: 'p-1',
    name: 'Project 1',
    podId: 'pod',
    currentStage: 'idea',
    stageEnteredAt: new Date('2026-03-01T13:00:00.000Z'),
    blockedReason: null,
    blockedAt: null,
    ideaId: null,
    wipLockId: null,
    closedAt: null,
    outcome: null,
    closeReason: null,
    createdAt: new Date('2026-03-01T13:00:00.000Z'),
    updatedAt: new Date('2026-03-01T13:00:00.000Z'),
    ...extra,
  };
}

let approvalId = 0;
function decision(userId: string, decision: 'approve' | 'reject', role: 'admin' | 'developer' = 'admin') {
  approvalId += 1;
  return {
    id: `a${approvalId}`,
    projectId: 'p1',
    stage: 'build',
    userId,
    userRole: role,
    userEmail: `${userId}@example.com`,
    decision,
    comment: null,
    createdAt: new Date(Date.UTC(2026, 2, 2, 0, approvalId)),
  } satisfies ApprovalRecord;
}

const status = (input: {
  project?: Project;
  evidence?: Record<string, unknown> | null;
  approvals?: ApprovalRecord[];
}) =>
  gateStatusOf(
    {
      project: input.project ?? project(),
      evidence: input.evidence ?? null,
      approvals: input.approvals ?? [],
    },
    STAGES,
    validators,
    NOW,
  );

describe('gate status', () => {
  it('counts unmet criteria when the team still owes evidence', () => {
    const s = status({});
    expect(s).toMatchObject({ state: 'unmet', nextStage: 'build', awaitingApprovals: 2 });
    expect(s.unmet).toBeGreaterThanOrEqual(2);
    // 8 days and 23 hours: whole days.
    expect(s.daysInStage).toBe(8);
    expect(status({ evidence: { spec: 'no' } }).state).toBe('unmet');
  });

  it('awaits approvals once only decisions are missing, counting each approver once', () => {
    const evidence = { spec: 'the spec' };
    expect(status({ evidence })).toMatchObject({ state: 'awaiting', unmet: 1, awaitingApprovals: 2 });
    const once = [decision('ada', 'approve'), decision('ada', 'approve')];
    expect(status({ evidence, approvals: once })).toMatchObject({ state: 'awaiting', awaitingApprovals: 1 });
    // A role the gate does not list does not count.
    const dev = [decision('ada', 'approve'), decision('bo', 'approve', 'developer')];
    expect(status({ evidence, approvals: dev })).toMatchObject({ state: 'awaiting', awaitingApprovals: 1 });
    const two = [decision('ada', 'approve'), decision('bo', 'approve')];
    expect(status({ evidence, approvals: two })).toMatchObject({
      state: 'ready',
      unmet: 0,
      awaitingApprovals: 0,
    });
  });

  it('counts a standing rejection as unmet, not as awaiting: nobody is waited for', () => {
    const approvals = [decision('ada', 'approve'), decision('bo', 'approve'), decision('cy', 'reject')];
    expect(status({ evidence: { spec: 'the spec' }, approvals })).toMatchObject({
      state: 'unmet',
      awaitingApprovals: 0,
    });
  });

  it('says blocked before anything else, and last in the last stage', () => {
    const blocked = project({ blockedReason: 'legal', blockedAt: NOW });
    expect(status({ project: blocked, evidence: { spec: 'the spec' } })).toMatchObject({
      state: 'blocked',
      blockedReason: 'legal',
    });
    expect(status({ project: project({ currentStage: 'ship' }) })).toMatchObject({
      state: 'last',
      nextStage: null,
      unmet: 0,
    });
  });

  it('maps each stage to the next, and lists the longest in stage first', () => {
    expect(nextStages(STAGES)).toEqual({ idea: 'build', build: 'ship' });
    const older = project({ id: 'old', stageEnteredAt: new Date('2026-02-01T00:00:00.000Z') });
    const newer = project({ id: 'new', stageEnteredAt: new Date('2026-03-09T00:00:00.000Z') });
    const list = buildGateStatuses(
      [newer, older].map((p) => ({ project: p, evidence: null, approvals: [] })),
      STAGES,
      validators,
      NOW,
    );
    expect(list.map((s) => s.projectId)).toEqual(['old', 'new']);
    expect(list.map((s) => s.daysInStage)).toEqual([37, 1]);
  });
});
