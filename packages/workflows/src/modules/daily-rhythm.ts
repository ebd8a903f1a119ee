import { RHYTHM_PHASES, type RhythmPhase, storeDigestInTx } from '@clos/core';
import type { WorkflowDefinition } from '../engine.ts';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';

export const DAILY_RHYTHM = 'daily-rhythm';

interface DailyRhythmInput {
  phase: RhythmPhase;
  /** The pod's local date the schedule fired for (YYYY-MM-DD). */
  localDate: string;
}

/**
 * DailyRhythm (issue 4 §3): at each phase's time in each pod's own time zone, build and store the
 * pod's digest (unblock, commit or recap) and announce it with `rhythm.digest_ready`, which the
 * notifications module turns into a message. One run per pod, phase and local day (the run key), one
 * digest per pod, day and phase (a unique index), so extra ticks and extra processes change nothing.
 */
export function dailyRhythmModule(env: RuntimeEnv): RuntimeModule {
  const workflow: WorkflowDefinition<DailyRhythmInput> = {
    name: DAILY_RHYTHM,
    steps: [
      {
        name: 'digest',
        async run(ctx) {
          const pod = ctx.run.podId ? await ctx.repos.pods.byId(ctx.run.podId) : null;
          if (!pod) return { skipped: 'the pod no longer exists' };
          const { phase, localDate } = ctx.input;
          const { digest, created } = await storeDigestInTx(
            env.deps,
            ctx.repos,
            pod,
            phase,
            localDate,
            ctx.run.id,
          );
          return {
            digestId: digest.id,
            pod: pod.slug,
            phase,
            day: localDate,
            created,
            counts: digest.content.counts,
          };
        },
      },
    ],
  };
  return {
    name: DAILY_RHYTHM,
    workflows: [workflow as WorkflowDefinition<never>],
    schedules(policy, pods) {
      const daily = policy.rhythms.daily;
      if (!daily.enabled) return [];
      return pods.flatMap((pod) =>
        RHYTHM_PHASES.map((phase) => ({
          workflow: DAILY_RHYTHM,
          podId: pod.id,
          input: { phase },
          spec: {
            key: `${DAILY_RHYTHM}:${phase}:${pod.id}`,
            timeZone: pod.timezone,
            time: daily[phase],
            days: daily.days,
          },
        })),
      );
    },
  };
}
