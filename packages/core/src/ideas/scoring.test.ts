import { describe, expect, it } from 'vitest';
import type { IdeasPolicy } from '../policy.ts';
import { checkScores, ideaScore, promotionBlockers, weightedScore } from './scoring.ts';

const POLICY: IdeasPolicy = {
  criteria: [
    { key: 'impact', label: 'Impact', weight: 3 },
    { key: 'confidence', label: 'Confidence', weight: 2 },
    { key: 'ease', label: 'Ease', weight: 1 },
  ],
  minEvaluations: 2,
  promotionThreshold: 3.5,
};

/** Two criteria weighted 1 and 2: every evaluation's mean is a multiple of 1/3. */
const THIRDS: IdeasPolicy = {
  criteria: [
    { key: 'a', label: 'A', weight: 1 },
    { key: 'b', label: 'B', weight: 2 },
  ],
  minEvaluations: 1,
  promotionThreshold: 3,
};

const full = { impact: 4, confidence: 3, ease: 5 };

describe('checkScores', () => {
  it('accepts every criterion scored on 0–5, including the bounds and fractions', () => {
    expect(checkScores(POLICY, full)).toEqual([]);
    expect(checkScores(POLICY, { impact: 0, confidence: 5, ease: 2.5 })).toEqual([]);
  });

  it('requires every criterion', () => {
    expect(checkScores(POLICY, { impact: 4 })).toEqual([
      { path: 'scores.confidence', message: 'is required' },
      { path: 'scores.ease', message: 'is required' },
    ]);
  });

  it('requires everything of an empty score sheet', () => {
    expect(checkScores(POLICY, {}).map((p) => p.path)).toEqual([
      'scores.impact',
      'scores.confidence',
      'scores.ease',
    ]);
  });

  it.each([
    ['below 0', -0.1],
    ['above 5', 5.01],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['a numeric string', '4'],
    ['null', null],
    ['a boolean', true],
  ])('refuses a score that is %s', (_label, value) => {
    expect(checkScores(POLICY, { ...full, confidence: value })).toEqual([
      { path: 'scores.confidence', message: 'must be a number from 0 to 5' },
    ]);
  });

  it('refuses unknown criteria, naming the known ones', () => {
    expect(checkScores(POLICY, { ...full, impcat: 4 })).toEqual([
      { path: 'scores.impcat', message: 'is not a criterion (expected one of: impact, confidence, ease)' },
    ]);
  });

  it('reports a typo as both the unknown key and the missing criterion', () => {
    const problems = checkScores(POLICY, { impcat: 4, confidence: 3, ease: 5 });
    expect(problems.map((p) => p.path).sort()).toEqual(['scores.impact', 'scores.impcat']);
  });

  it('reports every problem at once', () => {
    const problems = checkScores(POLICY, { impact: 7, extra: 1 });
    expect(problems).toEqual([
      { path: 'scores.impact', message: 'must be a number from 0 to 5' },
      { path: 'scores.confidence', message: 'is required' },
      { path: 'scores.ease', message: 'is required' },
      { path: 'scores.extra', message: 'is not a criterion (expected one of: impact, confidence, ease)' },
    ]);
  });
});

describe('weightedScore', () => {
  it('is the weighted mean of the criteria', () => {
    // (3·4 + 2·3 + 1·5) / 6 = 23/6 = 3.8333…
    expect(weightedScore(POLICY, full)).toBe(3.83);
  });

  it('weighs heavier criteria more', () => {
    expect(weightedScore(POLICY, { impact: 5, confidence: 0, ease: 0 })).toBe(2.5);
    expect(weightedScore(POLICY, { impact: 0, confidence: 0, ease: 5 })).toBe(0.83);
  });

  it('is the score itself when every criterion has it', () => {
    expect(weightedScore(POLICY, { impact: 2, confidence: 2, ease: 2 })).toBe(2);
    expect(weightedScore(POLICY, { impact: 5, confidence: 5, ease: 5 })).toBe(5);
    expect(weightedScore(POLICY, { impact: 0, confidence: 0, ease: 0 })).toBe(0);
  });

  it('depends only on the proportions of the weights', () => {
    const doubled: IdeasPolicy = {
      ...POLICY,
      criteria: POLICY.criteria.map((c) => ({ ...c, weight: c.weight * 2 })),
    };
    expect(weightedScore(doubled, full)).toBe(weightedScore(POLICY, full));
  });

  it('rounds to 2 decimals, half up', () => {
    expect(weightedScore(THIRDS, { a: 2, b: 0 })).toBe(0.67);
    expect(weightedScore(THIRDS, { a: 1, b: 0 })).toBe(0.33);
    const single: IdeasPolicy = { ...THIRDS, criteria: [{ key: 'x', label: 'X', weight: 1 }] };
    // 1.005 is stored as 1.00499999…; rounding on the decimal form rounds it up as a person would.
    expect(weightedScore(single, { x: 1.005 })).toBe(1.01);
    // Beyond 2, a fixed epsilon no longer helps: 2.135 * 100 = 213.49999… in binary.
    for (const [v, want] of [
      [2.135, 2.14],
      [4.015, 4.02],
      [3.445, 3.45],
      [0.125, 0.13],
    ] as const)
      expect(weightedScore(single, { x: v })).toBe(want);
    expect(weightedScore(single, { x: 2.344 })).toBe(2.34);
  });

  it('counts a missing criterion as 0', () => {
    expect(weightedScore(POLICY, { impact: 4, confidence: 3 })).toBe(3);
  });

  it('is 0 when all weights are 0', () => {
    const zero: IdeasPolicy = { ...THIRDS, criteria: [{ key: 'a', label: 'A', weight: 0 }] };
    expect(weightedScore(zero, { a: 4 })).toBe(0);
  });
});

