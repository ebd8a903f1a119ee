export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface WorkflowStep {
  id: string;
  runId: string;
  name: string;
  position: number;
  status: StepStatus;
  attempts: number;
  output: unknown;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface WorkflowRun {
  id: string;
  workflow: string;
  /** The run's identity: two schedulers starting the same key start one run. */
  key: string;
  podId: string | null;
  status: RunStatus;
  input: unknown;
  output: unknown;
  error: string | null;
  attempts: number;
  scheduledFor: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}
