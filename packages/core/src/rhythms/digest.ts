/**
 * The daily rhythm's three digests, built from plain inputs: the caller loads the pod's projects,
 * gates, locks, members and commitments; these decide what each phase reports. Pure.
 */
import type { PodMember, Project, StageTransition, WipLock } from '../entities.ts';
import { criterionGroup, type GateEvaluation } from '../stages/gate.ts';
import type { CommitDigest, CommitmentView, DigestMember, RecapDigest, UnblockDigest } from './entities.ts';

const HOUR_MS = 3_600_000;

const memberOf = (m: Pick<PodMember, 'userId' | 'email' | 'name'>): DigestMember => ({
  userId: m.userId,
  email: m.email,
  name: m.name,
});

/**
 * Members with no live commitment for the day. A dropped commitment does not count: whoever dropped
 * everything they committed to is not committed to anything.
 */
export function membersWithoutCommitment(
  members: readonly Pick<PodMember, 'userId' | 'email' | 'name'>[],
  commitments: readonly Pick<CommitmentView, 'userId' | 'status'>[],
): DigestMember[] {
  const committed = new Set(commitments.filter((c) => c.status !== 'dropped').map((c) => c.userId));
  return members.filter((m) => !committed.has(m.userId)).map(memberOf);
}

/**
 * A gate waits for approval when everything but people's decisions is met (evidence valid, nothing
 * blocks the project), yet it is not ready: what is left are approvals (too few, or a rejection to clear).
 */
export function isAwaitingApproval(gate: GateEvaluation): boolean {
  if (gate.nextStage === null || gate.ready) return false;
  return gate.criteria.every((c) => c.met || criterionGroup(c.kind) === 'decision');
}

export interface UnblockInput {
  day: string;
  now: Date;
  staleLockHours: number;
  /** Active members of the pod. */
  members: readonly Pick<PodMember, 'userId' | 'email' | 'name'>[];
  /** The day's commitments. */
  commitments: readonly Pick<CommitmentView, 'userId' | 'status'>[];
  /** Open projects of the pod. */
  projects: readonly Project[];
  /** The next gate of (some of) those projects. */
  gates: readonly GateEvaluation[];
  /** Open WIP locks of the pod (only those held too long are reported). */
  locks: readonly (WipLock & { holder: string | null })[];
}

/** Unblock: what stands in the pod's way this morning. */
export function buildUnblockDigest(input: UnblockInput): UnblockDigest {
  const byId = new Map(input.projects.map((p) => [p.id, p]));
  const blockedProjects = input.projects
    .filter((p) => p.blockedReason !== null && p.closedAt === null)
    .map((p) => ({
      projectId: p.id,
      name: p.name,
      stage: p.currentStage,
      reason: p.blockedReason!,
      since: p.blockedAt?.toISOString() ?? null,
    }));
  const gatesAwaitingApproval = input.gates.filter(isAwaitingApproval).map((g) => {
    const approvals = g.criteria.find((c) => c.kind === 'approvals');
    return {
      projectId: g.projectId,
      name: byId.get(g.projectId)?.name ?? g.projectId,
      stage: g.currentStage,
      nextStage: g.nextStage!,
      received: approvals?.received ?? 0,
      required: approvals?.required ?? 0,
      roles: approvals?.roles ?? [],
      rejectedBy: g.criteria.flatMap((c) => (c.kind === 'rejection' ? [c.by] : [])),
    };
  });
  const limitMs = input.staleLockHours * HOUR_MS;
  const staleLocks = input.locks
    .filter((l) => l.releasedAt === null && input.now.getTime() - l.acquiredAt.getTime() > limitMs)
    .sort((a, b) => a.acquiredAt.getTime() - b.acquiredAt.getTime())
    .map((l) => ({
      lockId: l.id,
      itemType: l.itemType,
      itemId: l.itemId,
      holder: l.holder,
      acquiredAt: l.acquiredAt.toISOString(),
      heldHours: Math.floor((input.now.getTime() - l.acquiredAt.getTime()) / HOUR_MS),
    }));
  const without = membersWithoutCommitment(input.members, input.commitments);
  return {
    phase: 'unblock',
    day: input.day,
    blockedProjects,
    gatesAwaitingApproval,
    staleLocks,
    membersWithoutCommitment: without,
    counts: {
      blockedProjects: blockedProjects.length,
      gatesAwaitingApproval: gatesAwaitingApproval.length,
      staleLocks: staleLocks.length,
      membersWithoutCommitment: without.length,
    },
  };
}

