import type { Project, StageTransition, WipLock } from '../entities.ts';
import type { Commitment, CommitmentView, RhythmDigest, RhythmPhase } from '../rhythms/entities.ts';

/** Commitments, stored digests, and the reads the digests are built from. */
export interface RhythmRepository {
  insertCommitment(c: Commitment): Promise<void>;
  /** With `forUpdate`, row-locks it until the transaction ends. */
  commitmentById(id: string, forUpdate?: boolean): Promise<CommitmentView | null>;
  updateCommitment(id: string, patch: Pick<Commitment, 'status' | 'updatedAt'>): Promise<void>;
  /** The pod's commitments for one local day, oldest first. */
  commitments(podId: string, day: string): Promise<CommitmentView[]>;
  /** Stores the digest unless the pod has one for that day and phase; false when it had. */
  insertDigest(d: RhythmDigest): Promise<boolean>;
  digest(podId: string, day: string, phase: RhythmPhase): Promise<RhythmDigest | null>;
  digests(podId: string, day: string): Promise<RhythmDigest[]>;
  /** Projects of the pod that are not closed, oldest first. */
  openProjects(podId: string): Promise<Project[]>;
  /** Open WIP locks of the pod taken before `acquiredBefore`, with their holder's email. */
  staleLocks(podId: string, acquiredBefore: Date): Promise<(WipLock & { holder: string | null })[]>;
  /** Stage transitions (creations excluded) of the pod's projects in [from, to). */
  transitionsBetween(
    podId: string,
    from: Date,
    to: Date,
  ): Promise<(StageTransition & { projectName: string })[]>;
  locksReleasedBetween(podId: string, from: Date, to: Date): Promise<WipLock[]>;
  projectsClosedBetween(podId: string, from: Date, to: Date): Promise<Project[]>;
}
