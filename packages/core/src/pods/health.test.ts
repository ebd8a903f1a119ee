import { describe, expect, it } from 'vitest';
import type { HealthMetrics } from '../entities.ts';
import type { HealthPolicy } from '../policy.ts';
import { checkHealthMetrics, HEALTH_METRICS, healthComponents, healthScore } from './health.ts';

const POLICY: HealthPolicy = {
  weights: {
    velocity: 0.25,
    wipUtilisation: 0.2,
    blockedItems: 0.2,
    cycleTime: 0.15,
    deploymentSuccess: 0.2,
    blockedTime: 0.1,
    gateRefusals: 0.1,
    demoParticipation: 0.1,
  },
  cycleTimeTargetDays: 4,
  blockedItemsTolerance: 5,
  blockedDaysTolerance: 5,
  windowDays: 14,
  compute: true,
  computeAt: '06:00',
};
const NEW_WEIGHTS_OFF = { blockedTime: 0, gateRefusals: 0, demoParticipation: 0 };

const ALL_PERFECT: HealthMetrics = {
  velocity: 1,
  wipUtilisation: 0.8,
  blockedItems: 0,
  cycleTimeDays: 2,
  deploymentSuccess: 1,
};

const component = (metrics: HealthMetrics, key: string) => healthComponents(POLICY, metrics)[key];

