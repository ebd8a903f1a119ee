/**
 * Gate evaluation: which criteria stand between a project and its next stage. Pure: the caller loads
 * the project, its latest evidence and approvals; this decides.
 */

import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as addFormatsModule from 'ajv-formats';
import type { ApprovalRecord, Project } from '../entities.ts';
import type { GatePolicy, StagePolicy } from '../policy.ts';

// ajv-formats ships CommonJS with `exports.default`; under NodeNext the default import is the module.
const addFormats = addFormatsModule.default as unknown as typeof addFormatsModule.default.default;

export type GateCriterion =
  | { kind: 'not_closed'; met: false; message: string }
  | { kind: 'not_blocked'; met: boolean; message: string }
  | { kind: 'evidence'; met: boolean; path: string; message: string }
  | {
      kind: 'approvals';
      met: boolean;
      required: number;
      received: number;
      roles: string[];
      approvers: string[];
      message: string;
    }
  | { kind: 'rejection'; met: false; by: string; comment: string | null; message: string };

export interface GateEvaluation {
  projectId: string;
  currentStage: string;
  /** Null when the project is in the last stage. */
  nextStage: string | null;
  ready: boolean;
  criteria: GateCriterion[];
}

/** Compiled evidence validators, one per gated stage; build once per loaded policy. */
export class GateValidators {
  private readonly byStage = new Map<string, ValidateFunction>();

  constructor(stages: StagePolicy[]) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    for (const stage of stages) {
      if (stage.gate) this.byStage.set(stage.name, ajv.compile(stage.gate.evidence));
    }
  }

  /** Each schema violation of `evidence` for entering `stage`, as a field path and a human message. */
  validate(stage: string, evidence: unknown): { path: string; message: string }[] {
    const validate = this.byStage.get(stage);
    if (!validate) return [];
    if (validate(evidence)) return [];
    return (validate.errors ?? []).map(describeAjvError);
  }
}

function describeAjvError(error: ErrorObject): { path: string; message: string } {
  const base = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const path = base ? `${base}.${missing}` : missing;
    return { path, message: `evidence field "${path}" is required` };
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const path = base ? `${base}.${extra}` : extra;
    return { path, message: `evidence field "${path}" is not allowed` };
  }
  const path = base || '(root)';
  return { path, message: `evidence field "${path}" ${error.message ?? 'is invalid'}` };
}

export function nextStageOf(stages: StagePolicy[], current: string): StagePolicy | null {
  const index = stages.findIndex((s) => s.name === current);
  return index >= 0 ? (stages[index + 1] ?? null) : null;
}

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

export function evaluateGate(input: {
  project: Project;
  stages: StagePolicy[];
  validators: GateValidators;
  /** The latest evidence submitted for the next stage, if any. */
  evidence: Record<string, unknown> | null;
  approvals: ApprovalRecord[];
}): GateEvaluation {
  const { project, stages, validators } = input;
  const next = nextStageOf(stages, project.currentStage);
  const base = { projectId: project.id, currentStage: project.currentStage };
  if (project.closedAt)
    return {
      ...base,
      nextStage: null,
      ready: false,
      criteria: [
        {
          kind: 'not_closed',
          met: false,
          message: `project is closed (${project.outcome}); it has no next gate`,
        },
      ],
    };
  if (!next?.gate) return { ...base, nextStage: null, ready: false, criteria: [] };

  const criteria: GateCriterion[] = [];
  criteria.push(
    project.blockedReason === null
      ? { kind: 'not_blocked', met: true, message: 'project is not blocked' }
      : { kind: 'not_blocked', met: false, message: `project is blocked: ${project.blockedReason}` },
  );

  if (input.evidence === null) {
    const problems = validators.validate(next.name, {});
    criteria.push(
      problems.length === 0
        ? { kind: 'evidence', met: true, path: '(root)', message: 'no evidence is required' }
        : {
            kind: 'evidence',
            met: false,
            path: '(root)',
            message: `no evidence submitted for stage "${next.name}"`,
          },
    );
    for (const p of problems) criteria.push({ kind: 'evidence', met: false, ...p });
  } else {
    const problems = validators.validate(next.name, input.evidence);
    if (problems.length === 0)
      criteria.push({ kind: 'evidence', met: true, path: '(root)', message: 'evidence is valid' });
    for (const p of problems) criteria.push({ kind: 'evidence', met: false, ...p });
  }

  const gate = next.gate;
  const { approvals, rejections } = countableDecisions(gate, input.approvals);
  const required = gate.approvals.count;
  const received = approvals.length;
  criteria.push({
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
  });
  for (const r of rejections) {
    criteria.push({
      kind: 'rejection',
      met: false,
      by: r.userEmail,
      comment: r.comment,
      message: `rejected by ${r.userEmail}${r.comment ? `: ${r.comment}` : ''}; they must approve to clear it`,
    });
  }

  return { ...base, nextStage: next.name, ready: criteria.every((c) => c.met), criteria };
}
