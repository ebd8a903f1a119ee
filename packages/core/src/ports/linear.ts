/**
 * Links between CLOS projects and Linear (docs/linear.md): the Linear project a CLOS project is
 * linked to, and the Linear issues of that project as CLOS last saw them. The Linear integration
 * writes them; the `linear_issues_done` gate criterion and the project's page read them.
 */

/** Linear's workflow state types; `completed` and `canceled` are done. */
export const LINEAR_STATE_TYPES = [
  'triage',
  'backlog',
  'unstarted',
  'started',
  'completed',
  'canceled',
] as const;
export type LinearStateType = (typeof LINEAR_STATE_TYPES)[number];

/** Whether an issue in this state counts as done for a gate. */
export const isLinearDone = (stateType: LinearStateType): boolean =>
  stateType === 'completed' || stateType === 'canceled';

export interface LinearProjectLink {
  projectId: string;
  /** Linear's id of the project. */
  linearId: string;
  /** The team key (`RAT`) the project was created in. */
  teamKey: string;
  name: string;
  url: string | null;
  createdAt: Date;
  /** The last time CLOS read or wrote the project (creation, an issue's change, a reconciliation). */
  updatedAt: Date;
}

export interface LinearIssueLink {
  linearId: string;
  projectId: string;
  /** The stage it belongs to: its template's stage, or the project's stage when it was first seen. */
  stage: string;
  /** The index of the stage template it was created from; null for an issue added by hand in Linear. */
  templateIndex: number | null;
  /** `RAT-12`. */
  identifier: string;
  title: string;
  url: string | null;
  stateType: LinearStateType;
  stateName: string;
  /** Deleted in Linear or moved out of the linked project: no longer counted. */
  removedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LinearRepository {
  projectLink(projectId: string): Promise<LinearProjectLink | null>;
  projectLinkByLinearId(linearId: string): Promise<LinearProjectLink | null>;
  /** Every linked project, oldest first. */
  projectLinks(): Promise<LinearProjectLink[]>;
  /** Inserts the link; false when the project was linked already (the row is left as it was). */
  insertProjectLink(link: LinearProjectLink): Promise<boolean>;
  touchProjectLink(projectId: string, at: Date): Promise<void>;
  /** The project's issues, oldest first; of one stage when given; removed ones only with `includeRemoved`. */
  issues(
    projectId: string,
    options?: { stage?: string; includeRemoved?: boolean },
  ): Promise<LinearIssueLink[]>;
  issue(linearId: string): Promise<LinearIssueLink | null>;
  /** The issue, row-locked for the caller's transaction (concurrent deliveries of one issue queue). */
  lockIssue(linearId: string): Promise<LinearIssueLink | null>;
  /** The issue created from a stage's template, if it was. */
  templateIssue(projectId: string, stage: string, templateIndex: number): Promise<LinearIssueLink | null>;
  /** Inserts the issue; false when an issue with its id (or its template slot) exists already. */
  insertIssue(issue: LinearIssueLink): Promise<boolean>;
  updateIssue(
    linearId: string,
    patch: Partial<
      Pick<
        LinearIssueLink,
        | 'title'
        | 'identifier'
        | 'url'
        | 'stateType'
        | 'stateName'
        | 'removedAt'
        | 'updatedAt'
        | 'stage'
        | 'templateIndex'
      >
    >,
  ): Promise<void>;
  /** How many projects are linked and issues tracked (not removed), and when a link last changed. */
  summary(): Promise<{ projects: number; issues: number; lastSyncAt: Date | null }>;
}
