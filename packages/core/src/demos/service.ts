import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Pod } from '../entities.ts';
import {
  ConflictError,
  type FieldProblem,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
} from '../errors.ts';
import { record } from '../events/record.ts';
import type { PageRequest, Repositories } from '../ports/repositories.ts';
import { podLocalDay } from '../rhythms/service.ts';
import { findProjectByRef, isProjectKey, isUuid } from '../stages/project-key.ts';
import { podBySlug } from '../wip/service.ts';
import { buildAgenda, demoCutoffAt, demoOpenDate, demoWeek, summariseFeedback } from './agenda.ts';
import type { DemoFeedback, DemoPulse, DemoSubmissionView, WeeklyDemo } from './entities.ts';

export interface SubmissionInput {
  title: string;
  description?: string | null | undefined;
  projectId?: string | null | undefined;
  url?: string | null | undefined;
}

export interface FeedbackInput {
  score: number;
  comment?: string | null | undefined;
}

/**
 * The HTTP schema checks these too; repeated because other callers (GraphQL, jobs) reach the use case
 * without it, and the URL is shown as a link on the agenda.
 */
function submissionProblems(input: SubmissionInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (!title) problems.push({ path: 'title', message: 'must not be empty' });
  else if (title.length > 200) problems.push({ path: 'title', message: 'must be at most 200 characters' });
  if (input.description != null && input.description.length > 5000)
    problems.push({ path: 'description', message: 'must be at most 5000 characters' });
  if (input.url != null && (!/^https?:\/\/[^\s]+$/i.test(input.url) || input.url.length > 2000))
    problems.push({ path: 'url', message: 'must be an http(s) URL of at most 2000 characters' });
  if (input.projectId != null && !isUuid(input.projectId) && !isProjectKey(input.projectId))
    problems.push({ path: 'projectId', message: 'must be a project id or key' });
  return problems;
}

export interface PulseInput {
  score: number;
}

function pulseProblems(input: PulseInput): FieldProblem[] {
  return Number.isInteger(input.score) && input.score >= 1 && input.score <= 10
    ? []
    : [{ path: 'score', message: 'must be a whole number from 1 to 10' }];
}

function feedbackProblems(input: FeedbackInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(input.score) || input.score < 1 || input.score > 5)
    problems.push({ path: 'score', message: 'must be a whole number from 1 to 5' });
  if (input.comment != null && input.comment.length > 2000)
    problems.push({ path: 'comment', message: 'must be at most 2000 characters' });
  return problems;
}

/** Opens the pod's demo for the week of `localDate` (the opening day). Idempotent. */
export async function openDemoInTx(deps: Deps, repos: Repositories, pod: Pod, localDate: string) {
  const policy = deps.policy.rhythms.weeklyDemo;
  const openDate = demoOpenDate(policy, localDate);
  const week = demoWeek(policy, localDate);
  const now = deps.clock.now();
  const demo: WeeklyDemo = {
    id: deps.ids.uuid(),
    podId: pod.id,
    week,
    status: 'collecting',
    cutoffAt: demoCutoffAt(policy, openDate, pod.timezone),
    agenda: null,
    summary: null,
    createdAt: now,
    closedAt: null,
  };
  if (!(await repos.demos.insertDemo(demo))) {
    const existing = (await repos.demos.demoByWeek(pod.id, week))!;
    return { demoId: existing.id, week, changed: false };
  }
  await repos.events.emit({
    type: 'demo.opened',
    podId: pod.id,
    subjectType: 'weekly_demo',
    subjectId: demo.id,
    actorId: null,
    data: { pod: pod.slug, week, cutoffAt: demo.cutoffAt.toISOString() },
    occurredAt: now,
  });
  return { demoId: demo.id, week, changed: true };
}

/** Positions the submissions and returns the agenda. */
async function fixAgenda(repos: Repositories, demo: WeeklyDemo) {
  const agenda = buildAgenda(await repos.demos.submissions(demo.id));
  for (const item of agenda) await repos.demos.setPosition(item.submissionId, item.position);
  return agenda;
}

/**
 * At the cutoff: orders the agenda (submission order) and starts taking feedback. Only a demo still
 * collecting changes, so a second run for the same week does nothing.
 */
export async function presentDemoInTx(deps: Deps, repos: Repositories, pod: Pod, localDate: string) {
  const week = demoWeek(deps.policy.rhythms.weeklyDemo, localDate);
  const demo = await repos.demos.demoByWeek(pod.id, week, true);
  if (!demo) return { demoId: null, week, changed: false };
  if (demo.status !== 'collecting') return { demoId: demo.id, week, changed: false };
  const agenda = await fixAgenda(repos, demo);
  await repos.demos.updateDemo(demo.id, { status: 'feedback', agenda });
  await repos.events.emit({
    type: 'demo.agenda_ready',
    podId: pod.id,
    subjectType: 'weekly_demo',
    subjectId: demo.id,
    actorId: null,
    data: { pod: pod.slug, week, agenda },
    occurredAt: deps.clock.now(),
  });
  return { demoId: demo.id, week, changed: true, submissions: agenda.length };
}

