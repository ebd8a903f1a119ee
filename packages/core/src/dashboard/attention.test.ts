import { describe, expect, it } from 'vitest';
import type { Actor } from '../auth/permissions.ts';
import type { ApprovalRecord, Project } from '../entities.ts';
import type { Policy, StagePolicy } from '../policy.ts';
import { GateValidators } from '../stages/gate.ts';
import { type AttentionFacts, buildFigures, change, mayApprove, rankAttention } from './attention.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-03-04T12:00:00.000Z');
const STAGES: StagePolicy[] = [
  { name: 'inception' },
  {
    name: 'build',
    expectedDays: 5,
    gate: {
      evidence: { type: 'object', required: ['spec'], properties: { spec: { type: 'string' } } },
      approvals: { count: 2, roles: ['pod-lead', 'admin'] },
    },
  },
  {
    name: 'ship',
    gate: { evidence: { type: 'object', required: ['release'] }, approvals: { count: 0, roles: [] } },
  },
];
const POLICY = {
  stages: STAGES,
  wip: { types: [{ name: 'project', defaultLimit: 2 }] },
  ideas: { criteria: [], minEvaluations: 2, promotionThreshold: 3.5 },
  alerts: { gateStuckHours: 48, podHealthBelow: 60 },
} as unknown as Policy;
const validators = new GateValidators(STAGES);

const ALPHA = { id: '00000000-0000-4000-8000-0000000000a1', slug: 'alpha', name: 'Alpha' };
const BETA = { id: '00000000-0000-4000-8000-0000000000b1', slug: 'beta', name: 'Beta' };
const LEAD: Actor = { userId: 'u-lead', tokenId: null, role: 'pod-lead', podIds: [ALPHA.id], label: 'lead' };

function project(over: Partial<Project> & { id: string; name: string }): Project {
  return {
    key: over.id,
    podId: ALPHA.id,
    currentStage: 'inception',
    stageEnteredAt: new Date(NOW.getTime() - DAY),
    blockedReason: null,
    blockedAt: null,
    ideaId: null,
    wipLockId: null,
    closedAt: null,
    outcome: null,
    closeReason: null,
    createdAt: new Date(NOW.getTime() - 30 * DAY),
    updatedAt: NOW,
    ...over,
  };
}

function facts(over: Partial<AttentionFacts> = {}): AttentionFacts {
  return {
    now: NOW,
    pods: [ALPHA, BETA],
    wip: {
      types: ['project'],
      pods: [
        { ...ALPHA, cells: [{ itemType: 'project', used: 2, limit: 2, utilisation: 1 }] },
        { ...BETA, cells: [{ itemType: 'project', used: 3, limit: 2, utilisation: 1.5 }] },
      ],
    },
    queued: new Map([[`${ALPHA.id}\u0000project`, 4]]),
    projects: [],
    evidence: [],
    approvals: [],
    health: {},
    ideas: [],
    alerts: [],
    ...over,
  };
}

