import { assertCan } from '../auth/permissions.ts';
import type { Role } from '../auth/roles.ts';
import type { Ctx, Deps } from '../context.ts';
import type { IdeaCriterion, JsonSchema } from '../policy.ts';

/**
 * The parts of the operating model a client needs to act within it: the stages and what each gate
 * asks for, the WIP item types, and how ideas are scored and promoted. Pods, members, rhythms,
 * webhooks and notification targets are left out: they are not needed to act, and webhook URLs
 * may carry secrets.
 */
export interface PolicyView {
  stages: {
    name: string;
    description: string | null;
    /** Null on the first stage, which projects enter without a gate. */
    gate: { evidence: JsonSchema; approvals: { count: number; roles: Role[] } } | null;
  }[];
  wip: { types: { name: string; defaultLimit: number }[] };
  ideas: { criteria: IdeaCriterion[]; minEvaluations: number; promotionThreshold: number };
}

/** Reads the operating model in force (`GET /api/v1/policy`). */
export function createPolicyViewService(deps: Deps) {
  const { policy } = deps;
  return {
    /** The stages, WIP types and idea scoring rules, in the order the configuration lists them. */
    get(ctx: Ctx): PolicyView {
      assertCan(ctx.actor, 'read');
      return {
        stages: policy.stages.map((s) => ({
          name: s.name,
          description: s.description ?? null,
          gate: s.gate
            ? {
                evidence: s.gate.evidence,
                approvals: { count: s.gate.approvals.count, roles: [...s.gate.approvals.roles] },
              }
            : null,
        })),
        wip: { types: policy.wip.types.map((t) => ({ name: t.name, defaultLimit: t.defaultLimit })) },
        ideas: {
          criteria: policy.ideas.criteria.map((c) => ({ key: c.key, label: c.label, weight: c.weight })),
          minEvaluations: policy.ideas.minEvaluations,
          promotionThreshold: policy.ideas.promotionThreshold,
        },
      };
    },
  };
}

export type PolicyViewService = ReturnType<typeof createPolicyViewService>;
