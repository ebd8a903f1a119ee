import { describe, expect, it } from 'vitest';
import {
  commitmentActions,
  commitmentsByMember,
  digestSections,
  type RhythmToday,
} from '../src/lib/rhythm.ts';
import { ADA, BOB, commitment, digest, P1, today, unblockDigest } from './pod-fixtures.ts';

describe('digestSections', () => {
  it('says "not produced yet" for every phase whose digest is not stored, in the day’s order', () => {
    const sections = digestSections(today());
    expect(sections.map((s) => s.title)).toEqual(['Unblock', 'Commit', 'Recap']);
    expect(
      sections.every((s) => !s.produced && s.summary === 'Not produced yet.' && s.groups.length === 0),
    ).toBe(true);
  });

  it('turns the unblock digest into counts and lines linking to the projects', () => {
    const [unblock, commit] = digestSections(today({ unblock: unblockDigest }));
    expect(unblock?.produced).toBe(true);
    expect(unblock?.summary).toBe(
      '1 blocked project, 1 gate awaiting approval, 0 stale WIP locks, 1 member without a commitment',
    );
    const blocked = unblock?.groups.find((g) => g.label === 'Blocked projects');
    expect(blocked?.lines).toEqual([
      { key: P1, text: 'Importer (build): waiting on legal', href: `/projects/${P1}` },
    ]);
    const gates = unblock?.groups.find((g) => g.label === 'Gates awaiting approval');
    expect(gates?.lines[0]?.text).toBe('Importer: build → launch, 1 of 2 approvals');
    const stale = unblock?.groups.find((g) => g.label === 'Stale WIP locks');
    expect(stale?.lines).toEqual([]);
    expect(stale?.none).toBe('No lock held for long.');
    expect(commit?.produced).toBe(false);
  });

  it('summarises the commit and recap digests', () => {
    const commitDigest = digest('commit', {
      phase: 'commit' as const,
      day: '2026-03-10',
      members: [
        {
          userId: ADA,
          email: 'ada@example.com',
          name: 'Ada',
          commitments: [
            { id: '00000000-0000-4000-8000-0000000000c1', text: 'ship it', status: 'done' as const },
          ],
        },
      ],
      withoutCommitment: [{ userId: BOB, email: 'bob@example.com', name: '' }],
      counts: { commitments: 1, membersWithCommitment: 1, membersWithoutCommitment: 1 },
    }) as NonNullable<RhythmToday['digests']['commit']>;
    const recapDigest = digest('recap', {
      phase: 'recap' as const,
      day: '2026-03-10',
      from: '2026-03-09T16:00:00.000Z',
      to: '2026-03-10T16:00:00.000Z',
      transitions: [
        {
          projectId: P1,
          name: 'Importer',
          fromStage: 'build',
          toStage: 'launch',
          at: '2026-03-10T12:00:00.000Z',
        },
      ],
      locksReleased: [],
      projectsClosed: [],
      commitments: {
        made: 2,
        done: 1,
        dropped: 0,
        open: 1,
        items: [
          {
            id: '00000000-0000-4000-8000-0000000000c1',
            user: 'Ada',
            text: 'ship it',
            status: 'done' as const,
          },
        ],
      },
      counts: { transitions: 1, locksReleased: 0, projectsClosed: 0, commitmentsMade: 2, commitmentsDone: 1 },
    }) as NonNullable<RhythmToday['digests']['recap']>;
    const [, commit, recap] = digestSections(today({ commit: commitDigest, recap: recapDigest }));
    expect(commit?.summary).toBe('1 commitment from 1 member; 1 without');
    expect(commit?.groups[0]?.lines.map((l) => l.text)).toEqual(['Ada: ship it (done)']);
    // A member without a name is named by email.
    expect(commit?.groups[1]?.lines).toEqual([{ key: BOB, text: 'bob@example.com' }]);
    expect(recap?.summary).toContain('1 stage transition');
    expect(recap?.summary).toContain('commitments: 1 done, 0 dropped, 1 open of 2');
    expect(recap?.groups[0]?.lines.map((l) => [l.text, l.href])).toEqual([
      ['Importer: build → launch', `/projects/${P1}`],
    ]);
  });
});

describe('commitmentActions', () => {
  it('offers Done and Drop only on one’s own open commitments, with projects:work', () => {
    expect(commitmentActions(commitment(), ADA, true)).toEqual({ done: true, drop: true });
    expect(commitmentActions(commitment(), BOB, true)).toEqual({ done: false, drop: false });
    expect(commitmentActions(commitment(), ADA, false)).toEqual({ done: false, drop: false });
    expect(commitmentActions(commitment({ status: 'done' }), ADA, true)).toEqual({
      done: false,
      drop: false,
    });
    expect(commitmentActions(commitment(), null, true)).toEqual({ done: false, drop: false });
  });
});

describe('commitmentsByMember', () => {
  it('groups by member in name order, each member’s in the order made', () => {
    const groups = commitmentsByMember([
      commitment({ id: 'c2', text: 'second', createdAt: '2026-03-10T09:00:00.000Z' }),
      commitment({ id: 'c3', userId: BOB, userName: 'Bob', text: 'bobs' }),
      commitment({ id: 'c1', text: 'first' }),
    ]);
    expect(groups.map((g) => [g.name, g.items.map((i) => i.text)])).toEqual([
      ['Ada', ['first', 'second']],
      ['Bob', ['bobs']],
    ]);
  });
});