export interface CommitInput {
  day: string;
  members: readonly Pick<PodMember, 'userId' | 'email' | 'name'>[];
  commitments: readonly CommitmentView[];
}

/**
 * Commit: the day's commitments per member, and who has none. Someone who committed and has since
 * left the pod is still listed with what they committed to.
 */
export function buildCommitDigest(input: CommitInput): CommitDigest {
  const people = new Map<string, DigestMember>(input.members.map((m) => [m.userId, memberOf(m)]));
  for (const c of input.commitments)
    if (!people.has(c.userId))
      people.set(c.userId, { userId: c.userId, email: c.userEmail, name: c.userName });
  const members = [...people.values()]
    .map((m) => ({
      ...m,
      commitments: input.commitments
        .filter((c) => c.userId === m.userId)
        .map((c) => ({ id: c.id, text: c.text, status: c.status })),
    }))
    .filter((m) => m.commitments.length > 0);
  const without = membersWithoutCommitment(input.members, input.commitments);
  return {
    phase: 'commit',
    day: input.day,
    members,
    withoutCommitment: without,
    counts: {
      commitments: input.commitments.length,
      membersWithCommitment: members.length,
      membersWithoutCommitment: without.length,
    },
  };
}

export interface RecapInput {
  day: string;
  /** The local day as instants: [from, to). */
  from: Date;
  to: Date;
  transitions: readonly (StageTransition & { projectName: string })[];
  locksReleased: readonly WipLock[];
  projectsClosed: readonly Project[];
  commitments: readonly CommitmentView[];
}

const inDay = (at: Date | null, from: Date, to: Date) =>
  at !== null && at.getTime() >= from.getTime() && at.getTime() < to.getTime();

/** Recap: what moved during the pod's local day, and commitments done against those made. */
export function buildRecapDigest(input: RecapInput): RecapDigest {
  const { from, to } = input;
  const transitions = input.transitions
    .filter((t) => t.fromStage !== null && inDay(t.createdAt, from, to))
    .map((t) => ({
      projectId: t.projectId,
      name: t.projectName,
      fromStage: t.fromStage!,
      toStage: t.toStage,
      at: t.createdAt.toISOString(),
    }));
  const locksReleased = input.locksReleased
    .filter((l) => inDay(l.releasedAt, from, to))
    .map((l) => ({
      lockId: l.id,
      itemType: l.itemType,
      itemId: l.itemId,
      releasedAt: l.releasedAt!.toISOString(),
    }));
  const projectsClosed = input.projectsClosed
    .filter((p) => inDay(p.closedAt, from, to))
    .map((p) => ({ projectId: p.id, name: p.name, outcome: p.outcome, at: p.closedAt!.toISOString() }));
  const count = (status: string) => input.commitments.filter((c) => c.status === status).length;
  const commitments = {
    made: input.commitments.length,
    done: count('done'),
    dropped: count('dropped'),
    open: count('open'),
    items: input.commitments.map((c) => ({ id: c.id, user: c.userEmail, text: c.text, status: c.status })),
  };
  return {
    phase: 'recap',
    day: input.day,
    from: from.toISOString(),
    to: to.toISOString(),
    transitions,
    locksReleased,
    projectsClosed,
    commitments,
    counts: {
      transitions: transitions.length,
      locksReleased: locksReleased.length,
      projectsClosed: projectsClosed.length,
      commitmentsMade: commitments.made,
      commitmentsDone: commitments.done,
    },
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line saying what a digest holds, for notifications. */
export function digestSummary(content: UnblockDigest | CommitDigest | RecapDigest): string {
  if (content.phase === 'unblock') {
    const c = content.counts;
    return [
      plural(c.blockedProjects, 'blocked project'),
      plural(c.gatesAwaitingApproval, 'gate awaiting approval', 'gates awaiting approval'),
      plural(c.staleLocks, 'stale WIP lock'),
      plural(c.membersWithoutCommitment, 'member without a commitment', 'members without a commitment'),
    ].join(', ');
  }
  if (content.phase === 'commit') {
    const c = content.counts;
    return `${plural(c.commitments, 'commitment')} from ${plural(c.membersWithCommitment, 'member')}; ${plural(c.membersWithoutCommitment, 'member')} without one`;
  }
  const c = content.counts;
  return [
    plural(c.transitions, 'stage transition'),
    plural(c.locksReleased, 'WIP lock released', 'WIP locks released'),
    plural(c.projectsClosed, 'project closed', 'projects closed'),
    `${c.commitmentsDone} of ${plural(c.commitmentsMade, 'commitment')} done`,
  ].join(', ');
}
