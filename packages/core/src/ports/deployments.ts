import type { Page, PageRequest } from './page.ts';

export type DeploymentStatus = 'running' | 'succeeded' | 'failed';

/** A deploy reported by CI. Its steps are the steps of its workflow run (`runId`). */
export interface Deployment {
  id: string;
  podId: string;
  projectId: string | null;
  version: string;
  status: DeploymentStatus;
  runId: string;
  url: string | null;
  createdBy: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  /**
   * The deploy's id where it was reported from outside (`github:acme/api/deployments/42`): the same
   * report arriving twice finds it instead of opening a second one. Null for deploys CI reports.
   */
  externalId: string | null;
}

export interface DeploymentFilter {
  podId?: string | undefined;
  status?: DeploymentStatus | undefined;
}

/** Deployments of one pod that finished in a window. */
export interface DeploymentTally {
  succeeded: number;
  failed: number;
  /** Mean of finishedAt − startedAt over them; null when none finished. */
  meanDurationSeconds: number | null;
}

export interface DeploymentRepository {
  insert(deployment: Deployment): Promise<void>;
  byId(id: string): Promise<Deployment | null>;
  /** Reads and row-locks the deployment: concurrent step reports of one deploy queue behind it. */
  lockById(id: string): Promise<Deployment | null>;
  /** Like `lockById`, by `externalId`. */
  lockByExternalId(externalId: string): Promise<Deployment | null>;
  update(id: string, patch: Partial<Pick<Deployment, 'status' | 'finishedAt'>>): Promise<void>;
  /** Newest first. */
  list(filter: DeploymentFilter, page: PageRequest): Promise<Page<Deployment>>;
  /** Per pod, the deployments that finished at or after `since` (pods with none are absent). */
  finishedSince(since: Date, podId?: string): Promise<Record<string, DeploymentTally>>;
}
