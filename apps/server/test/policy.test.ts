import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

describe.each(testEngines())('GET /api/v1/policy on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, {
      wip: {
        types: [
          { name: 'project', defaultLimit: 2 },
          { name: 'bug', defaultLimit: 7 },
        ],
      },
      ideas: {
        criteria: [
          { key: 'impact', label: 'Impact', weight: 3 },
          { key: 'ease', label: 'Ease', weight: 1 },
        ],
        minEvaluations: 3,
        promotionThreshold: 3.5,
      },
    });
  });
  afterAll(() => h.close());

  it('gives any token the stages with their gates, the WIP types and the idea scoring rules', async () => {
    const viewer = await h.userWithToken('viewer');
    const res = await h.call('GET', '/api/v1/policy', undefined, viewer.token);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.wip.types).toEqual([
      { name: 'project', defaultLimit: 2 },
      { name: 'bug', defaultLimit: 7 },
    ]);
    expect(body.ideas).toEqual({
      criteria: [
        { key: 'impact', label: 'Impact', weight: 3 },
        { key: 'ease', label: 'Ease', weight: 1 },
      ],
      minEvaluations: 3,
      promotionThreshold: 3.5,
    });
    // The configured stages, in order; only the first enters without a gate.
    const policy = h.services.policy;
    expect(body.stages.map((s: { name: string }) => s.name)).toEqual(policy.stages.map((s) => s.name));
    expect(body.stages[0].gate).toBeNull();
    const second = policy.stages[1]!;
    expect(body.stages[1]).toEqual({
      name: second.name,
      description: second.description ?? null,
      gate: { evidence: second.gate!.evidence, approvals: second.gate!.approvals },
    });
    // Nothing about pods, rhythms or notification targets.
    expect(Object.keys(body).sort()).toEqual(['ideas', 'stages', 'wip']);
  });

  it('refuses without a token', async () => {
    const res = await h.call('GET', '/api/v1/policy', undefined, null);
    expect(res.statusCode).toBe(401);
  });
});
