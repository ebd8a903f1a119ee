import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { REQUEST_DURATION_BUCKETS_MS } from '../usage/request-buckets.ts';
import { buildScorecard, type Scorecard } from './figures.ts';
import { resolveScorecardPeriod } from './period.ts';

/**
 * The success scorecard use case (seed §9, issue 15 §4): every figure for a period and the one before
 * it, from one consistent snapshot, so the figures describe the same instant.
 */
export function createScorecardService(deps: Deps) {
  const { uow, clock, policy } = deps;
  const stages = policy.stages.map((s) => s.name);
  return {
    async get(ctx: Ctx, input: { from?: Date | undefined; to?: Date | undefined } = {}): Promise<Scorecard> {
      assertCan(ctx.actor, 'read');
      const window = resolveScorecardPeriod(input, clock.now());
      const lastStage = stages[stages.length - 1]!;
      const facts = await uow.run(
        async (repos) => {
          const r = repos.scorecard;
          return {
            service: await repos.serviceMinutes.totals(window),
            deployments: await r.deployments(window),
            stageStays: await r.stageStays(window, stages),
            wipViolations: await r.wipViolations(window),
            ideasEvaluated: await r.ideasEvaluated(window),
            podHealth: await r.podHealth(window),
            ideaToProduction: await r.ideaToProduction(window, lastStage),
            demos: await r.demos(window),
            activeUsers: await r.activeUsers(window),
            usage: await r.usage(window),
            workflowRuns: await r.workflowRuns(window),
          };
        },
        { snapshot: true },
      );
      return buildScorecard(window, facts, REQUEST_DURATION_BUCKETS_MS);
    },
  };
}

export type ScorecardService = ReturnType<typeof createScorecardService>;
