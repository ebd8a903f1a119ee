import type {
  CommitmentView,
  DemoFeedback,
  DemoPulse,
  DemoService,
  DemoSubmissionView,
  DigestContent,
  RhythmDigest,
  RhythmService,
  WeeklyDemo,
} from '@clos/core';
import { z } from 'zod';
import { errorSchema, type Json } from '../api.ts';
import { day, email, idParam, listQuery, nonEmpty, page, projectRef, slugParam, ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

// Shown as links on the agenda: http(s) only, never `javascript:`.
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000, 'must be at most 2000 characters');
const commitmentStatus = z.enum(['open', 'done', 'dropped']);

// ---------------------------------------------------------------- daily rhythm

export const commitmentSchema = z
  .object({
    id: uuid,
    podId: uuid,
    userId: uuid,
    day: z.string().meta({ description: "the pod's local date the commitment is for" }),
    text: z.string(),
    status: commitmentStatus,
    createdAt: ts,
    updatedAt: ts,
    userEmail: z.string(),
    userName: z.string(),
  })
  .meta({ id: 'Commitment' });

export const recordCommitmentBody = z.strictObject({
  text: nonEmpty(500),
  user: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(email)
    .optional()
    .meta({ description: 'the member it is for (admins and the pod lead); default: the caller' }),
});
export const updateCommitmentBody = z.strictObject({ status: z.enum(['done', 'dropped']) });
export const commitmentDayQuery = z.strictObject({
  day: day.optional().meta({ description: "the pod's local date; default: its today" }),
});

const digestMember = z.object({ userId: uuid, email: z.string(), name: z.string() });

const unblockDigestSchema = z
  .object({
    phase: z.literal('unblock'),
    day: z.string(),
    blockedProjects: z.array(
      z.object({
        projectId: uuid,
        name: z.string(),
        stage: z.string(),
        reason: z.string(),
        since: ts.nullable(),
      }),
    ),
    gatesAwaitingApproval: z.array(
      z.object({
        projectId: uuid,
        name: z.string(),
        stage: z.string(),
        nextStage: z.string(),
        received: z.number().int(),
        required: z.number().int(),
        roles: z.array(z.string()),
        rejectedBy: z.array(z.string()),
      }),
    ),
    staleLocks: z.array(
      z.object({
        lockId: uuid,
        itemType: z.string(),
        itemId: z.string(),
        holder: z.string().nullable(),
        acquiredAt: ts,
        heldHours: z.number().int(),
      }),
    ),
    membersWithoutCommitment: z.array(digestMember),
    counts: z.object({
      blockedProjects: z.number().int(),
      gatesAwaitingApproval: z.number().int(),
      staleLocks: z.number().int(),
      membersWithoutCommitment: z.number().int(),
    }),
  })
  .meta({ id: 'UnblockDigest' });

const commitDigestSchema = z
  .object({
    phase: z.literal('commit'),
    day: z.string(),
    members: z.array(
      digestMember.extend({
        commitments: z.array(z.object({ id: uuid, text: z.string(), status: commitmentStatus })),
      }),
    ),
    withoutCommitment: z.array(digestMember),
    counts: z.object({
      commitments: z.number().int(),
      membersWithCommitment: z.number().int(),
      membersWithoutCommitment: z.number().int(),
    }),
  })
  .meta({ id: 'CommitDigest' });

const recapDigestSchema = z
  .object({
    phase: z.literal('recap'),
    day: z.string(),
    from: ts,
    to: ts,
    transitions: z.array(
      z.object({ projectId: uuid, name: z.string(), fromStage: z.string(), toStage: z.string(), at: ts }),
    ),
    locksReleased: z.array(
      z.object({ lockId: uuid, itemType: z.string(), itemId: z.string(), releasedAt: ts }),
    ),
    projectsClosed: z.array(
      z.object({ projectId: uuid, name: z.string(), outcome: z.string().nullable(), at: ts }),
    ),
    commitments: z.object({
      made: z.number().int(),
      done: z.number().int(),
      dropped: z.number().int(),
      open: z.number().int(),
      items: z.array(z.object({ id: uuid, user: z.string(), text: z.string(), status: commitmentStatus })),
    }),
    counts: z.object({
      transitions: z.number().int(),
      locksReleased: z.number().int(),
      projectsClosed: z.number().int(),
      commitmentsMade: z.number().int(),
      commitmentsDone: z.number().int(),
    }),
  })
  .meta({ id: 'RecapDigest' });