/**
 * Closes the week's demo with its feedback aggregated per submission. A demo whose agenda was never
 * built (the cutoff run missed) gets it now; a closed demo is left as it is.
 */
export async function closeDemoInTx(deps: Deps, repos: Repositories, pod: Pod, localDate: string) {
  const week = demoWeek(deps.policy.rhythms.weeklyDemo, localDate);
  const demo = await repos.demos.demoByWeek(pod.id, week, true);
  if (!demo) return { demoId: null, week, changed: false };
  if (demo.status === 'closed') return { demoId: demo.id, week, changed: false };
  const agenda = demo.agenda ?? (await fixAgenda(repos, demo));
  const summary = summariseFeedback(agenda, await repos.demos.feedbackForDemo(demo.id));
  const now = deps.clock.now();
  await repos.demos.updateDemo(demo.id, { status: 'closed', agenda, summary, closedAt: now });
  await repos.events.emit({
    type: 'demo.closed',
    podId: pod.id,
    subjectType: 'weekly_demo',
    subjectId: demo.id,
    actorId: null,
    // Flat counts for notifications; the per-submission results as stored with the demo.
    data: {
      pod: pod.slug,
      week,
      demos: agenda.length,
      feedbackCount: summary.feedbackCount,
      averageScore: summary.meanScore,
      submissions: summary.submissions,
    },
    occurredAt: now,
  });
  return { demoId: demo.id, week, changed: true, feedbackCount: summary.feedbackCount };
}

