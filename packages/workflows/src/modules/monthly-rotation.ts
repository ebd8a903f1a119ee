import {
  type Ctx,
  loadRotationPods,
  localDateTime,
  proposeRotation,
  type RotationMove,
  SYSTEM_ACTOR,
} from '@clos/core';
import type { WorkflowDefinition } from '../engine.ts';
import type { RuntimeEnv, RuntimeModule } from '../module.ts';

export const MONTHLY_ROTATION = 'monthly-rotation';

interface RotationInput {
  /** The local date the schedule fired for (YYYY-MM-DD, in `rotation.timezone`). */
  localDate?: string;
}

interface Proposal {
  month: string;
  moves: RotationMove[];
  missingPods: string[];
}

const SYSTEM: Ctx = { actor: SYSTEM_ACTOR, requestId: null };

/**
 * MonthlyRotation (issue 4 §3): on the configured day and time, propose moves between the pods of
 * each exchange, apply them through `pods.rotate`, and announce `rotation.completed`. The proposal is
 * stored as the first step's output, so what was applied can always be read back from the run.
 */
export function monthlyRotationModule(_env: RuntimeEnv): RuntimeModule {
  const workflow: WorkflowDefinition<RotationInput> = {
    name: MONTHLY_ROTATION,
    steps: [
      {
        name: 'propose',
        async run(ctx): Promise<Proposal> {
          const rotation = ctx.policy.rotation;
          const { pods, missing } = await loadRotationPods(ctx.repos, rotation);
          return {
            month: (ctx.input.localDate ?? localDateTime(ctx.now, rotation.timezone).date).slice(0, 7),
            moves: proposeRotation(rotation, pods),
            missingPods: missing,
          };
        },
      },
      {
        name: 'apply',
        // Every move joins the step's transaction: all of them commit with the step's "succeeded"
        // mark, or none do and the retry starts over from the same proposal.
        async run(ctx) {
          const { moves } = ctx.outputs.propose as Proposal;
          const applied: RotationMove[] = [];
          const skipped: (RotationMove & { reason: string })[] = [];
          for (const move of moves) {
            // The proposal may be older than the pods (a retry hours later, a manual change in
            // between): a move that no longer fits is recorded as skipped instead of failing the run
            // forever.
            const [from, to] = [await ctx.repos.pods.bySlug(move.from), await ctx.repos.pods.bySlug(move.to)];
            const stillThere = from && (await ctx.repos.pods.activeMembership(from.id, move.userId));
            const alreadyThere = to && (await ctx.repos.pods.activeMembership(to.id, move.userId));
            if (!from || !to || !stillThere || alreadyThere) {
              skipped.push({
                ...move,
                reason:
                  !from || !to
                    ? 'pod no longer exists'
                    : !stillThere
                      ? 'no longer a member'
                      : 'already a member',
              });
              continue;
            }
            await ctx.services.pods.rotate(SYSTEM, move.from, { email: move.email, toPod: move.to });
            applied.push(move);
          }
          return { applied, skipped };
        },
      },
      {
        name: 'notify',
        async run(ctx) {
          const { month } = ctx.outputs.propose as Proposal;
          const { applied, skipped } = ctx.outputs.apply as { applied: RotationMove[]; skipped: unknown[] };
          const moves = applied.map(({ email, from, to }) => ({ email, from, to }));
          await ctx.repos.events.emit({
            type: 'rotation.completed',
            podId: null,
            subjectType: 'workflow_run',
            subjectId: ctx.run.id,
            actorId: null,
            data: { month, moves, skipped: skipped.length },
            occurredAt: ctx.now,
          });
          return { month, moved: moves.length };
        },
      },
    ],
  };

  return {
    name: MONTHLY_ROTATION,
    workflows: [workflow as WorkflowDefinition<never>],
    schedules: (policy) => {
      const r = policy.rotation;
      if (!r.enabled || r.exchanges.length === 0) return [];
      return [
        {
          workflow: MONTHLY_ROTATION,
          // Company-wide: one run per month, keyed `monthly-rotation:<local date>`.
          spec: { key: MONTHLY_ROTATION, timeZone: r.timezone, time: r.time, dayOfMonth: r.dayOfMonth },
          podId: null,
          input: {},
        },
      ];
    },
  };
}