export const digestContentSchema = z.discriminatedUnion('phase', [
  unblockDigestSchema,
  commitDigestSchema,
  recapDigestSchema,
]);

export const rhythmDigestSchema = z
  .object({
    id: uuid,
    podId: uuid,
    day: z.string(),
    phase: z.enum(['unblock', 'commit', 'recap']),
    content: digestContentSchema,
    runId: uuid.nullable(),
    createdAt: ts,
  })
  .meta({ id: 'RhythmDigest' });

export const rhythmTodaySchema = z
  .object({
    pod: z.string(),
    timezone: z.string(),
    day: z.string().meta({ description: "the pod's local date now" }),
    digests: z.object({
      unblock: rhythmDigestSchema.nullable(),
      commit: rhythmDigestSchema.nullable(),
      recap: rhythmDigestSchema.nullable(),
    }),
    commitments: z.array(commitmentSchema),
  })
  .meta({ id: 'RhythmToday' });

// ---------------------------------------------------------------- weekly demo

const agendaItemSchema = z.object({
  position: z.number().int(),
  submissionId: uuid,
  title: z.string(),
  presenter: z.string(),
  projectId: uuid.nullable(),
  url: z.string().nullable(),
});

const submissionFeedbackSchema = z
  .object({
    submissionId: uuid,
    title: z.string(),
    presenter: z.string(),
    count: z.number().int(),
    meanScore: z.number().nullable(),
    comments: z.array(z.string()),
  })
  .meta({ id: 'DemoSubmissionFeedback' });

export const weeklyDemoSchema = z
  .object({
    id: uuid,
    podId: uuid,
    week: z.string().meta({ description: 'ISO week of the pod calendar in which it opened, e.g. 2026-W11' }),
    status: z.enum(['collecting', 'presenting', 'feedback', 'closed']),
    cutoffAt: ts,
    agenda: z.array(agendaItemSchema).nullable(),
    summary: z
      .object({
        submissions: z.array(submissionFeedbackSchema),
        feedbackCount: z.number().int(),
        meanScore: z.number().nullable(),
      })
      .nullable(),
    createdAt: ts,
    closedAt: ts.nullable(),
  })
  .meta({ id: 'WeeklyDemo' });

export const demoSubmissionSchema = z
  .object({
    id: uuid,
    demoId: uuid,
    userId: uuid,
    title: z.string(),
    description: z.string().nullable(),
    projectId: uuid.nullable(),
    url: z.string().nullable(),
    position: z.number().int().nullable(),
    createdAt: ts,
    userEmail: z.string(),
    userName: z.string(),
  })
  .meta({ id: 'DemoSubmission' });

export const weeklyDemoDetailSchema = weeklyDemoSchema
  .extend({
    pod: z.string(),
    submissions: z.array(
      demoSubmissionSchema.extend({
        feedback: submissionFeedbackSchema
          .nullable()
          .meta({ description: 'aggregated once the demo has closed; null before' }),
      }),
    ),
  })
  .meta({ id: 'WeeklyDemoDetail' });

export const demoFeedbackSchema = z
  .object({
    id: uuid,
    submissionId: uuid,
    userId: uuid,
    score: z.number().int(),
    comment: z.string().nullable(),
    createdAt: ts,
  })
  .meta({ id: 'DemoFeedback' });

export const submitDemoBody = z.strictObject({
  title: nonEmpty(200),
  description: z.string().max(5000, 'must be at most 5000 characters').nullable().optional(),
  projectId: projectRef
    .nullable()
    .optional()
    .meta({ description: 'the project shown, by id or key; stored as its id' }),
  url: httpUrl.nullable().optional(),
});
export const demoFeedbackBody = z.strictObject({
  score: z.number().int('must be a whole number').min(1, 'must be 1–5').max(5, 'must be 1–5'),
  comment: z.string().max(2000, 'must be at most 2000 characters').nullable().optional(),
});

export const demoPulseSchema = z
  .object({
    id: uuid,
    demoId: uuid,
    userId: uuid,
    score: z.number().int(),
    createdAt: ts,
  })
  .meta({ id: 'DemoPulse' });

export const demoPulseBody = z.strictObject({
  score: z.number().int('must be a whole number').min(1, 'must be 1–10').max(10, 'must be 1–10'),
});

