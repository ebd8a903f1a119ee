/**
 * Today's rhythm on the pod page: the three digests (unblock, commit, recap) as readable sections,
 * and who may act on which commitment.
 */
import type { RouteResponse, Routes } from '@clos/contract';

export type RhythmToday = RouteResponse<Routes['getRhythmToday']>;
export type Commitment = RhythmToday['commitments'][number];
type Digest = NonNullable<RhythmToday['digests']['unblock']>;
type Content<P extends Digest['phase']> = Extract<Digest['content'], { phase: P }>;

export type Phase = 'unblock' | 'commit' | 'recap';
export const PHASES: readonly Phase[] = ['unblock', 'commit', 'recap'];

export const PHASE_TITLE: Record<Phase, string> = {
  unblock: 'Unblock',
  commit: 'Commit',
  recap: 'Recap',
};

export interface DigestLine {
  /** Unique within its group (built from the ids in the digest). */
  key: string;
  text: string;
  /** In-app link to what the line is about (a project), when there is one. */
  href?: string;
}

export interface DigestGroup {
  label: string;
  lines: DigestLine[];
  /** What to say when `lines` is empty. */
  none: string;
}

export interface DigestSection {
  phase: Phase;
  title: string;
  /** False until the phase's workflow has run today: the section then says "not produced yet". */
  produced: boolean;
  createdAt: string | null;
  summary: string;
  groups: DigestGroup[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const project = (id: string) => `/projects/${id}`;

function unblockSection(c: Content<'unblock'>): Pick<DigestSection, 'summary' | 'groups'> {
  return {
    summary: [
      plural(c.counts.blockedProjects, 'blocked project'),
      plural(c.counts.gatesAwaitingApproval, 'gate awaiting approval', 'gates awaiting approval'),
      plural(c.counts.staleLocks, 'stale WIP lock'),
      plural(
        c.counts.membersWithoutCommitment,
        'member without a commitment',
        'members without a commitment',
      ),
    ].join(', '),
    groups: [
      {
        label: 'Blocked projects',
        none: 'None blocked.',
        lines: c.blockedProjects.map((p) => ({
          key: p.projectId,
          text: `${p.name} (${p.stage}): ${p.reason}`,
          href: project(p.projectId),
        })),
      },
      {
        label: 'Gates awaiting approval',
        none: 'No gate is waiting.',
        lines: c.gatesAwaitingApproval.map((g) => ({
          key: g.projectId,
          text: `${g.name}: ${g.stage} → ${g.nextStage}, ${g.received} of ${g.required} approvals${
            g.rejectedBy.length ? `, rejected by ${g.rejectedBy.join(', ')}` : ''
          }`,
          href: project(g.projectId),
        })),
      },
      {
        label: 'Stale WIP locks',
        none: 'No lock held for long.',
        lines: c.staleLocks.map((l) => ({
          key: l.lockId,
          text: `${l.itemType} ${l.itemId} held ${l.heldHours} h${l.holder ? ` by ${l.holder}` : ''}`,
        })),
      },
      {
        label: 'Members without a commitment',
        none: 'Everyone has committed.',
        lines: c.membersWithoutCommitment.map((m) => ({ key: m.userId, text: m.name || m.email })),
      },
    ],
  };
}

function commitSection(c: Content<'commit'>): Pick<DigestSection, 'summary' | 'groups'> {
  return {
    summary: `${plural(c.counts.commitments, 'commitment')} from ${plural(
      c.counts.membersWithCommitment,
      'member',
    )}; ${c.counts.membersWithoutCommitment} without`,
    groups: [
      {
        label: 'Commitments',
        none: 'Nobody has committed yet.',
        lines: c.members.flatMap((m) =>
          m.commitments.map((x) => ({
            key: x.id,
            text: `${m.name || m.email}: ${x.text}${x.status === 'open' ? '' : ` (${x.status})`}`,
          })),
        ),
      },
      {
        label: 'Without a commitment',
        none: 'Everyone has committed.',
        lines: c.withoutCommitment.map((m) => ({ key: m.userId, text: m.name || m.email })),
      },
    ],
  };
}

function recapSection(c: Content<'recap'>): Pick<DigestSection, 'summary' | 'groups'> {
  const k = c.commitments;
  return {
    summary: [
      plural(c.counts.transitions, 'stage transition'),
      plural(c.counts.locksReleased, 'WIP lock released', 'WIP locks released'),
      plural(c.counts.projectsClosed, 'project closed', 'projects closed'),
      `commitments: ${k.done} done, ${k.dropped} dropped, ${k.open} open of ${k.made}`,
    ].join(', '),
    groups: [
      {
        label: 'Stage transitions',
        none: 'No project changed stage.',
        lines: c.transitions.map((t, i) => ({
          // A project may change stage twice in a day.
          key: `${t.projectId}:${t.at}:${i}`,
          text: `${t.name}: ${t.fromStage} → ${t.toStage}`,
          href: project(t.projectId),
        })),
      },
      {
        label: 'Projects closed',
        none: 'None closed.',
        lines: c.projectsClosed.map((p) => ({
          key: p.projectId,
          text: `${p.name}${p.outcome ? ` (${p.outcome})` : ''}`,
          href: project(p.projectId),
        })),
      },
      {
        label: 'WIP locks released',
        none: 'None released.',
        lines: c.locksReleased.map((l) => ({ key: l.lockId, text: `${l.itemType} ${l.itemId}` })),
      },
      {
        label: 'Commitments',
        none: 'No commitments were made.',
        lines: k.items.map((x) => ({ key: x.id, text: `${x.user}: ${x.text} (${x.status})` })),
      },
    ],
  };
}

/**
 * The three sections of today's rhythm, in the day's order. A phase whose digest is not stored yet
 * (its time has not come, or the workflow has not run) is "not produced yet", never an empty digest,
 * so nobody mistakes "nothing is blocked" for "nobody looked".
 */
export function digestSections(today: RhythmToday): DigestSection[] {
  return PHASES.map((phase) => {
    const digest = today.digests[phase];
    const head = { phase, title: PHASE_TITLE[phase] };
    if (!digest)
      return { ...head, produced: false, createdAt: null, summary: 'Not produced yet.', groups: [] };
    const c = digest.content;
    const body =
      c.phase === 'unblock' ? unblockSection(c) : c.phase === 'commit' ? commitSection(c) : recapSection(c);
    return { ...head, produced: true, createdAt: digest.createdAt, ...body };
  });
}

/** What the signed-in user may do with a commitment: only their own, and only while it is open. */
export function commitmentActions(
  commitment: Commitment,
  userId: string | null | undefined,
  canWork: boolean,
): { done: boolean; drop: boolean } {
  const own = canWork && !!userId && commitment.userId === userId && commitment.status === 'open';
  return { done: own, drop: own };
}

/** Commitments grouped by member, members in name order, each member's in the order made. */
export function commitmentsByMember(
  commitments: Commitment[],
): { userId: string; name: string; items: Commitment[] }[] {
  const groups = new Map<string, { userId: string; name: string; items: Commitment[] }>();
  for (const c of [...commitments].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))) {
    const g = groups.get(c.userId) ?? { userId: c.userId, name: c.userName || c.userEmail, items: [] };
    g.items.push(c);
    groups.set(c.userId, g);
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}