describe('ideaScore', () => {
  it('is null without evaluations', () => {
    expect(ideaScore(POLICY, [])).toBeNull();
  });

  it('is the weighted mean of a single evaluation', () => {
    expect(ideaScore(POLICY, [full])).toBe(3.83);
  });

  it('averages over evaluations', () => {
    // 23/6 and 2 → (3.8333 + 2) / 2 = 2.9167
    expect(ideaScore(POLICY, [full, { impact: 2, confidence: 2, ease: 2 }])).toBe(2.92);
    expect(
      ideaScore(THIRDS, [
        { a: 5, b: 5 },
        { a: 0, b: 0 },
        { a: 4, b: 1 },
      ]),
    ).toBe(2.33);
  });

  it('rounds once, not per evaluation', () => {
    const evaluations = [
      { a: 0, b: 1 },
      { a: 0, b: 1 },
      { a: 0, b: 0 },
    ];
    // Each of the first two is 2/3 (0.67 rounded); exact mean 4/9 = 0.444… → 0.44, whereas the mean of
    // the rounded scores, (0.67 + 0.67 + 0) / 3 = 0.4467, would round to 0.45.
    const perEvaluation = evaluations.map((e) => weightedScore(THIRDS, e));
    expect(perEvaluation).toEqual([0.67, 0.67, 0]);
    const roundedFirst = Math.round((perEvaluation.reduce((s, x) => s + x, 0) / 3) * 100) / 100;
    expect(roundedFirst).toBe(0.45);
    expect(ideaScore(THIRDS, evaluations)).toBe(0.44);
  });

  it('does not depend on the order of evaluations', () => {
    const evaluations = [full, { impact: 1, confidence: 5, ease: 0 }, { impact: 3, confidence: 3, ease: 3 }];
    expect(ideaScore(POLICY, [...evaluations].reverse())).toBe(ideaScore(POLICY, evaluations));
  });

  it('counts a missing criterion as 0', () => {
    expect(ideaScore(POLICY, [{ impact: 4, confidence: 3 }])).toBe(3);
  });
});

describe('promotionBlockers', () => {
  it('is empty with enough evaluations and a score at the threshold', () => {
    expect(promotionBlockers(POLICY, 2, 3.5)).toEqual([]);
    expect(promotionBlockers(POLICY, 10, 5)).toEqual([]);
  });

  it('blocks on too few evaluations', () => {
    expect(promotionBlockers(POLICY, 1, 4)).toEqual([
      { kind: 'evaluations', required: 2, received: 1, message: 'needs 2 evaluations, has 1' },
    ]);
  });

  it('blocks on a score below the threshold', () => {
    expect(promotionBlockers(POLICY, 3, 3.49)).toEqual([
      {
        kind: 'score',
        threshold: 3.5,
        score: 3.49,
        message: 'score 3.49 is below the promotion threshold 3.5',
      },
    ]);
  });

  it('blocks on a missing score, and on both at once', () => {
    expect(promotionBlockers(POLICY, 0, null)).toEqual([
      { kind: 'evaluations', required: 2, received: 0, message: 'needs 2 evaluations, has 0' },
      {
        kind: 'score',
        threshold: 3.5,
        score: null,
        message: 'score none is below the promotion threshold 3.5',
      },
    ]);
  });

  it('treats a score of 0 as a score, not as missing', () => {
    const zeroThreshold: IdeasPolicy = { ...POLICY, promotionThreshold: 0 };
    expect(promotionBlockers(zeroThreshold, 2, 0)).toEqual([]);
    expect(promotionBlockers(zeroThreshold, 2, null).map((b) => b.kind)).toEqual(['score']);
  });
});