export const rhythmRoutes = {
  recordCommitment: {
    method: 'POST',
    path: '/api/v1/pods/:slug/commitments',
    params: slugParam,
    body: recordCommitmentBody,
    responses: { 201: commitmentSchema, 403: errorSchema },
    permission: 'projects:work',
    summary:
      "Record a commitment for the pod's local today (your own; admins and the pod lead may name a member)",
    tags: ['rhythms'],
  },
  listCommitments: {
    method: 'GET',
    path: '/api/v1/pods/:slug/commitments',
    params: slugParam,
    query: commitmentDayQuery,
    responses: { 200: z.object({ pod: z.string(), day: z.string(), items: z.array(commitmentSchema) }) },
    permission: 'read',
    summary: "The pod's commitments for a local day (default: its today)",
    tags: ['rhythms'],
  },
  updateCommitment: {
    method: 'PUT',
    path: '/api/v1/commitments/:id',
    params: idParam,
    body: updateCommitmentBody,
    responses: { 200: commitmentSchema, 404: errorSchema },
    permission: 'projects:work',
    summary: 'Mark a commitment done or dropped (idempotent)',
    tags: ['rhythms'],
  },
  getRhythmToday: {
    method: 'GET',
    path: '/api/v1/pods/:slug/rhythm/today',
    params: slugParam,
    responses: { 200: rhythmTodaySchema },
    permission: 'read',
    summary: "The pod's local today: each phase's stored digest (null until it has run) and the commitments",
    tags: ['rhythms'],
  },
  listDemos: {
    method: 'GET',
    path: '/api/v1/pods/:slug/demos',
    params: slugParam,
    query: listQuery,
    responses: { 200: page(weeklyDemoSchema) },
    permission: 'read',
    summary: "The pod's weekly demos, newest week first",
    tags: ['demos'],
  },
  getCurrentDemo: {
    method: 'GET',
    path: '/api/v1/pods/:slug/demos/current',
    params: slugParam,
    responses: { 200: weeklyDemoDetailSchema, 404: errorSchema },
    permission: 'read',
    summary: "This week's demo (the pod's calendar) with its submissions; 404 before it opens",
    tags: ['demos'],
  },
  getDemo: {
    method: 'GET',
    path: '/api/v1/demos/:id',
    params: idParam,
    responses: { 200: weeklyDemoDetailSchema, 404: errorSchema },
    permission: 'read',
    summary: 'A weekly demo with its submissions (and their aggregated feedback once closed)',
    tags: ['demos'],
  },
  submitDemo: {
    method: 'POST',
    path: '/api/v1/pods/:slug/demos/current/submissions',
    params: slugParam,
    body: submitDemoBody,
    responses: { 201: demoSubmissionSchema, 409: errorSchema },
    permission: 'projects:work',
    summary: "Submit a demo to this week's agenda (409 once the cutoff has passed)",
    tags: ['demos'],
  },
  recordDemoFeedback: {
    method: 'POST',
    path: '/api/v1/demo-submissions/:id/feedback',
    params: idParam,
    body: demoFeedbackBody,
    responses: { 201: demoFeedbackSchema, 409: errorSchema },
    permission: 'projects:work',
    summary: 'Score a demo 1–5 with an optional comment while feedback is open; again replaces yours',
    tags: ['demos'],
  },
  recordDemoPulse: {
    method: 'POST',
    path: '/api/v1/demos/:id/pulse',
    params: idParam,
    body: demoPulseBody,
    responses: { 201: demoPulseSchema, 409: errorSchema },
    permission: 'projects:work',
    summary:
      'Answer the weekly demo’s pulse, "how was your week?" (1–10), as a member of its pod until it closes; again replaces yours',
    tags: ['demos'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _RhythmContractChecks = [
  Check<Same<z.infer<typeof commitmentSchema>, Json<CommitmentView>>>,
  Check<Same<z.infer<typeof digestContentSchema>, Json<DigestContent>>>,
  Check<Same<z.infer<typeof rhythmDigestSchema>, Json<RhythmDigest>>>,
  Check<Same<z.infer<typeof rhythmTodaySchema>, Json<Awaited<ReturnType<RhythmService['today']>>>>>,
  Check<Same<z.infer<typeof weeklyDemoSchema>, Json<WeeklyDemo>>>,
  Check<Same<z.infer<typeof demoSubmissionSchema>, Json<DemoSubmissionView>>>,
  Check<Same<z.infer<typeof weeklyDemoDetailSchema>, Json<Awaited<ReturnType<DemoService['get']>>>>>,
  Check<Same<z.infer<typeof demoFeedbackSchema>, Json<DemoFeedback>>>,
  Check<Same<z.infer<typeof demoPulseSchema>, Json<DemoPulse>>>,
];
