/** Test data for the pod views: a pod, its status, today's rhythm, a weekly demo. */
import type { HealthSnapshot, Pod, PodMember, PodStatus, WeeklyDemoDetail } from '../src/lib/pods.ts';
import type { Commitment, RhythmToday } from '../src/lib/rhythm.ts';

export const POD = '00000000-0000-4000-8000-0000000000aa';
export const ADA = '00000000-0000-4000-8000-000000000001';
export const BOB = '00000000-0000-4000-8000-000000000002';
export const P1 = '00000000-0000-4000-8000-0000000000b1';

export function commitment(over: Partial<Commitment> = {}): Commitment {
  return {
    id: '00000000-0000-4000-8000-0000000000c1',
    podId: POD,
    userId: ADA,
    day: '2026-03-10',
    text: 'ship the importer',
    status: 'open',
    createdAt: '2026-03-10T08:00:00.000Z',
    updatedAt: '2026-03-10T08:00:00.000Z',
    userEmail: 'ada@example.com',
    userName: 'Ada',
    ...over,
  };
}

export const digest = <C>(phase: 'unblock' | 'commit' | 'recap', content: C) => ({
  id: `00000000-0000-4000-8000-00000000d00${phase.length}`,
  podId: POD,
  day: '2026-03-10',
  phase,
  content,
  runId: null,
  createdAt: '2026-03-10T08:30:00.000Z',
});

export function today(
  over: Partial<RhythmToday['digests']> = {},
  commitments: Commitment[] = [],
): RhythmToday {
  return {
    pod: 'core',
    timezone: 'Europe/Berlin',
    day: '2026-03-10',
    digests: { unblock: null, commit: null, recap: null, ...over },
    commitments,
  };
}

export const unblockDigest = digest('unblock', {
  phase: 'unblock' as const,
  day: '2026-03-10',
  blockedProjects: [
    { projectId: P1, name: 'Importer', stage: 'build', reason: 'waiting on legal', since: null },
  ],
  gatesAwaitingApproval: [
    {
      projectId: P1,
      name: 'Importer',
      stage: 'build',
      nextStage: 'launch',
      received: 1,
      required: 2,
      roles: ['pod-lead'],
      rejectedBy: [],
    },
  ],
  staleLocks: [],
  membersWithoutCommitment: [{ userId: BOB, email: 'bob@example.com', name: 'Bob' }],
  counts: { blockedProjects: 1, gatesAwaitingApproval: 1, staleLocks: 0, membersWithoutCommitment: 1 },
}) as NonNullable<RhythmToday['digests']['unblock']>;

export const pod: Pod = {
  id: POD,
  slug: 'core',
  name: 'Core platform',
  timezone: 'Europe/Berlin',
  createdAt: '2026-01-01T00:00:00.000Z',
};

export function member(over: Partial<PodMember> = {}): PodMember {
  return {
    podId: POD,
    userId: ADA,
    email: 'ada@example.com',
    name: 'Ada',
    role: 'developer',
    podRole: 'member',
    joinedAt: '2026-01-02T09:00:00.000Z',
    leftAt: null,
    ...over,
  };
}

export function health(
  score: number,
  recordedAt: string,
  over: Partial<HealthSnapshot> = {},
): HealthSnapshot {
  return {
    id: `00000000-0000-4000-8000-${String(score).padStart(12, '0')}`,
    podId: POD,
    metrics: {},
    components: {},
    score,
    source: 'computed',
    recordedBy: null,
    recordedAt,
    changes: [],
    ...over,
  };
}

export function status(over: Partial<PodStatus> = {}): PodStatus {
  return {
    pod,
    members: [member(), member({ userId: BOB, email: 'bob@example.com', name: 'Bob', podRole: 'lead' })],
    wip: [
      { itemType: 'project', used: 2, limit: 3 },
      { itemType: 'task', used: 5, limit: 5 },
    ],
    projectsPerStage: {},
    health: health(72, '2026-03-09T12:00:00.000Z'),
    ...over,
  };
}

export function demo(over: Partial<WeeklyDemoDetail> = {}): WeeklyDemoDetail {
  return {
    id: '00000000-0000-4000-8000-0000000000d1',
    podId: POD,
    week: '2026-W11',
    status: 'collecting',
    cutoffAt: '2026-03-12T12:00:00.000Z',
    agenda: null,
    summary: null,
    createdAt: '2026-03-09T08:00:00.000Z',
    closedAt: null,
    pod: 'core',
    submissions: [],
    ...over,
  };
}

export function submission(
  over: Partial<WeeklyDemoDetail['submissions'][number]> = {},
): WeeklyDemoDetail['submissions'][number] {
  return {
    id: '00000000-0000-4000-8000-0000000000e1',
    demoId: '00000000-0000-4000-8000-0000000000d1',
    userId: ADA,
    title: 'New importer',
    description: null,
    projectId: null,
    url: null,
    position: null,
    createdAt: '2026-03-10T10:00:00.000Z',
    userEmail: 'ada@example.com',
    userName: 'Ada',
    feedback: null,
    ...over,
  };
}
