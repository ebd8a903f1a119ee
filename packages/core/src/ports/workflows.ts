import type { RunStatus, StepStatus, WorkflowRun, WorkflowStep } from '../workflows/entities.ts';
import type { Page, PageRequest } from './page.ts';

export interface RunFilter {
  workflow?: string | undefined;
  podId?: string | undefined;
  /** Pod-scoped readers: only runs of these pods (and company-wide runs are hidden). */
  podIds?: string[] | undefined;
  status?: RunStatus | undefined;
}

export interface WorkflowRepository {
  /**
   * Inserts the run and its steps (all pending) unless a run with the same key exists.
   * Returns the new run, or null when the key was taken (by another scheduler, or a retry).
   */
  createRun(
    run: Omit<WorkflowRun, 'status' | 'output' | 'error' | 'attempts' | 'startedAt' | 'finishedAt'>,
    steps: string[],
  ): Promise<WorkflowRun | null>;
  runById(id: string): Promise<WorkflowRun | null>;
  runByKey(key: string): Promise<WorkflowRun | null>;
  /** Reads and row-locks the run until the transaction ends. */
  lockRun(id: string): Promise<WorkflowRun | null>;
  updateRun(
    id: string,
    patch: Partial<Omit<WorkflowRun, 'id' | 'key' | 'workflow' | 'createdAt'>>,
  ): Promise<void>;
  list(filter: RunFilter, page: PageRequest): Promise<Page<WorkflowRun>>;
  steps(runId: string): Promise<WorkflowStep[]>;
  /**
   * Marks a step running and counts the attempt, unless it already succeeded or was skipped
   * (then returns false).
   */
  markStepRunning(runId: string, name: string, at: Date): Promise<boolean>;
  /** Reads and row-locks one step: concurrent executions of the same run queue behind it. */
  lockStep(runId: string, name: string): Promise<WorkflowStep | null>;
  updateStep(
    runId: string,
    name: string,
    patch: Partial<
      Pick<WorkflowStep, 'status' | 'attempts' | 'output' | 'error' | 'startedAt' | 'finishedAt'>
    >,
  ): Promise<void>;
  /** Adds a step to an existing run (runs whose steps are reported from outside, e.g. deployments). */
  addStep(runId: string, name: string, position: number): Promise<void>;
  /**
   * Records `key` as applied; false when it already was. Call it in the transaction of the effect
   * it guards, so a retried job applies its effect once.
   */
  claimJobKey(key: string, at: Date): Promise<boolean>;
}

export type { StepStatus };
