import { computeHealthInTx } from '@clos/core';
import type { WorkflowDefinition } from '../engine.ts';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';

export const POD_HEALTH = 'pod-health';

/**
 * Computed pod health (issue 15 §5): every day at `health.computeAt` in each pod's own time zone,
 * derives the pod's health from CLOS's own data and records it as a `computed` snapshot. One run per
 * pod and local day (the run key), and at most one computed snapshot per pod and local day (checked
 * in the step's transaction), so extra ticks, extra workers and retries record nothing twice.
 */
export function podHealthModule(env: RuntimeEnv): RuntimeModule {
  const workflow: WorkflowDefinition<{ localDate?: string }> = {
    name: POD_HEALTH,
    steps: [
      {
        name: 'compute',
        async run(ctx) {
          const pod = ctx.run.podId ? await ctx.repos.pods.byId(ctx.run.podId) : null;
          if (!pod) return { skipped: 'the pod no longer exists' };
          const outcome = await computeHealthInTx(env.deps, ctx.repos, pod, ctx.now);
          return outcome.status === 'recorded'
            ? {
                pod: pod.slug,
                status: outcome.status,
                score: outcome.snapshot.score,
                metrics: outcome.snapshot.metrics,
              }
            : outcome;
        },
      },
    ],
  };
  return {
    name: POD_HEALTH,
    workflows: [workflow as WorkflowDefinition<never>],
    schedules(policy, pods) {
      if (!policy.health.compute) return [];
      return pods.map((pod) => ({
        workflow: POD_HEALTH,
        podId: pod.id,
        input: {},
        spec: { key: `${POD_HEALTH}:${pod.id}`, timeZone: pod.timezone, time: policy.health.computeAt },
      }));
    },
  };
}
