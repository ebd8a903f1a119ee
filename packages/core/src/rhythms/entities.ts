/** The daily rhythm's records: commitments members make and the digests each phase stores. */

export const RHYTHM_PHASES = ['unblock', 'commit', 'recap'] as const;
export type RhythmPhase = (typeof RHYTHM_PHASES)[number];

export const COMMITMENT_STATUSES = ['open', 'done', 'dropped'] as const;
export type CommitmentStatus = (typeof COMMITMENT_STATUSES)[number];

/** What one member commits to for one local day of their pod. */
export interface Commitment {
  id: string;
  podId: string;
  userId: string;
  /** The pod's local date (YYYY-MM-DD) when it was recorded. */
  day: string;
  text: string;
  status: CommitmentStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** A commitment with who made it. */
export interface CommitmentView extends Commitment {
  userEmail: string;
  userName: string;
}

/** A person as digests list them. */
export interface DigestMember {
  userId: string;
  email: string;
  name: string;
}

/**
 * Digests are stored as JSON and read back as JSON, so their instants are ISO strings from the
 * start: what the workflow stores is exactly what the API later returns.
 */
export interface UnblockDigest {
  phase: 'unblock';
  day: string;
  blockedProjects: { projectId: string; name: string; stage: string; reason: string; since: string | null }[];
  /** Evidence is valid and nothing blocks the project: only approvals are missing. */
  gatesAwaitingApproval: {
    projectId: string;
    name: string;
    stage: string;
    nextStage: string;
    received: number;
    required: number;
    roles: string[];
    /** Approvers whose latest decision is a rejection (they must approve to clear it). */
    rejectedBy: string[];
  }[];
  staleLocks: {
    lockId: string;
    itemType: string;
    itemId: string;
    holder: string | null;
    acquiredAt: string;
    heldHours: number;
  }[];
  membersWithoutCommitment: DigestMember[];
  counts: {
    blockedProjects: number;
    gatesAwaitingApproval: number;
    staleLocks: number;
    membersWithoutCommitment: number;
  };
}

export interface CommitDigest {
  phase: 'commit';
  day: string;
  members: (DigestMember & { commitments: { id: string; text: string; status: CommitmentStatus }[] })[];
  withoutCommitment: DigestMember[];
  counts: { commitments: number; membersWithCommitment: number; membersWithoutCommitment: number };
}

export interface RecapDigest {
  phase: 'recap';
  day: string;
  /** The local day as instants: [from, to). */
  from: string;
  to: string;
  transitions: { projectId: string; name: string; fromStage: string; toStage: string; at: string }[];
  locksReleased: { lockId: string; itemType: string; itemId: string; releasedAt: string }[];
  projectsClosed: { projectId: string; name: string; outcome: string | null; at: string }[];
  commitments: {
    made: number;
    done: number;
    dropped: number;
    open: number;
    items: { id: string; user: string; text: string; status: CommitmentStatus }[];
  };
  counts: {
    transitions: number;
    locksReleased: number;
    projectsClosed: number;
    commitmentsMade: number;
    commitmentsDone: number;
  };
}

export type DigestContent = UnblockDigest | CommitDigest | RecapDigest;

/** The stored output of one phase for one pod and local day (one per pod, day and phase). */
export interface RhythmDigest {
  id: string;
  podId: string;
  day: string;
  phase: RhythmPhase;
  content: DigestContent;
  runId: string | null;
  createdAt: Date;
}
