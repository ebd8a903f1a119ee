import { describe, expect, it } from 'vitest';
import type { RotationPolicy } from '../policy.ts';
import { nextRotationAt, proposeRotation, type RotationMember, type RotationPod } from './rotation.ts';

const POLICY: RotationPolicy = {
  enabled: true,
  dayOfMonth: 1,
  time: '10:00',
  timezone: 'UTC',
  exchanges: [['ratio', 'atlas']],
  minPodSize: 2,
  exempt: [],
  movesPerPod: 1,
};

const policy = (overrides: Partial<RotationPolicy>): RotationPolicy => ({ ...POLICY, ...overrides });

/** A member who joined on `day` of January 2026 (earlier = longer tenure). */
const member = (email: string, day: number, podRole: 'lead' | 'member' = 'member'): RotationMember => ({
  userId: `u-${email}`,
  email,
  podRole,
  joinedAt: new Date(Date.UTC(2026, 0, day)),
});

const pod = (slug: string, ...members: RotationMember[]): RotationPod => ({ slug, members });

const summary = (moves: ReturnType<typeof proposeRotation>) =>
  moves.map((m) => `${m.email}:${m.from}>${m.to}`);

describe('proposeRotation', () => {
  it('sends the longest-tenured member each way in a pair', () => {
    const moves = proposeRotation(POLICY, [
      pod('ratio', member('a@x.io', 5), member('b@x.io', 1), member('c@x.io', 9)),
      pod('atlas', member('d@x.io', 3), member('e@x.io', 2)),
    ]);
    expect(summary(moves)).toEqual(['b@x.io:ratio>atlas', 'e@x.io:atlas>ratio']);
    expect(moves[0]).toEqual({ userId: 'u-b@x.io', email: 'b@x.io', from: 'ratio', to: 'atlas' });
  });

  it('passes members around a ring of three: each pod sends to the next, the last to the first', () => {
    const moves = proposeRotation(policy({ exchanges: [['ratio', 'atlas', 'nova']] }), [
      pod('ratio', member('r1@x.io', 1), member('r2@x.io', 2)),
      pod('atlas', member('a1@x.io', 1), member('a2@x.io', 2)),
      pod('nova', member('n1@x.io', 1), member('n2@x.io', 2)),
    ]);
    expect(summary(moves)).toEqual(['r1@x.io:ratio>atlas', 'a1@x.io:atlas>nova', 'n1@x.io:nova>ratio']);
  });

  it('never moves leads or exempt members (exemptions ignore case)', () => {
    const moves = proposeRotation(policy({ exempt: ['old@x.io'], minPodSize: 1 }), [
      pod('ratio', member('lead@x.io', 1, 'lead'), member('OLD@x.io', 2), member('new@x.io', 3)),
      pod('atlas', member('lead2@x.io', 1, 'lead'), member('z@x.io', 4)),
    ]);
    expect(summary(moves)).toEqual(['new@x.io:ratio>atlas', 'z@x.io:atlas>ratio']);
  });

  it('breaks equal tenure by email, whatever the order of the rows', () => {
    const members = [member('zoe@x.io', 1), member('amy@x.io', 1), member('max@x.io', 1)];
    const other = pod('atlas', member('q@x.io', 1), member('p@x.io', 1), member('r@x.io', 1));
    const one = proposeRotation(POLICY, [pod('ratio', ...members), other]);
    const two = proposeRotation(POLICY, [pod('ratio', ...[...members].reverse()), other]);
    expect(summary(one)).toEqual(['amy@x.io:ratio>atlas', 'p@x.io:atlas>ratio']);
    expect(two).toEqual(one);
  });

  it('counts arrivals: a pod at the minimum still sends when it receives one back', () => {
    const moves = proposeRotation(policy({ minPodSize: 2 }), [
      pod('ratio', member('r1@x.io', 1), member('r2@x.io', 2)),
      pod('atlas', member('a1@x.io', 1), member('a2@x.io', 2)),
    ]);
    expect(moves).toHaveLength(2);
  });

  it('never leaves a pod below the minimum; a pod below it only receives', () => {
    const moves = proposeRotation(policy({ minPodSize: 3 }), [
      pod('ratio', member('r1@x.io', 1), member('r2@x.io', 2)),
      pod('atlas', member('a1@x.io', 1), member('a2@x.io', 2), member('a3@x.io', 3), member('a4@x.io', 4)),
    ]);
    expect(summary(moves)).toEqual(['a1@x.io:atlas>ratio']);
  });

  it('propagates a dropped departure around the ring', () => {
    // nova (2) cannot send without ending below 3, so atlas receives nothing and cannot send either,
    // and so on: nobody can move without someone ending below the minimum.
    const moves = proposeRotation(policy({ minPodSize: 3, exchanges: [['ratio', 'atlas', 'nova']] }), [
      pod('ratio', member('r1@x.io', 1), member('r2@x.io', 2), member('r3@x.io', 3)),
      pod('atlas', member('a1@x.io', 1), member('a2@x.io', 2), member('a3@x.io', 3)),
      pod('nova', member('n1@x.io', 1), member('n2@x.io', 2)),
    ]);
    expect(moves).toEqual([]);
  });

  it('when a sender has nobody to send, its receiver keeps its own member', () => {
    const moves = proposeRotation(policy({ minPodSize: 2 }), [
      pod('ratio', member('lead@x.io', 1, 'lead'), member('r2@x.io', 2)),
      pod('atlas', member('a1@x.io', 1), member('a2@x.io', 2)),
    ]);
    // ratio's only candidate r2 leaves (ratio: 2 − 1 + 1 = 2); atlas sends a1 and ends with 2.
    expect(summary(moves)).toEqual(['r2@x.io:ratio>atlas', 'a1@x.io:atlas>ratio']);
    const none = proposeRotation(policy({ minPodSize: 2, exempt: ['r2@x.io'] }), [
      pod('ratio', member('lead@x.io', 1, 'lead'), member('r2@x.io', 2)),
      pod('atlas', member('a1@x.io', 1), member('a2@x.io', 2)),
    ]);
    // Nobody comes back to atlas, which would end with 1.
    expect(none).toEqual([]);
  });

  it('sends up to movesPerPod, most senior first, and nobody twice', () => {
    const moves = proposeRotation(policy({ movesPerPod: 2, minPodSize: 1 }), [
      pod('ratio', member('r1@x.io', 1), member('r2@x.io', 2), member('r3@x.io', 3)),
      pod('atlas', member('a1@x.io', 1), member('a2@x.io', 2)),
    ]);
    expect(summary(moves)).toEqual([
      'r1@x.io:ratio>atlas',
      'a1@x.io:atlas>ratio',
      'r2@x.io:ratio>atlas',
      'a2@x.io:atlas>ratio',
    ]);
  });

  it('skips pods that are not registered and members already in the receiving pod', () => {
    const shared = member('both@x.io', 1);
    const moves = proposeRotation(
      policy({
        minPodSize: 1,
        exchanges: [
          ['ratio', 'atlas'],
          ['ratio', 'ghost'],
        ],
      }),
      [pod('ratio', shared, member('r2@x.io', 2)), pod('atlas', shared, member('a2@x.io', 2))],
    );
    expect(summary(moves)).toEqual(['r2@x.io:ratio>atlas', 'a2@x.io:atlas>ratio']);
  });
});

describe('nextRotationAt', () => {
  const p = policy({ dayOfMonth: 1, time: '10:00', timezone: 'Europe/Paris' });
  it('is this month when the time is still ahead, next month once it passed', () => {
    expect(nextRotationAt(p, new Date('2026-03-01T08:00:00Z')).toISOString()).toBe(
      '2026-03-01T09:00:00.000Z',
    );
    expect(nextRotationAt(p, new Date('2026-03-01T09:00:00Z')).toISOString()).toBe(
      '2026-04-01T08:00:00.000Z',
    );
    expect(nextRotationAt(p, new Date('2026-12-15T00:00:00Z')).toISOString()).toBe(
      '2027-01-01T09:00:00.000Z',
    );
  });
});
