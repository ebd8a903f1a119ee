/**
 * The aggregates the success scorecard (seed §9) is computed from. Every method is one SQL statement
 * over both periods at once (the one asked about and the same-length one before it), answering a
 * row per period: the scorecard compares them.
 */

/** The period asked about, `[from, to)`, and the one of the same length just before it, `[previousFrom, from)`. */
export interface ScorecardWindow {
  previousFrom: Date;
  from: Date;
  to: Date;
  /**
   * The same periods as UTC days `YYYY-MM-DD` for the figures kept per day (usage counts, active
   * users): every day the period touches, `[previousFromDay, fromDay)` and `[fromDay, toDay)`.
   */
  previousFromDay: string;
  fromDay: string;
  toDay: string;
}

/** A value for the period asked about and for the one before it. */
export interface PerPeriod<T> {
  current: T;
  previous: T;
}

/** One minute as a server process recorded it (`service_minutes`). */
export interface ServiceMinute {
  /** The start of the minute. */
  minute: Date;
  /** The writing process. */
  instance: string;
  /** The process's self-check passed in this minute. */
  ready: boolean;
  requests: number;
  /** Answers with a 5xx status. */
  errors: number;
  /** Requests per duration bucket (`REQUEST_DURATION_BUCKETS_MS`, plus one for slower than every bound). */
  durationBuckets: number[];
}

export interface ServiceMinuteTotals {
  /** Minutes in which at least one process recorded a row. */
  recordedMinutes: number;
  /** Minutes in which at least one process passed its self-check. */
  readyMinutes: number;
  requests: number;
  errors: number;
  /** Element-wise sum of the rows' duration buckets (empty without rows). */
  buckets: number[];
}

/** Per-minute service records: each process writes its own row once a minute. */
export interface ServiceMinuteRepository {
  /** Writes the row, replacing the process's row of that minute if there is one. */
  record(row: ServiceMinute): Promise<void>;
  /**
   * Totals of both periods, and the first and last minute ever recorded: minutes of a period before
   * the first (CLOS was not running yet) or after the last (not written yet) are not counted as down.
   */
  totals(window: ScorecardWindow): Promise<{
    first: Date | null;
    last: Date | null;
    periods: PerPeriod<ServiceMinuteTotals>;
  }>;
}

/** A production outage: a failed production deployment and the next successful one of its pod and project. */
export interface DeploymentIncident {
  failedAt: Date;
  /** Null while no later production deployment of the pod and project has succeeded. */
  recoveredAt: Date | null;
}

export interface StageStayFacts {
  stage: string;
  stays: number;
  meanDays: number;
}

export interface DemoFacts {
  demos: number;
  /** Pod members (at each demo's cutoff) who submitted, gave feedback or answered the pulse, summed over demos. */
  participants: number;
  /** Pod members at each demo's cutoff, summed over demos. */
  members: number;
  feedbackCount: number;
  feedbackMean: number | null;
  pulseCount: number;
  pulseMean: number | null;
}

export interface ScorecardRepository {
  /**
   * Production deployments (a deployment whose `prod` step finished) finished in each period: how
   * many succeeded, and the incidents that started in it. An incident starts at a failed production
   * deployment whose previous one (same pod and project) did not fail, and ends at the next success.
   */
  deployments(
    window: ScorecardWindow,
  ): Promise<PerPeriod<{ succeeded: number; incidents: DeploymentIncident[] }>>;
  /**
   * Completed stays per stage that ended in each period: from the transition into the stage to the
   * project's next transition, or its shipping. `stageOrder` orders transitions at the same instant.
   */
  stageStays(window: ScorecardWindow, stageOrder: readonly string[]): Promise<PerPeriod<StageStayFacts[]>>;
  /**
   * Refused WIP acquires (`wip.limit_reached` events) and WIP alerts opened because a pod held more
   * than its limit (`details.exceeded`), per period.
   */
  wipViolations(window: ScorecardWindow): Promise<PerPeriod<{ refusals: number; overLimit: number }>>;
  /** Distinct ideas with an evaluation made in each period (a re-evaluation counts when it was made). */
  ideasEvaluated(window: ScorecardWindow): Promise<PerPeriod<number>>;
  /** The latest snapshot of each pod recorded in each period: how many pods, and their mean score. */
  podHealth(window: ScorecardWindow): Promise<PerPeriod<{ pods: number; meanScore: number | null }>>;
  /**
   * Promoted ideas whose project first entered `lastStage` in each period: how many, and the mean
   * days from the idea's submission to that transition.
   */
  ideaToProduction(
    window: ScorecardWindow,
    lastStage: string,
  ): Promise<PerPeriod<{ ideas: number; meanDays: number | null }>>;
  /** Weekly demos whose cutoff falls in each period: participation, feedback and the pulse. */
  demos(window: ScorecardWindow): Promise<PerPeriod<DemoFacts>>;
  /**
   * Active users per period: `userDays` (one per user and day with a recorded use) and `users`
   * (accounts existing and not deactivated at some point of the period).
   */
  activeUsers(window: ScorecardWindow): Promise<PerPeriod<{ userDays: number; users: number }>>;
  /** Slack commands (`slack.command:*`) and dashboard page loads (`dashboard.view`) per period. */
  usage(window: ScorecardWindow): Promise<PerPeriod<{ slackCommands: number; dashboardViews: number }>>;
  /** Workflow runs (deployments' runs aside) started in each period and finished: how many succeeded and failed. */
  workflowRuns(window: ScorecardWindow): Promise<PerPeriod<{ succeeded: number; failed: number }>>;
}
