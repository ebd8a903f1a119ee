import { describe, expect, it } from 'vitest';
import type { WeeklyDemoPolicy } from '../policy.ts';
import { buildAgenda, demoCutoffAt, demoOpenDate, demoWeek, summariseFeedback } from './agenda.ts';
import type { DemoFeedback, DemoSubmissionView } from './entities.ts';

const POLICY: WeeklyDemoPolicy = {
  enabled: true,
  opens: { day: 'mon', time: '09:00' },
  cutoff: { day: 'fri', time: '14:00' },
  closes: { day: 'fri', time: '18:00' },
};

function submission(id: string, createdAt: string, email = `${id}@example.com`): DemoSubmissionView {
  return {
    id,
    demoId: 'd',
    userId: `u-${id}`,
    title: `Demo ${id}`,
    description: null,
    projectId: null,
    url: null,
    position: null,
    createdAt: new Date(createdAt),
    userEmail: email,
    userName: id,
  };
}

const feedback = (
  id: string,
  submissionId: string,
  score: number,
  comment: string | null = null,
): DemoFeedback => ({
  id,
  submissionId,
  userId: `u${id}`,
  score,
  comment,
  createdAt: new Date('2026-03-13T15:00:00Z'),
});

describe('weekly demo calendar', () => {
  it('finds the opening day and week of any day of the demo', () => {
    // 2026-03-09 is a Monday; the 13th a Friday, the 15th a Sunday.
    expect(demoOpenDate(POLICY, '2026-03-13')).toBe('2026-03-09');
    expect(demoOpenDate(POLICY, '2026-03-09')).toBe('2026-03-09');
    expect(demoOpenDate(POLICY, '2026-03-15')).toBe('2026-03-09');
    expect(demoWeek(POLICY, '2026-03-13')).toBe('2026-W11');
    // Opening on Friday, presenting the Monday after: the Monday still belongs to the Friday's demo.
    const crossing = {
      ...POLICY,
      opens: { day: 'fri' as const, time: '09:00' },
      cutoff: { day: 'mon' as const, time: '10:00' },
    };
    expect(demoWeek(crossing, '2026-03-16')).toBe('2026-W11');
    expect(demoCutoffAt(crossing, '2026-03-13', 'UTC').toISOString()).toBe('2026-03-16T10:00:00.000Z');
  });

  it('puts the cutoff at its local time in the pod’s zone, daylight saving included', () => {
    // New York moved to EDT on Sunday 2026-03-08: the Friday after is UTC-4.
    expect(demoCutoffAt(POLICY, '2026-03-09', 'America/New_York').toISOString()).toBe(
      '2026-03-13T18:00:00.000Z',
    );
    expect(demoCutoffAt(POLICY, '2026-03-02', 'America/New_York').toISOString()).toBe(
      '2026-03-06T19:00:00.000Z',
    );
  });
});

describe('agenda and feedback', () => {
  it('orders the agenda by submission time, ties by id', () => {
    const agenda = buildAgenda([
      submission('b', '2026-03-10T10:00:00Z'),
      submission('c', '2026-03-09T10:00:00Z'),
      submission('a', '2026-03-10T10:00:00Z'),
    ]);
    expect(agenda.map((i) => [i.position, i.submissionId])).toEqual([
      [1, 'c'],
      [2, 'a'],
      [3, 'b'],
    ]);
  });

  it('aggregates count, mean score and comments per submission', () => {
    const agenda = buildAgenda([
      submission('a', '2026-03-09T10:00:00Z'),
      submission('b', '2026-03-10T10:00:00Z'),
    ]);
    const summary = summariseFeedback(agenda, [
      feedback('1', 'a', 5, 'great'),
      feedback('2', 'a', 4),
      feedback('3', 'a', 4, 'clear'),
      feedback('4', 'other', 1),
    ]);
    expect(summary.submissions).toEqual([
      {
        submissionId: 'a',
        title: 'Demo a',
        presenter: 'a@example.com',
        count: 3,
        meanScore: 4.33,
        comments: ['great', 'clear'],
      },
      {
        submissionId: 'b',
        title: 'Demo b',
        presenter: 'b@example.com',
        count: 0,
        meanScore: null,
        comments: [],
      },
    ]);
    expect(summary).toMatchObject({ feedbackCount: 3, meanScore: 4.33 });
  });
});
