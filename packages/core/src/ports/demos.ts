import type {
  DemoFeedback,
  DemoPulse,
  DemoSubmission,
  DemoSubmissionView,
  WeeklyDemo,
} from '../demos/entities.ts';
import type { Page, PageRequest } from './page.ts';

/** Weekly demos, their submissions and the feedback on them. */
export interface DemoRepository {
  /** Creates the pod's demo for its week unless one exists; false when it did. */
  insertDemo(d: WeeklyDemo): Promise<boolean>;
  /** With `forUpdate`, row-locks it: submissions, feedback and phase changes of one demo queue. */
  demoByWeek(podId: string, week: string, forUpdate?: boolean): Promise<WeeklyDemo | null>;
  demoById(id: string, forUpdate?: boolean): Promise<WeeklyDemo | null>;
  updateDemo(
    id: string,
    patch: Partial<Pick<WeeklyDemo, 'status' | 'agenda' | 'summary' | 'closedAt'>>,
  ): Promise<void>;
  /** The pod's demos, newest week first. */
  list(podId: string, page: PageRequest): Promise<Page<WeeklyDemo>>;
  insertSubmission(s: DemoSubmission): Promise<void>;
  submissionById(id: string): Promise<DemoSubmissionView | null>;
  /** In agenda order once positioned, else in submission order. */
  submissions(demoId: string): Promise<DemoSubmissionView[]>;
  setPosition(submissionId: string, position: number): Promise<void>;
  feedbackBy(submissionId: string, userId: string): Promise<DemoFeedback | null>;
  /** Replaces the user's earlier feedback on the submission, if any; returns the stored row. */
  upsertFeedback(f: DemoFeedback): Promise<DemoFeedback>;
  /** Every feedback on the demo's submissions. */
  feedbackForDemo(demoId: string): Promise<DemoFeedback[]>;
  pulseBy(demoId: string, userId: string): Promise<DemoPulse | null>;
  /** Replaces the user's earlier answer to the demo's pulse, if any; returns the stored row (its id is kept). */
  upsertPulse(p: DemoPulse): Promise<DemoPulse>;
}
