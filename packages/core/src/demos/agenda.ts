/**
 * The weekly demo's calendar, agenda and feedback summary. Pure: the caller loads submissions and
 * feedback; these order and aggregate them.
 */
import type { WeekdayName, WeeklyDemoPolicy } from '../policy.ts';
import { addDays, isoWeek, zonedTimeToInstant } from '../rhythms/schedule.ts';
import type { DemoAgendaItem, DemoFeedback, DemoSubmissionView, DemoSummary } from './entities.ts';

const MONDAY_FIRST: readonly WeekdayName[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function weekdayIndex(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/**
 * The local date on which the demo running on `date` opened: the latest `opens` weekday on or before
 * it. A demo's phases therefore find their demo even when the cutoff falls in the next ISO week
 * (opening on a Friday, presenting on the Monday after).
 */
export function demoOpenDate(policy: WeeklyDemoPolicy, date: string): string {
  const back = (weekdayIndex(date) - MONDAY_FIRST.indexOf(policy.opens.day) + 7) % 7;
  return addDays(date, -back);
}

/** The demo's key: the ISO week (of the pod's calendar) in which it opened. */
export function demoWeek(policy: WeeklyDemoPolicy, date: string): string {
  return isoWeek(demoOpenDate(policy, date));
}

/** The instant submissions close: the first `cutoff` weekday and time on or after the opening date. */
export function demoCutoffAt(policy: WeeklyDemoPolicy, openDate: string, timeZone: string): Date {
  const ahead = (MONDAY_FIRST.indexOf(policy.cutoff.day) - weekdayIndex(openDate) + 7) % 7;
  return zonedTimeToInstant(addDays(openDate, ahead), policy.cutoff.time, timeZone);
}

/** The agenda: submissions in the order they came (ties by id, so every process agrees), from 1. */
export function buildAgenda(submissions: readonly DemoSubmissionView[]): DemoAgendaItem[] {
  return [...submissions]
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
    .map((s, i) => ({
      position: i + 1,
      submissionId: s.id,
      title: s.title,
      presenter: s.userEmail,
      projectId: s.projectId,
      url: s.url,
    }));
}

const mean = (scores: number[]) =>
  scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100 : null;

/** Per submission (in agenda order): how many scored it, the mean score and the comments. */
export function summariseFeedback(
  agenda: readonly DemoAgendaItem[],
  feedback: readonly DemoFeedback[],
): DemoSummary {
  const submissions = agenda.map((item) => {
    const given = feedback
      .filter((f) => f.submissionId === item.submissionId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
    return {
      submissionId: item.submissionId,
      title: item.title,
      presenter: item.presenter,
      count: given.length,
      meanScore: mean(given.map((f) => f.score)),
      comments: given.flatMap((f) => (f.comment ? [f.comment] : [])),
    };
  });
  const scored = new Set(agenda.map((a) => a.submissionId));
  const all = feedback.filter((f) => scored.has(f.submissionId)).map((f) => f.score);
  return { submissions, feedbackCount: all.length, meanScore: mean(all) };
}
