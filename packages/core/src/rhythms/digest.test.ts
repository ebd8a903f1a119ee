import { describe, expect, it } from 'vitest';
import type { Project, StageTransition, WipLock } from '../entities.ts';
import type { StagePolicy } from '../policy.ts';
import { evaluateGate, GateValidators } from '../stages/gate.ts';
import {
  buildCommitDigest,
  buildRecapDigest,
  buildUnblockDigest,
  digestSummary,
  isAwaitingApproval,
  membersWithoutCommitment,
} from './digest.ts';
import type { CommitmentView } from './entities.ts';
import { localDayBounds } from './service.ts';

const STAGES: StagePolicy[] = [
  { name: 'idea' },
  {
    name: 'build',
    gate: {
      evidence: { type: 'object', required: ['spec'], properties: { spec: { type: 'string' } } },
      approvals: { count: 2, roles: ['pod-lead', 'admin'] },
    },
  },
];
const validators = new GateValidators(STAGES);
const at = (iso: string) => new Date(iso);

function project(id: string, patch: Partial<Project> = {}): Project {
  return {
    id,
    key: `project-${id}`,
    name: `Project ${id}`,
    podId: 'pod',
    currentStage: 'idea',
    stageEnteredAt: at('2026-03-01T00:00:00Z'),
    blockedReason: null,
    blockedAt: null,
    ideaId: null,
    wipLockId: null,
    closedAt: null,
    outcome: null,
    closeReason: null,
    createdAt: at('2026-03-01T00:00:00Z'),
    updatedAt: at('2026-03-01T00:00:00Z'),
    ...patch,
  };
}

const members = [
  { userId: 'u1', email: 'ada@example.com', name: 'Ada' },
  { userId: 'u2', email: 'alan@example.com', name: 'Alan' },
  { userId: 'u3', email: 'grace@example.com', name: 'Grace' },
];

function commitment(id: string, userId: string, status: CommitmentView['status'] = 'open'): CommitmentView {
  const m = members.find((x) => x.userId === userId) ?? { email: `${userId}@example.com`, name: userId };
  return {
    id,
    podId: 'pod',
    userId,
    day: '2026-03-09',
    text: `do ${id}`,
    status,
    createdAt: at('2026-03-09T13:00:00Z'),
    updatedAt: at('2026-03-09T13:00:00Z'),
    userEmail: m.email,
    userName: m.name,
  };
}

function lock(
  id: string,
  acquiredAt: string,
  releasedAt: string | null = null,
): WipLock & { holder: string | null } {
  return {
    id,
    podId: 'pod',
    itemType: 'pull-request',
    itemId: `web#${id}`,
    acquiredBy: 'u1',
    acquiredAt: at(acquiredAt),
    releasedAt: releasedAt ? at(releasedAt) : null,
    releasedBy: null,
    label: null,
    url: null,
    holder: 'ada@example.com',
  };
}

describe('unblock digest', () => {
  const now = at('2026-03-09T13:00:00Z');
  const gate = (p: Project, evidence: Record<string, unknown> | null, approvals = 0) =>
    evaluateGate({
      project: p,
      stages: STAGES,
      validators,
      evidence,
      approvals: Array.from({ length: approvals }, (_, i) => ({
        id: `a${i}`,
        projectId: p.id,
        stage: 'build',
        userId: `lead${i}`,
        userRole: 'pod-lead' as const,
        userEmail: `lead${i}@example.com`,
        decision: 'approve' as const,
        comment: null,
        createdAt: now,
      })),
    });

  it('lists blocked projects, gates waiting only for approvals, stale locks and members without commitment', () => {
    const blocked = project('p1', {
      blockedReason: 'waiting on legal',
      blockedAt: at('2026-03-06T10:00:00Z'),
    });
    const waiting = project('p2');
    const noEvidence = project('p3');
    const approved = project('p4');
    const digest = buildUnblockDigest({
      day: '2026-03-09',
      now,
      staleLockHours: 48,
      members,
      commitments: [commitment('c1', 'u1'), commitment('c2', 'u2', 'dropped')],
      projects: [blocked, waiting, noEvidence, approved],
      gates: [gate(waiting, { spec: 'x' }, 1), gate(noEvidence, null), gate(approved, { spec: 'x' }, 2)],
      locks: [lock('l1', '2026-03-07T12:00:00Z'), lock('l2', '2026-03-07T14:00:00Z')],
    });
    expect(digest.blockedProjects).toEqual([
      {
        projectId: 'p1',
        name: 'Project p1',
        stage: 'idea',
        reason: 'waiting on legal',
        since: '2026-03-06T10:00:00.000Z',
      },
    ]);
    expect(digest.gatesAwaitingApproval).toEqual([
      {
        projectId: 'p2',
        name: 'Project p2',
        stage: 'idea',
        nextStage: 'build',
        received: 1,
        required: 2,
        roles: ['pod-lead', 'admin'],
        rejectedBy: [],
      },
    ]);
    // Held 49 h (> 48) is stale; 47 h is not.
    expect(digest.staleLocks).toEqual([
      {
        lockId: 'l1',
        itemType: 'pull-request',
        itemId: 'web#l1',
        holder: 'ada@example.com',
        acquiredAt: '2026-03-07T12:00:00.000Z',
        heldHours: 49,
      },
    ]);
    // Alan dropped his only commitment: he is not committed to anything.
    expect(digest.membersWithoutCommitment.map((m) => m.email)).toEqual([
      'alan@example.com',
      'grace@example.com',
    ]);
    expect(digest.counts).toEqual({
      blockedProjects: 1,
      gatesAwaitingApproval: 1,
      staleLocks: 1,
      membersWithoutCommitment: 2,
    });
    expect(digestSummary(digest)).toBe(
      '1 blocked project, 1 gate awaiting approval, 1 stale WIP lock, 2 members without a commitment',
    );
  });

  it('a gate is awaiting approval only when evidence is valid and nothing blocks it', () => {
    expect(isAwaitingApproval(gate(project('a'), { spec: 'x' }))).toBe(true);
    expect(isAwaitingApproval(gate(project('b'), { spec: 1 }))).toBe(false);
    expect(isAwaitingApproval(gate(project('c', { blockedReason: 'x' }), { spec: 'x' }))).toBe(false);
    expect(isAwaitingApproval(gate(project('d'), { spec: 'x' }, 2))).toBe(false);
    expect(isAwaitingApproval(gate(project('e', { currentStage: 'build' }), null))).toBe(false);
  });
});