describe('rankAttention', () => {
  it('ranks by kind, then by how bad: over a limit before at it, longer waits first', () => {
    const stuckLong = project({
      id: 'p-long',
      name: 'Long',
      stageEnteredAt: new Date(NOW.getTime() - 9 * DAY),
    });
    const stuckShort = project({
      id: 'p-short',
      name: 'Short',
      stageEnteredAt: new Date(NOW.getTime() - 3 * DAY),
    });
    const items = rankAttention(
      POLICY,
      validators,
      LEAD,
      facts({
        projects: [stuckShort, stuckLong],
        health: { [ALPHA.id]: 40, [BETA.id]: 55 },
        ideas: [{ id: 'i1', title: 'Dark mode', score: 4.25, evaluations: 3 }],
        alerts: [
          { id: 'a1', kind: 'deployment.failure_rate', message: 'pod "beta": 3 of 4 failed', openedAt: NOW },
        ],
      }),
    );
    expect(items.map((i) => [i.rank, i.kind, i.subject.id])).toEqual([
      [1, 'alert_critical', 'a1'],
      [2, 'wip_full', BETA.id],
      [3, 'wip_full', ALPHA.id],
      [4, 'gate_stuck', 'p-long'],
      [5, 'gate_stuck', 'p-short'],
      [6, 'health_low', ALPHA.id],
      [7, 'health_low', BETA.id],
      [8, 'idea_ready', 'i1'],
    ]);
    expect(items[1]).toMatchObject({
      title: 'Beta is over its project WIP limit',
      why: '3 of 2 project slots used, nobody waiting',
      link: '/wip?pod=beta&type=project',
    });
    expect(items[2]!.why).toBe('2 of 2 project slots used, 4 waiting in line');
    expect(items[3]).toMatchObject({
      title: 'Long (Alpha) is stuck in inception',
      why: '9 days in inception, 3 criteria unmet',
      link: '/projects/p-long',
    });
    expect(items[5]!.why).toBe('health 40 of 100, below 60');
    expect(items[7]).toMatchObject({
      link: '/ideas/i1',
      why: 'scored 4.3 of 5 (threshold 3.5) from 3 evaluations',
    });
  });

  it('judges a stage against its expectedDays when set, else gateStuckHours', () => {
    const inBuild = (d: number) =>
      project({
        id: `b${d}`,
        name: `B${d}`,
        currentStage: 'build',
        stageEnteredAt: new Date(NOW.getTime() - d * DAY),
      });
    const items = rankAttention(
      POLICY,
      validators,
      LEAD,
      facts({ wip: { types: [], pods: [] }, projects: [inBuild(4), inBuild(6)] }),
    );
    expect(items.map((i) => i.subject.id)).toEqual(['b6']);
    expect(items[0]!.why).toBe('6 days in build, 2 criteria unmet, expected 5 days');
  });

  it('lists a gate waiting for approval only to someone who may give it, and not once they did', () => {
    const waiting = project({ id: 'p-wait', name: 'Wait', podId: ALPHA.id });
    const evidence = [
      {
        id: 'e1',
        projectId: 'p-wait',
        stage: 'build',
        data: { spec: 'x' },
        submittedBy: null,
        source: null,
        createdAt: NOW,
      },
    ];
    const base = facts({ wip: { types: [], pods: [] }, projects: [waiting], evidence });
    const kinds = (actor: Actor, approvals: ApprovalRecord[] = []) =>
      rankAttention(POLICY, validators, actor, { ...base, approvals }).map((i) => i.kind);
    expect(kinds(LEAD)).toEqual(['approval_waiting']);
    expect(rankAttention(POLICY, validators, LEAD, base)[0]).toMatchObject({
      title: 'Wait (Alpha) waits for your approval to enter build',
      why: '0 of 2 approvals, 1 day in inception',
      link: '/projects/p-wait',
    });
    // Another pod's lead, a developer and a viewer may not approve it.
    expect(kinds({ ...LEAD, podIds: [BETA.id] })).toEqual([]);
    expect(kinds({ ...LEAD, role: 'developer' })).toEqual([]);
    expect(kinds({ ...LEAD, role: 'viewer' })).toEqual([]);
    // Having approved (1 of 2), the lead has nothing left to do there; another approver still has.
    const approved: ApprovalRecord = {
      id: 'ap1',
      projectId: 'p-wait',
      stage: 'build',
      userId: 'u-lead',
      userRole: 'pod-lead',
      userEmail: 'lead@example.com',
      decision: 'approve',
      comment: null,
      createdAt: NOW,
    };
    expect(kinds(LEAD, [approved])).toEqual([]);
  });

  it('says nothing about an empty pod, a cell below its limit or a healthy pod', () => {
    const items = rankAttention(
      POLICY,
      validators,
      LEAD,
      facts({
        wip: {
          types: ['project'],
          pods: [{ ...ALPHA, cells: [{ itemType: 'project', used: 0, limit: 0, utilisation: null }] }],
        },
        health: { [ALPHA.id]: 60 },
      }),
    );
    expect(items).toEqual([]);
  });
});

describe('figures', () => {
  it('keeps item types apart and compares each figure with last week', () => {
    const f = buildFigures({
      stages: ['inception', 'build'],
      stayHours: { thisWeek: { inception: 36 }, lastWeek: { inception: 48, build: 12 } },
      throughput: { thisWeek: { advanced: 5, shipped: 1 }, lastWeek: { advanced: 3, shipped: 2 } },
      wip: {
        types: ['idea', 'pull-request'],
        pods: [
          {
            ...ALPHA,
            cells: [
              { itemType: 'idea', used: 1, limit: 10, utilisation: 0.1 },
              { itemType: 'pull-request', used: 3, limit: 4, utilisation: 0.75 },
            ],
          },
          {
            ...BETA,
            cells: [
              { itemType: 'idea', used: 1, limit: 10, utilisation: 0.1 },
              { itemType: 'pull-request', used: 4, limit: 4, utilisation: 1 },
            ],
          },
        ],
      },
      wipUsedLastWeek: { 'pull-request': 4 },
    });
    expect(f.cycleTimeDays).toEqual([
      { stage: 'inception', thisWeek: 1.5, lastWeek: 2, delta: -0.5 },
      { stage: 'build', thisWeek: null, lastWeek: 0.5, delta: null },
    ]);
    expect(f.throughput.advanced).toEqual({ thisWeek: 5, lastWeek: 3, delta: 2 });
    expect(f.throughput.shipped.delta).toBe(-1);
    expect(f.wip).toEqual([
      { itemType: 'idea', used: 2, limit: 20, utilisation: { thisWeek: 0.1, lastWeek: 0, delta: 0.1 } },
      {
        itemType: 'pull-request',
        used: 7,
        limit: 8,
        utilisation: { thisWeek: 0.875, lastWeek: 0.5, delta: 0.375 },
      },
    ]);
  });

  it('change is null when either side is unknown', () => {
    expect(change(null, 2).delta).toBeNull();
    expect(change(0.3, 0.1).delta).toBe(0.2);
  });
});

describe('mayApprove', () => {
  it('needs the permission, a listed role and the pod in scope', () => {
    expect(mayApprove({ ...LEAD, role: 'admin', podIds: [] }, ['admin'], BETA.id)).toBe(true);
    expect(mayApprove(LEAD, ['pod-lead'], ALPHA.id)).toBe(true);
    expect(mayApprove(LEAD, ['pod-lead'], BETA.id)).toBe(false);
    expect(mayApprove(LEAD, ['admin'], ALPHA.id)).toBe(false);
    expect(mayApprove({ ...LEAD, userId: null }, ['pod-lead'], ALPHA.id)).toBe(false);
  });
});
