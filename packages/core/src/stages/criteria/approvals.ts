/**
 * Enough approvals from the roles the gate lists. Also home of `countableDecisions`, which the
 * rejection criterion shares: both judge the same latest decision of each eligible user.
 */
import { ROLES, type Role } from '../../auth/roles.ts';
import type { ApprovalRecord } from '../../entities.ts';
import type { GatePolicy, JsonSchema } from '../../policy.ts';
import type { CriterionKind, GateView } from './criterion-kind.ts';

export type ApprovalsCriterion = {
  kind: 'approvals';
  met: boolean;
  required: number;
  received: number;
  roles: Role[];
  approvers: string[];
  message: string;
};

/** `stages[].gate.approvals`: read by the approvals criterion and (its roles) by the rejection one. */
export const APPROVALS_CONFIG_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    count: { type: 'integer', minimum: 0, description: 'How many counted approvals the gate needs.' },
    roles: {
      type: 'array',
      items: { type: 'string', enum: [...ROLES] },
      default: [],
      description: 'The roles whose approvals and rejections count.',
    },
  },
  required: ['count'],
  additionalProperties: false,
};

/**
 * Approvals that count: the latest decision of each user, from users whose current role is listed
 * for the gate. A user approving twice counts once; a later reject replaces an earlier approve.
 */
export function countableDecisions(gate: GatePolicy, approvals: ApprovalRecord[]) {
  const latest = new Map<string, ApprovalRecord>();
  for (const a of [...approvals].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime())) {
    latest.set(a.userId, a);
  }
  const eligible = [...latest.values()].filter((a) =>
    (gate.approvals.roles as string[]).includes(a.userRole),
  );
  return {
    approvals: eligible.filter((a) => a.decision === 'approve'),
    rejections: eligible.filter((a) => a.decision === 'reject'),
  };
}

/** The step that clears both too few approvals and a rejection: an approval, from a listed role. */
export function approveStep(gate: GateView): string {
  const roles = gate.criteria.find((c) => c.kind === 'approvals')?.roles;
  const listed = Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
  const who = listed.length ? ` (as ${listed.join(' or ')})` : '';
  return `approve${who}: clos stage approve --project ${gate.projectId}`;
}

export const approvalsKind: CriterionKind<ApprovalsCriterion> = {
  kind: 'approvals',
  phase: 'gate',
  group: 'decision',
  configSchema: { approvals: APPROVALS_CONFIG_SCHEMA },
  evaluate({ gate, approvals: decisions }) {
    const { approvals } = countableDecisions(gate, decisions);
    const required = gate.approvals.count;
    const received = approvals.length;
    return [
      {
        kind: 'approvals',
        met: received >= required,
        required,
        received,
        roles: gate.approvals.roles,
        approvers: approvals.map((a) => a.userEmail),
        message:
          received >= required
            ? required === 0
              ? 'no approvals required'
              : `approved by ${received} (${required} required)`
            : `needs ${required - received} more approval${required - received === 1 ? '' : 's'} from ${gate.approvals.roles.join(' or ')} (${received} of ${required})`,
      },
    ];
  },
  describe: { label: 'Approvals', nextStep: approveStep },
};