describe('commit digest', () => {
  it('groups the day’s commitments by member and names who has none', () => {
    const digest = buildCommitDigest({
      day: '2026-03-09',
      members,
      commitments: [commitment('c1', 'u1'), commitment('c2', 'u1', 'done'), commitment('c3', 'gone')],
    });
    expect(digest.members.map((m) => [m.email, m.commitments.map((c) => c.id)])).toEqual([
      ['ada@example.com', ['c1', 'c2']],
      ['gone@example.com', ['c3']],
    ]);
    expect(digest.withoutCommitment.map((m) => m.email)).toEqual(['alan@example.com', 'grace@example.com']);
    expect(digest.counts).toEqual({ commitments: 3, membersWithCommitment: 2, membersWithoutCommitment: 2 });
  });

  it('counts every member as without commitment on an empty day', () => {
    expect(membersWithoutCommitment(members, [])).toHaveLength(3);
  });
});

describe('recap digest', () => {
  it('reports only what moved within the local day, and commitments done against made', () => {
    const { from, to } = localDayBounds('2026-03-09', 'America/New_York');
    expect([from.toISOString(), to.toISOString()]).toEqual([
      '2026-03-09T04:00:00.000Z',
      '2026-03-10T04:00:00.000Z',
    ]);
    const transition = (
      id: string,
      createdAt: string,
      fromStage: string | null,
    ): StageTransition & { projectName: string } => ({
      id,
      projectId: 'p1',
      projectName: 'Project p1',
      fromStage,
      toStage: 'build',
      evidence: {},
      approvedBy: [],
      actorId: null,
      createdAt: at(createdAt),
    });
    const digest = buildRecapDigest({
      day: '2026-03-09',
      from,
      to,
      transitions: [
        transition('t1', '2026-03-09T15:00:00Z', 'idea'),
        transition('t2', '2026-03-09T15:00:00Z', null),
        transition('t3', '2026-03-09T03:59:00Z', 'idea'),
      ],
      locksReleased: [
        lock('l1', '2026-03-01T00:00:00Z', '2026-03-09T20:00:00Z'),
        lock('l2', '2026-03-01T00:00:00Z', '2026-03-10T04:00:00Z'),
      ],
      projectsClosed: [project('p9', { closedAt: at('2026-03-10T03:00:00Z'), outcome: 'shipped' })],
      commitments: [
        commitment('c1', 'u1', 'done'),
        commitment('c2', 'u2'),
        commitment('c3', 'u3', 'dropped'),
      ],
    });
    expect(digest.transitions).toEqual([
      {
        projectId: 'p1',
        name: 'Project p1',
        fromStage: 'idea',
        toStage: 'build',
        at: '2026-03-09T15:00:00.000Z',
      },
    ]);
    expect(digest.locksReleased.map((l) => l.lockId)).toEqual(['l1']);
    expect(digest.projectsClosed).toEqual([
      { projectId: 'p9', name: 'Project p9', outcome: 'shipped', at: '2026-03-10T03:00:00.000Z' },
    ]);
    expect(digest.commitments).toMatchObject({ made: 3, done: 1, dropped: 1, open: 1 });
    expect(digest.counts).toEqual({
      transitions: 1,
      locksReleased: 1,
      projectsClosed: 1,
      commitmentsMade: 3,
      commitmentsDone: 1,
    });
  });

  it('a local day lasts 23 hours on the spring-forward day and 25 on the fall-back day', () => {
    const spring = localDayBounds('2026-03-29', 'Europe/Paris');
    expect((spring.to.getTime() - spring.from.getTime()) / 3_600_000).toBe(23);
    const fall = localDayBounds('2026-10-25', 'Europe/Paris');
    expect((fall.to.getTime() - fall.from.getTime()) / 3_600_000).toBe(25);
  });
});
