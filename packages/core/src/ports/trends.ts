/**
 * Weekly aggregates over the history CLOS keeps (stage transitions, WIP locks, ideas, evaluations
 * and the audit log), for the dashboard's trends. Every method is one SQL aggregate statement over
 * the window it is given, answering sparse rows keyed by week index: weeks without a row had none.
 */

/**
 * The weeks asked about: `weeks` consecutive 7-day buckets starting at `from` (a Monday 00:00 UTC).
 * The last bucket ends at `now` rather than at its Sunday night, so "this week" is read so far.
 */
export interface TrendWindow {
  from: Date;
  weeks: number;
  now: Date;
}

/** Open projects in a stage at the end of week `week`. */
export interface StageAtWeekEnd {
  week: number;
  stage: string;
  count: number;
}

/** Projects shipped or cancelled at or before the end of week `week` (cumulative). */
export interface ClosedAtWeekEnd {
  week: number;
  shipped: number;
  cancelled: number;
}

/** Stays in `stage` that ended during week `week`, in days. */
export interface StayDaysInWeek {
  week: number;
  stage: string;
  stays: number;
  medianDays: number;
  meanDays: number;
}

/** Transitions between stages, and projects shipped or cancelled, during week `week`. */
export interface ThroughputInWeek {
  week: number;
  advanced: number;
  shipped: number;
  cancelled: number;
}

/** WIP locks a pod held of one item type at the end of week `week`. */
export interface WipAtWeekEnd {
  week: number;
  podId: string;
  itemType: string;
  used: number;
}

/** What happened to ideas during week `week`. */
export interface IdeaFlowInWeek {
  week: number;
  submitted: number;
  evaluated: number;
  promoted: number;
  archived: number;
}

export interface TrendsRepository {
  /**
   * Per week and stage, the open projects standing in it at the week's end: the stage of their
   * latest transition at or before that instant, not counting projects closed by then. `stageOrder`
   * orders transitions of one project recorded at the same instant (projects only move forward).
   */
  stagesAtWeekEnd(window: TrendWindow, stageOrder: readonly string[]): Promise<StageAtWeekEnd[]>;
  /** Per week, projects closed (by outcome) at or before its end. */
  closedAtWeekEnd(window: TrendWindow): Promise<ClosedAtWeekEnd[]>;
  /**
   * Per week and stage, the completed stays that ended in it: a stay runs from the transition into a
   * stage to the project's next transition, or to its shipping (a cancelled stay is not complete).
   */
  stayDaysByWeek(window: TrendWindow, stageOrder: readonly string[]): Promise<StayDaysInWeek[]>;
  throughputByWeek(window: TrendWindow): Promise<ThroughputInWeek[]>;
  /** Per week, pod and item type, the locks held at the week's end (acquired by then, not yet released). */
  wipAtWeekEnd(window: TrendWindow): Promise<WipAtWeekEnd[]>;
  /**
   * Per week: ideas submitted, evaluations made (a re-evaluation replaces the evaluator's earlier one,
   * so it counts in the week of the latest), and promotions and archivals from the audit log.
   */
  ideaFlowByWeek(window: TrendWindow): Promise<IdeaFlowInWeek[]>;
}
