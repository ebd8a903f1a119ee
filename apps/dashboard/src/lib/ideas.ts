import type { ClosClient } from '@clos/contract/client';
import { ideaScore, promotionBlockers, weightedScore } from '@clos/core';

import type { PolicyView } from './policy.ts';

export type IdeasRules = PolicyView['ideas'];
export type IdeaDetail = Awaited<ReturnType<ClosClient['getIdea']>>;
export type IdeaPipeline = Awaited<ReturnType<ClosClient['getDashboardIdeas']>>;
export type IdeaStatus = IdeaDetail['status'];

/** The pipeline's tabs, in the order an idea moves through them; `pending` reads as "Submitted". */
export const IDEA_STATUSES: { status: IdeaStatus; label: string }[] = [
  { status: 'pending', label: 'Submitted' },
  { status: 'promoted', label: 'Promoted' },
  { status: 'archived', label: 'Archived' },
];

/** Slider bounds and step: the server accepts any number on 0–5; half points are enough to decide. */
export const SCORE_MIN = 0;
export const SCORE_MAX = 5;
export const SCORE_STEP = 0.5;

/**
 * One evaluation's weighted score, as the server will store it: the server's own function
 * (`weightedScore` in packages/core/src/ideas/scoring.ts, pure), so the live figure cannot drift.
 */
export function liveScore(rules: IdeasRules, scores: Record<string, number>): number {
  return weightedScore(rules, scores);
}

/**
 * The idea's score once the caller's evaluation is counted: the server keeps one evaluation per
 * evaluator, so the caller's earlier one is replaced, not added.
 */
export function projectedIdeaScore(
  rules: IdeasRules,
  evaluations: { evaluatorId: string; scores: Record<string, number> }[],
  meId: string | null | undefined,
  mine: Record<string, number>,
): { score: number | null; count: number } {
  const others = evaluations.filter((e) => e.evaluatorId !== meId).map((e) => e.scores);
  const all = [...others, mine];
  return { score: ideaScore(rules, all), count: all.length };
}

/** What still keeps an idea from promotion (empty when it qualifies), with the server's wording. */
export function ideaBlockers(rules: IdeasRules, evaluationCount: number, score: number | null): string[] {
  return promotionBlockers(rules, evaluationCount, score).map((b) => b.message);
}

/** A form's scores: null for a criterion not scored yet. */
export type DraftScores = Record<string, number | null>;

/**
 * The scores a form starts from: the caller's earlier evaluation, else unset on every criterion. Not
 * 0: a slider that starts at a value submits that value when nobody touches it, and an idea scored 0
 * by default reads as a judgement nobody made.
 */
export function initialScores(
  rules: IdeasRules,
  evaluations: { evaluatorId: string; scores: Record<string, number> }[],
  meId: string | null | undefined,
): DraftScores {
  const mine = evaluations.find((e) => e.evaluatorId === meId);
  return Object.fromEntries(rules.criteria.map((c) => [c.key, mine?.scores[c.key] ?? null]));
}

/** The criteria still unscored, in the rules' order (their labels). */
export function unscored(rules: IdeasRules, scores: DraftScores): string[] {
  return rules.criteria.filter((c) => typeof scores[c.key] !== 'number').map((c) => c.label);
}

/** The scores once every criterion has one, else null: only then may the form be submitted. */
export function completeScores(rules: IdeasRules, scores: DraftScores): Record<string, number> | null {
  const complete: Record<string, number> = {};
  for (const c of rules.criteria) {
    const value = scores[c.key];
    if (typeof value !== 'number') return null;
    complete[c.key] = value;
  }
  return complete;
}

export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined ? '—' : score.toFixed(2);
}

/** The ideas with `status`, newest first as the server lists them. */
export function ideasWith(pipeline: IdeaPipeline, status: IdeaStatus) {
  return pipeline.ideas.filter((i) => i.status === status);
}

export type IdeaSort = 'newest' | 'score' | 'evaluations';
export const IDEA_SORTS: { sort: IdeaSort; label: string }[] = [
  { sort: 'newest', label: 'Newest first' },
  { sort: 'score', label: 'Highest score first' },
  { sort: 'evaluations', label: 'Most evaluations first' },
];

/**
 * Orders a list of ideas. By score, unscored ideas go last (an idea nobody evaluated is not a low
 * score); ties keep the server's order, newest first.
 */
export function sortIdeas<T extends { score: number | null; evaluations: number }>(
  ideas: readonly T[],
  sort: IdeaSort,
): T[] {
  if (sort === 'score') return [...ideas].sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
  if (sort === 'evaluations') return [...ideas].sort((a, b) => b.evaluations - a.evaluations);
  return [...ideas];
}