describe('healthComponents', () => {
  it.each([
    [0, 0],
    [0.6, 0.6],
    [1, 1],
    [1.4, 1],
    [3, 1],
  ])('velocity %d → %d (capped at 1)', (velocity, expected) => {
    expect(component({ velocity }, 'velocity')).toBeCloseTo(expected, 10);
  });

  it.each([
    [0, 1],
    [0.5, 1],
    [1, 1],
    [1.1, 0.8],
    [1.25, 0.5],
    [1.5, 0],
    [2, 0],
    [10, 0],
  ])('wipUtilisation %d → %d', (wipUtilisation, expected) => {
    expect(component({ wipUtilisation }, 'wipUtilisation')).toBeCloseTo(expected, 10);
  });

  it.each([
    [0, 1],
    [1, 0.8],
    [2, 0.6],
    [4, 0.2],
    [5, 0],
    [8, 0],
  ])('blockedItems %d with tolerance 5 → %d', (blockedItems, expected) => {
    expect(component({ blockedItems }, 'blockedItems')).toBeCloseTo(expected, 10);
  });

  it('scales blockedItems by the tolerance', () => {
    const lenient: HealthPolicy = { ...POLICY, blockedItemsTolerance: 10 };
    expect(healthComponents(lenient, { blockedItems: 5 }).blockedItems).toBeCloseTo(0.5, 10);
    const strict: HealthPolicy = { ...POLICY, blockedItemsTolerance: 1 };
    expect(healthComponents(strict, { blockedItems: 1 }).blockedItems).toBe(0);
  });

  it.each([
    [0, 1],
    [2, 1],
    [4, 1], // at the target
    [5, 0.75],
    [6, 0.5], // 1.5× the target
    [7, 0.25],
    [8, 0], // 2× the target
    [20, 0],
  ])('cycleTimeDays %d with target 4 → %d', (cycleTimeDays, expected) => {
    expect(component({ cycleTimeDays }, 'cycleTime')).toBeCloseTo(expected, 10);
  });

  it('scales cycle time by the target', () => {
    const slow: HealthPolicy = { ...POLICY, cycleTimeTargetDays: 10 };
    expect(healthComponents(slow, { cycleTimeDays: 10 }).cycleTime).toBe(1);
    expect(healthComponents(slow, { cycleTimeDays: 15 }).cycleTime).toBeCloseTo(0.5, 10);
    expect(healthComponents(slow, { cycleTimeDays: 20 }).cycleTime).toBe(0);
  });

  it.each([
    [0, 0],
    [0.37, 0.37],
    [0.9, 0.9],
    [1, 1],
  ])('deploymentSuccess %d → %d', (deploymentSuccess, expected) => {
    expect(component({ deploymentSuccess }, 'deploymentSuccess')).toBeCloseTo(expected, 10);
  });

  it.each([
    [0, 1],
    [1, 0.8],
    [2.5, 0.5],
    [5, 0],
    [12, 0],
  ])('blockedDays %d with tolerance 5 → blockedTime %d', (blockedDays, expected) => {
    expect(component({ blockedDays }, 'blockedTime')).toBeCloseTo(expected, 10);
  });

  it.each([
    [0, 1],
    [0.25, 0.75],
    [0.5, 0.5],
    [1, 0],
    [3, 0],
  ])('gateRefusals %d per project → %d', (gateRefusals, expected) => {
    expect(component({ gateRefusals }, 'gateRefusals')).toBeCloseTo(expected, 10);
  });

  it.each([
    [0, 0],
    [0.4, 0.4],
    [1, 1],
  ])('demoParticipation %d → %d', (demoParticipation, expected) => {
    expect(component({ demoParticipation }, 'demoParticipation')).toBeCloseTo(expected, 10);
  });

  it('has a component only for each metric present, named cycleTime for cycleTimeDays', () => {
    expect(healthComponents(POLICY, {})).toEqual({});
    expect(healthComponents(POLICY, { velocity: 0.5, cycleTimeDays: 6 })).toEqual({
      velocity: 0.5,
      cycleTime: 0.5,
    });
    expect(Object.keys(healthComponents(POLICY, ALL_PERFECT)).sort()).toEqual([
      'blockedItems',
      'cycleTime',
      'deploymentSuccess',
      'velocity',
      'wipUtilisation',
    ]);
  });

  it('keeps every component within 0–1 for extreme inputs', () => {
    const extremes: HealthMetrics[] = [
      { velocity: 100, wipUtilisation: 100, blockedItems: 100, cycleTimeDays: 1000, deploymentSuccess: 1 },
      { velocity: 0, wipUtilisation: 0, blockedItems: 0, cycleTimeDays: 0, deploymentSuccess: 0 },
    ];
    for (const m of extremes) {
      for (const value of Object.values(healthComponents(POLICY, m))) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('healthScore', () => {
  it('is 100 when every component is perfect and 0 when every one is worst', () => {
    expect(healthScore(POLICY, ALL_PERFECT).score).toBe(100);
    expect(
      healthScore(POLICY, {
        velocity: 0,
        wipUtilisation: 2,
        blockedItems: 5,
        cycleTimeDays: 8,
        deploymentSuccess: 0,
      }).score,
    ).toBe(0);
  });

  it('returns the components it scored', () => {
    expect(healthScore(POLICY, { velocity: 0.5, blockedItems: 1 })).toEqual({
      score: 63, // (0.25·0.5 + 0.2·0.8) / (0.25 + 0.2) = 0.6333…
      components: { velocity: 0.5, blockedItems: 0.8 },
    });
  });

  it('is the weighted mean over the present metrics only', () => {
    // A pod that does not deploy is not marked down for it.
    expect(healthScore(POLICY, { velocity: 0.5 }).score).toBe(50);
    expect(healthScore(POLICY, { deploymentSuccess: 0.9 }).score).toBe(90);
    // (0.25·1 + 0.2·0.5) / (0.25 + 0.2) = 0.35 / 0.45 = 0.777…
    expect(healthScore(POLICY, { velocity: 1, deploymentSuccess: 0.5 }).score).toBe(78);
    // Equal components average to themselves whatever the weights.
    expect(healthScore(POLICY, { velocity: 0.3, deploymentSuccess: 0.3, wipUtilisation: 1.35 }).score).toBe(
      30,
    );
  });

  it('uses the weights', () => {
    const velocityHeavy: HealthPolicy = {
      ...POLICY,
      weights: { ...POLICY.weights, velocity: 3, deploymentSuccess: 1 },
    };
    // (3·1 + 1·0) / 4
    expect(healthScore(velocityHeavy, { velocity: 1, deploymentSuccess: 0 }).score).toBe(75);
    const deployHeavy: HealthPolicy = {
      ...POLICY,
      weights: { ...POLICY.weights, velocity: 1, deploymentSuccess: 3 },
    };
    expect(healthScore(deployHeavy, { velocity: 1, deploymentSuccess: 0 }).score).toBe(25);
  });

  it('weighs cycle time by the cycleTime weight', () => {
    const cycleOnly: HealthPolicy = {
      ...POLICY,
      weights: {
        velocity: 1,
        wipUtilisation: 0,
        blockedItems: 0,
        cycleTime: 3,
        deploymentSuccess: 0,
        ...NEW_WEIGHTS_OFF,
      },
    };
    // (1·0 + 3·1) / 4
    expect(healthScore(cycleOnly, { velocity: 0, cycleTimeDays: 1 }).score).toBe(75);
  });

  it('ignores a present metric whose weight is 0', () => {
    const noDeploys: HealthPolicy = { ...POLICY, weights: { ...POLICY.weights, deploymentSuccess: 0 } };
    expect(healthScore(noDeploys, { velocity: 0.8, deploymentSuccess: 0 }).score).toBe(80);
  });

  it('is 0 when nothing present carries weight', () => {
    const noVelocity: HealthPolicy = { ...POLICY, weights: { ...POLICY.weights, velocity: 0 } };
    expect(healthScore(noVelocity, { velocity: 1 }).score).toBe(0);
    expect(healthScore(POLICY, {}).score).toBe(0);
  });

  it('is an integer from 0 to 100', () => {
    const samples: HealthMetrics[] = [
      { velocity: 0.333 },
      { velocity: 0.555, blockedItems: 3 },
      { wipUtilisation: 1.2, cycleTimeDays: 5.3, deploymentSuccess: 0.71 },
      { velocity: 9, wipUtilisation: 9, blockedItems: 99, cycleTimeDays: 99, deploymentSuccess: 1 },
    ];
    for (const m of samples) {
      const { score } = healthScore(POLICY, m);
      expect(Number.isInteger(score)).toBe(true);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
    }
    expect(healthScore(POLICY, { velocity: 0.333 }).score).toBe(33);
    expect(healthScore(POLICY, { velocity: 0.336 }).score).toBe(34);
  });
});

describe('checkHealthMetrics', () => {
  it('accepts valid metrics', () => {
    expect(checkHealthMetrics(POLICY, ALL_PERFECT)).toEqual([]);
    expect(checkHealthMetrics(POLICY, { velocity: 0 })).toEqual([]);
    expect(checkHealthMetrics(POLICY, { deploymentSuccess: 1, blockedItems: 3 })).toEqual([]);
  });

  it('requires at least one metric, naming them all', () => {
    expect(checkHealthMetrics(POLICY, {})).toEqual([
      {
        path: 'metrics',
        message:
          'must contain at least one of: velocity, wipUtilisation, blockedItems, cycleTimeDays, deploymentSuccess, blockedDays, gateRefusals, demoParticipation',
      },
    ]);
    expect(HEALTH_METRICS).toEqual([
      'velocity',
      'wipUtilisation',
      'blockedItems',
      'cycleTimeDays',
      'deploymentSuccess',
      'blockedDays',
      'gateRefusals',
      'demoParticipation',
    ]);
  });

  it('refuses a deployment success rate above 1', () => {
    expect(checkHealthMetrics(POLICY, { deploymentSuccess: 1.01 })).toEqual([
      { path: 'metrics.deploymentSuccess', message: 'must be a rate from 0 to 1' },
    ]);
    expect(checkHealthMetrics(POLICY, { deploymentSuccess: 95 })).toHaveLength(1);
  });

  it('refuses a demo participation share above 1, and weighs blockedDays by blockedTime', () => {
    expect(checkHealthMetrics(POLICY, { demoParticipation: 1.5 })).toEqual([
      { path: 'metrics.demoParticipation', message: 'must be a rate from 0 to 1' },
    ]);
    expect(checkHealthMetrics(POLICY, { gateRefusals: 2, blockedDays: 7.5 })).toEqual([]);
    const noBlockedTime: HealthPolicy = { ...POLICY, weights: { ...POLICY.weights, blockedTime: 0 } };
    expect(checkHealthMetrics(noBlockedTime, { blockedDays: 1 })).toEqual([
      { path: 'metrics', message: 'every submitted metric has weight 0 in the health policy' },
    ]);
    expect(checkHealthMetrics(POLICY, { gateRefusals: -1 })).toEqual([
      { path: 'metrics.gateRefusals', message: 'must be a finite number ≥ 0' },
    ]);
  });

  it('refuses a fractional number of blocked items', () => {
    expect(checkHealthMetrics(POLICY, { blockedItems: 2.5 })).toEqual([
      { path: 'metrics.blockedItems', message: 'must be a whole number' },
    ]);
  });

  it('refuses metrics that all have weight 0', () => {
    const weights = {
      velocity: 0,
      wipUtilisation: 0.2,
      blockedItems: 0.2,
      cycleTime: 0,
      deploymentSuccess: 0.2,
      ...NEW_WEIGHTS_OFF,
    };
    const policy: HealthPolicy = { ...POLICY, weights };
    const problem = { path: 'metrics', message: 'every submitted metric has weight 0 in the health policy' };
    expect(checkHealthMetrics(policy, { velocity: 1 })).toEqual([problem]);
    // cycleTimeDays is weighted by `cycleTime`.
    expect(checkHealthMetrics(policy, { velocity: 1, cycleTimeDays: 3 })).toEqual([problem]);
    // One weighted metric is enough.
    expect(checkHealthMetrics(policy, { velocity: 1, blockedItems: 0 })).toEqual([]);
    expect(checkHealthMetrics(POLICY, { cycleTimeDays: 3 })).toEqual([]);
  });

  it('looks up cycleTimeDays under the cycleTime weight', () => {
    const onlyCycle: HealthPolicy = {
      ...POLICY,
      weights: {
        velocity: 0,
        wipUtilisation: 0,
        blockedItems: 0,
        cycleTime: 1,
        deploymentSuccess: 0,
        ...NEW_WEIGHTS_OFF,
      },
    };
    expect(checkHealthMetrics(onlyCycle, { cycleTimeDays: 3 })).toEqual([]);
    const allButCycle: HealthPolicy = {
      ...POLICY,
      weights: {
        velocity: 1,
        wipUtilisation: 1,
        blockedItems: 1,
        cycleTime: 0,
        deploymentSuccess: 1,
        ...NEW_WEIGHTS_OFF,
      },
    };
    expect(checkHealthMetrics(allButCycle, { cycleTimeDays: 3 })).toEqual([
      { path: 'metrics', message: 'every submitted metric has weight 0 in the health policy' },
    ]);
  });

  it('reports every problem at once', () => {
    const policy: HealthPolicy = {
      ...POLICY,
      weights: {
        velocity: 1,
        wipUtilisation: 1,
        blockedItems: 0,
        cycleTime: 1,
        deploymentSuccess: 0,
        ...NEW_WEIGHTS_OFF,
      },
    };
    expect(checkHealthMetrics(policy, { blockedItems: 1.5, deploymentSuccess: 2 })).toEqual([
      { path: 'metrics', message: 'every submitted metric has weight 0 in the health policy' },
      { path: 'metrics.deploymentSuccess', message: 'must be a rate from 0 to 1' },
      { path: 'metrics.blockedItems', message: 'must be a whole number' },
    ]);
  });
});