/** The weekly demo (seed §2.2 WeeklyDemo): submissions while collecting, feedback on the agenda. */
export function createDemoService(deps: Deps) {
  const { uow, clock, ids, policy } = deps;

  async function detail(repos: Repositories, demo: WeeklyDemo, pod: Pod) {
    const submissions = await repos.demos.submissions(demo.id);
    // Scores stay hidden until the demo closes, so early ones do not sway later ones.
    const closed = demo.status === 'closed' && demo.summary !== null;
    return {
      ...demo,
      pod: pod.slug,
      submissions: submissions.map((s: DemoSubmissionView) => ({
        ...s,
        feedback: closed ? (demo.summary!.submissions.find((x) => x.submissionId === s.id) ?? null) : null,
      })),
    };
  }

  return {
    /** The demo of the pod's current week (in its time zone), or null before it opens. */
    async current(ctx: Ctx, podSlug: string) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, podSlug);
      const week = demoWeek(policy.rhythms.weeklyDemo, podLocalDay(pod, clock.now()));
      const demo = await uow.read.demos.demoByWeek(pod.id, week);
      return demo ? detail(uow.read, demo, pod) : null;
    },

    async get(ctx: Ctx, id: string) {
      assertCan(ctx.actor, 'read');
      const demo = await uow.read.demos.demoById(id);
      if (!demo) throw new NotFoundError('weekly demo', id);
      return detail(uow.read, demo, (await uow.read.pods.byId(demo.podId))!);
    },

    async list(ctx: Ctx, podSlug: string, page: PageRequest) {
      assertCan(ctx.actor, 'read');
      const pod = await podBySlug(uow.read, podSlug);
      return uow.read.demos.list(pod.id, page);
    },

    /** Adds a demo to this week's agenda; only while it is collecting and before its cutoff. */
    async submit(ctx: Ctx, podSlug: string, input: SubmissionInput): Promise<DemoSubmissionView> {
      assertCan(ctx.actor, 'projects:work');
      const problems = submissionProblems(input);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const pod = await podBySlug(repos, podSlug);
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const userId = ctx.actor.userId;
        if (!userId) throw new ForbiddenError('demos are submitted by a user; this token has none');
        if (
          ctx.actor.role !== 'admin' &&
          ctx.actor.role !== 'pod-lead' &&
          !(await repos.pods.activeMembership(pod.id, userId))
        )
          throw new ForbiddenError(`only members of pod "${pod.slug}" submit to its weekly demo`);
        let projectId: string | null = null;
        if (input.projectId) {
          const project = await findProjectByRef(repos, input.projectId);
          if (!project || project.podId !== pod.id)
            throw new InvalidInputError([
              { path: 'projectId', message: `is not a project of pod "${pod.slug}"` },
            ]);
          projectId = project.id;
        }
        const now = clock.now();
        const week = demoWeek(policy.rhythms.weeklyDemo, podLocalDay(pod, now));
        // Locked: the cutoff run waits for this submission, or this one sees the agenda built.
        const demo = await repos.demos.demoByWeek(pod.id, week, true);
        if (!demo)
          throw new ConflictError(
            `pod "${pod.slug}" has no weekly demo open this week (${week}); submissions open ${policy.rhythms.weeklyDemo.opens.day} ${policy.rhythms.weeklyDemo.opens.time} ${pod.timezone}`,
            { week },
          );
        if (demo.status !== 'collecting' || now.getTime() >= demo.cutoffAt.getTime())
          throw new ConflictError(
            `submissions to the ${week} demo closed at ${demo.cutoffAt.toISOString()}; it is ${demo.status === 'collecting' ? 'past its cutoff' : demo.status}`,
            { week, status: demo.status, cutoffAt: demo.cutoffAt.toISOString() },
          );
        const submission = {
          id: ids.uuid(),
          demoId: demo.id,
          userId,
          title: input.title.trim(),
          description: input.description?.trim() || null,
          projectId,
          url: input.url ?? null,
          position: null,
          createdAt: now,
        };
        await repos.demos.insertSubmission(submission);
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'demo.submitted',
          subjectType: 'demo_submission',
          subjectId: submission.id,
          after: { pod: pod.slug, week, title: submission.title, projectId: submission.projectId },
        });
        return (await repos.demos.submissionById(submission.id))!;
      });
    },

    /**
     * Scores a demo (1–5, with an optional comment) once its agenda is out and until the demo closes.
     * One per user and submission: giving feedback again replaces the earlier one.
     */
    async feedback(ctx: Ctx, submissionId: string, input: FeedbackInput): Promise<DemoFeedback> {
      assertCan(ctx.actor, 'projects:work');
      const problems = feedbackProblems(input);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        const submission = await repos.demos.submissionById(submissionId);
        if (!submission) throw new NotFoundError('demo submission', submissionId);
        const demo = (await repos.demos.demoById(submission.demoId, true))!;
        const pod = (await repos.pods.byId(demo.podId))!;
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const userId = ctx.actor.userId;
        if (!userId) throw new ForbiddenError('feedback is given by a user; this token has none');
        if (submission.userId === userId) throw new ForbiddenError('presenters do not score their own demo');
        if (demo.status !== 'feedback' && demo.status !== 'presenting')
          throw new ConflictError(
            demo.status === 'collecting'
              ? `feedback opens when the ${demo.week} agenda is ready (at the cutoff, ${demo.cutoffAt.toISOString()})`
              : `the ${demo.week} demo closed; feedback is no longer accepted`,
            { week: demo.week, status: demo.status },
          );
        const before = await repos.demos.feedbackBy(submissionId, userId);
        const now = clock.now();
        const stored = await repos.demos.upsertFeedback({
          id: ids.uuid(),
          submissionId,
          userId,
          score: input.score,
          comment: input.comment?.trim() || null,
          createdAt: now,
        });
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'demo.feedback_recorded',
          subjectType: 'demo_submission',
          subjectId: submissionId,
          before: before ? { score: before.score, comment: before.comment } : null,
          after: { pod: pod.slug, week: demo.week, score: stored.score, comment: stored.comment },
        });
        return stored;
      });
    },

    /**
     * Answers the demo's one-question pulse, "how was your week?" (1–10), the team satisfaction of
     * seed §9: one answer per member and demo, replaced by answering again, until the demo closes.
     * Only the pod's members answer: the figure is the pod's own satisfaction.
     */
    async pulse(ctx: Ctx, demoId: string, input: PulseInput): Promise<DemoPulse> {
      assertCan(ctx.actor, 'projects:work');
      const problems = pulseProblems(input);
      if (problems.length) throw new InvalidInputError(problems);
      return uow.run(async (repos) => {
        // Locked: the close waits for this answer, or this one sees the demo closed.
        const demo = await repos.demos.demoById(demoId, true);
        if (!demo) throw new NotFoundError('weekly demo', demoId);
        const pod = (await repos.pods.byId(demo.podId))!;
        assertPodScope(ctx.actor, pod.id, pod.slug);
        const userId = ctx.actor.userId;
        if (!userId) throw new ForbiddenError('the pulse is answered by a user; this token has none');
        if (!(await repos.pods.activeMembership(pod.id, userId)))
          throw new ForbiddenError(`only members of pod "${pod.slug}" answer its weekly demo's pulse`);
        if (demo.status === 'closed')
          throw new ConflictError(`the ${demo.week} demo closed; its pulse is no longer accepted`, {
            week: demo.week,
            status: demo.status,
          });
        const before = await repos.demos.pulseBy(demo.id, userId);
        const now = clock.now();
        const stored = await repos.demos.upsertPulse({
          id: ids.uuid(),
          demoId: demo.id,
          userId,
          score: input.score,
          createdAt: now,
        });
        await record(repos, ctx, now, {
          podId: pod.id,
          action: 'demo.pulse_recorded',
          subjectType: 'weekly_demo',
          subjectId: demo.id,
          before: before ? { score: before.score } : null,
          after: { pod: pod.slug, week: demo.week, score: stored.score },
        });
        return stored;
      });
    },
  };
}

export type DemoService = ReturnType<typeof createDemoService>;
