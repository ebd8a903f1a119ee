import { closeDemoInTx, type DemoPhase, openDemoInTx, presentDemoInTx } from '@clos/core';
import type { WorkflowDefinition } from '../engine.ts';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';

export const WEEKLY_DEMO = 'weekly-demo';

interface WeeklyDemoInput {
  phase: DemoPhase;
  /** The pod's local date the schedule fired for (YYYY-MM-DD). */
  localDate: string;
}

const PHASES = { open: openDemoInTx, present: presentDemoInTx, close: closeDemoInTx } as const;

/**
 * WeeklyDemo (issue 4 §3), per pod in its time zone: `open` creates the week's demo (collecting
 * until the cutoff), `present` orders the agenda and starts taking feedback, `close` aggregates the
 * feedback. Each phase changes only a demo in the state before it, so a second run does nothing.
 */
export function weeklyDemoModule(env: RuntimeEnv): RuntimeModule {
  const workflow: WorkflowDefinition<WeeklyDemoInput> = {
    name: WEEKLY_DEMO,
    steps: [
      {
        name: 'apply',
        async run(ctx) {
          const pod = ctx.run.podId ? await ctx.repos.pods.byId(ctx.run.podId) : null;
          if (!pod) return { skipped: 'the pod no longer exists' };
          const phase = PHASES[ctx.input.phase];
          if (!phase) throw new Error(`unknown weekly-demo phase "${ctx.input.phase}"`);
          return { pod: pod.slug, ...(await phase(env.deps, ctx.repos, pod, ctx.input.localDate)) };
        },
      },
    ],
  };
  return {
    name: WEEKLY_DEMO,
    workflows: [workflow as WorkflowDefinition<never>],
    schedules(policy, pods) {
      const demo = policy.rhythms.weeklyDemo;
      if (!demo.enabled) return [];
      const when = { open: demo.opens, present: demo.cutoff, close: demo.closes } as const;
      return pods.flatMap((pod) =>
        (Object.keys(when) as DemoPhase[]).map((phase) => ({
          workflow: WEEKLY_DEMO,
          podId: pod.id,
          input: { phase },
          spec: {
            key: `${WEEKLY_DEMO}:${phase}:${pod.id}`,
            timeZone: pod.timezone,
            time: when[phase].time,
            days: [when[phase].day],
          },
        })),
      );
    },
  };
}
