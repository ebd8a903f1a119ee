/** A pod's weekly demo: collecting submissions, then feedback on the agenda, then closed. */

export const DEMO_STATUSES = ['collecting', 'presenting', 'feedback', 'closed'] as const;
export type DemoStatus = (typeof DEMO_STATUSES)[number];

export const DEMO_PHASES = ['open', 'present', 'close'] as const;
export type DemoPhase = (typeof DEMO_PHASES)[number];

export interface DemoAgendaItem {
  position: number;
  submissionId: string;
  title: string;
  presenter: string;
  projectId: string | null;
  url: string | null;
}

export interface DemoSubmissionFeedback {
  submissionId: string;
  title: string;
  presenter: string;
  count: number;
  /** Mean of the scores (1–5), 2 decimals; null without feedback. */
  meanScore: number | null;
  comments: string[];
}

export interface DemoSummary {
  submissions: DemoSubmissionFeedback[];
  feedbackCount: number;
  /** Mean over every score given this week, 2 decimals; null without feedback. */
  meanScore: number | null;
}

export interface WeeklyDemo {
  id: string;
  podId: string;
  /** ISO week of the pod's local calendar in which the demo opened, e.g. `2026-W11`. */
  week: string;
  status: DemoStatus;
  /** Submissions are refused from this instant on. */
  cutoffAt: Date;
  agenda: DemoAgendaItem[] | null;
  summary: DemoSummary | null;
  createdAt: Date;
  closedAt: Date | null;
}

export interface DemoSubmission {
  id: string;
  demoId: string;
  userId: string;
  title: string;
  description: string | null;
  projectId: string | null;
  url: string | null;
  /** Order on the agenda (1-based), set when the agenda is built. */
  position: number | null;
  createdAt: Date;
}

export interface DemoSubmissionView extends DemoSubmission {
  userEmail: string;
  userName: string;
}

export interface DemoFeedback {
  id: string;
  submissionId: string;
  userId: string;
  score: number;
  comment: string | null;
  createdAt: Date;
}

/** One person's answer to the weekly demo's pulse, "how was your week?" (1–10): team satisfaction (seed §9). */
export interface DemoPulse {
  id: string;
  demoId: string;
  userId: string;
  score: number;
  createdAt: Date;
}
