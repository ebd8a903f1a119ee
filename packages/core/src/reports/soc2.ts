/**
 * The SOC 2 report (seed §6.2 `generateSOC2Report`): change-management evidence for a period. Every
 * move through a gate with the evidence and decisions it rested on, segregation of duties checked;
 * blocks; access changes and token lifecycle; and whether the audit log itself can be trusted. Pure:
 * the report service loads the records and runs the chain walks, this assembles and judges.
 */

import type { ChainVerdict } from '../audit/chain.ts';
import type { CheckpointVerdict } from '../audit/checkpoint.ts';
import type { Role } from '../auth/roles.ts';
import type {
  ApprovalDecision,
  ApprovalRecord,
  AuditEvent,
  EvidenceRecord,
  Project,
  StageTransition,
} from '../entities.ts';
import { type ReportAccessChange, type ReportFinding, sortFindings } from './access.ts';
import type { ReportPeriod } from './period.ts';

/**
 * Segregation of duties: `self_approval` when the approver is who advanced the project,
 * `approved_by_submitter` when the approver submitted the evidence the gate accepted.
 */
export type SodFlag = 'self_approval' | 'approved_by_submitter';

export interface ReportProject {
  id: string;
  key: string | null;
  name: string | null;
}

export interface Soc2Approval {
  approver: string;
  /** The approver's role now (roles are not versioned; the audit log has their changes). */
  approverRole: Role;
  at: Date;
  decision: ApprovalDecision;
  comment: string | null;
  /** One of the approvals the gate counted when the project moved. */
  counted: boolean;
  flags: SodFlag[];
}

export interface Soc2Evidence {
  submittedBy: string | null;
  at: Date;
  source: string | null;
  /** Whether the evidence the gate accepted satisfies the stage's evidence schema as configured now. */
  valid: boolean;
  problems: string[];
}

export interface Soc2Transition {
  id: string;
  project: ReportProject;
  from: string;
  to: string;
  at: Date;
  by: string;
  evidence: Soc2Evidence | null;
  approvals: Soc2Approval[];
  flags: SodFlag[];
}

export interface Soc2Block {
  sequence: number;
  at: Date;
  action: 'stage.blocked' | 'stage.unblocked';
  project: ReportProject;
  reason: string | null;
  by: string;
}

export type CheckpointStatus = 'verified' | 'failed' | 'none_taken' | 'not_configured';

export interface Soc2AuditChain {
  eventsInPeriod: number;
  totalEvents: number;
  valid: boolean;
  brokenAt: number | null;
  reason: string | null;
  checkpoint: {
    status: CheckpointStatus;
    sequence: number | null;
    time: Date | null;
    keyId: string | null;
    signatureValid: boolean | null;
    message: string;
  };
}

export interface Soc2Report {
  report: 'soc2';
  generatedAt: Date;
  generatedBy: string;
  period: ReportPeriod;
  summary: {
    transitions: number;
    approvals: number;
    flaggedApprovals: number;
    blocks: number;
    unblocks: number;
    accessChanges: number;
    tokenEvents: number;
    auditEvents: number;
    findings: number;
    notes: string[];
  };
  findings: ReportFinding[];
  transitions: Soc2Transition[];
  blocks: Soc2Block[];
  accessChanges: ReportAccessChange[];
  tokenLifecycle: ReportAccessChange[];
  auditChain: Soc2AuditChain;
}

/** Said in every SOC 2 report: the domain has no way around a gate, so there is nothing to list. */
export const NO_OVERRIDES_NOTE =
  'Overrides: none possible. CLOS has no gate override; a project moves only when every criterion of its gate is met, so every transition below passed its gate.';

const day = (d: Date) => d.toISOString().slice(0, 10);

/** A project as a report names it; key and name are null if it cannot be found. */
export function reportProject(id: string, projects: ReadonlyMap<string, Project>): ReportProject {
  const project = projects.get(id);
  return { id, key: project?.key ?? null, name: project?.name ?? null };
}

const projectLabel = (p: ReportProject) => p.key ?? p.name ?? p.id;

export interface TransitionInput {
  transitions: readonly StageTransition[];
  projects: ReadonlyMap<string, Project>;
  /** Every evidence submission of the projects concerned. */
  evidence: readonly EvidenceRecord[];
  /** Every gate decision on the projects concerned. */
  approvals: readonly ApprovalRecord[];
  /** User id → email. */
  emails: ReadonlyMap<string, string>;
  /** The stage's evidence schema problems (`GateValidators.validate`). */
  validate: (stage: string, evidence: unknown) => { path: string; message: string }[];
}

/**
 * Each move with what it rested on: the evidence the gate judged (the latest submitted for the stage
 * before the move), every decision on the gate before the move, and the segregation-of-duties flags
 * of the approvals that stood when it moved (each approver's latest decision).
 */
export function describeTransitions(input: TransitionInput): Soc2Transition[] {
  const emailOf = (id: string | null) => (id ? (input.emails.get(id) ?? id) : null);
  return input.transitions
    .filter((t): t is StageTransition & { fromStage: string } => t.fromStage !== null)
    .map((t) => {
      const at = t.createdAt.getTime();
      const forGate = <R extends { projectId: string; stage: string; createdAt: Date }>(rows: readonly R[]) =>
        rows
          .filter((r) => r.projectId === t.projectId && r.stage === t.toStage && r.createdAt.getTime() <= at)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      const submitted = forGate(input.evidence).at(-1) ?? null;
      const decisions = forGate(input.approvals);
      const standing = new Map<string, ApprovalRecord>();
      for (const d of decisions) standing.set(d.userId, d);

      const approvals: Soc2Approval[] = decisions.map((d) => {
        const stands = standing.get(d.userId) === d && d.decision === 'approve';
        const flags: SodFlag[] = [];
        if (stands && t.actorId !== null && d.userId === t.actorId) flags.push('self_approval');
        if (stands && submitted?.submittedBy != null && d.userId === submitted.submittedBy)
          flags.push('approved_by_submitter');
        return {
          approver: d.userEmail,
          approverRole: d.userRole,
          at: d.createdAt,
          decision: d.decision,
          comment: d.comment,
          counted: stands && t.approvedBy.includes(d.userId),
          flags,
        };
      });
      const problems = submitted ? input.validate(t.toStage, t.evidence) : [];
      return {
        id: t.id,
        project: reportProject(t.projectId, input.projects),
        from: t.fromStage,
        to: t.toStage,
        at: t.createdAt,
        by: emailOf(t.actorId) ?? 'system',
        evidence: submitted
          ? {
              submittedBy: emailOf(submitted.submittedBy),
              at: submitted.createdAt,
              source: submitted.source,
              valid: problems.length === 0,
              problems: problems.map((p) => `${p.path}: ${p.message}`),
            }
          : null,
        approvals,
        flags: [...new Set(approvals.flatMap((a) => a.flags))],
      };
    });
}

/** `stage.blocked` / `stage.unblocked` audit events as report rows. */
export function describeBlocks(
  events: readonly AuditEvent[],
  projects: ReadonlyMap<string, Project>,
): Soc2Block[] {
  return events
    .filter(
      (e): e is AuditEvent & { action: Soc2Block['action'] } =>
        e.action === 'stage.blocked' || e.action === 'stage.unblocked',
    )
    .map((e) => ({
      sequence: e.sequence,
      at: e.occurredAt,
      action: e.action,
      project: reportProject(e.subjectId, projects),
      reason: e.reason,
      by: e.actorLabel,
    }));
}

/** What the service found walking the audit chain (in one snapshot). */
export interface ChainCheck {
  eventsInPeriod: number;
  /** The chain head's sequence: how many events the log should hold. */
  headSequence: number;
  chain: ChainVerdict;
  checkpoint:
    | { status: 'not_configured' }
    | { status: 'none_taken'; keyId: string }
    | {
        status: 'checked';
        sequence: number;
        time: string;
        keyId: string;
        signatureValid: boolean;
        verdict: CheckpointVerdict;
      };
}

/** The audit chain section: the chain's own verification and the latest signed checkpoint's. */
export function auditChainSection(check: ChainCheck): Soc2AuditChain {
  const chain = check.chain;
  const base = {
    eventsInPeriod: check.eventsInPeriod,
    totalEvents: check.headSequence,
    valid: chain.ok,
    brokenAt: chain.ok ? null : chain.brokenAt,
    reason: chain.ok ? null : chain.reason,
  };
  const c = check.checkpoint;
  if (c.status === 'not_configured')
    return {
      ...base,
      checkpoint: {
        status: 'not_configured',
        sequence: null,
        time: null,
        keyId: null,
        signatureValid: null,
        message:
          'No signed checkpoint configured: the chain shows the log is consistent with itself, not that it was not rewritten and re-hashed as a whole (docs/audit.md#signed-checkpoints)',
      },
    };
  if (c.status === 'none_taken')
    return {
      ...base,
      checkpoint: {
        status: 'none_taken',
        sequence: null,
        time: null,
        keyId: c.keyId,
        signatureValid: null,
        message: `No checkpoint has been signed yet with the audit key ${c.keyId}; take one (GET /api/v1/audit/checkpoint) or wait for the periodic one`,
      },
    };
  const vouched = `checkpoint ${c.sequence} signed at ${c.time} (key ${c.keyId})`;
  const tail =
    check.headSequence > c.sequence
      ? `; events ${c.sequence + 1}–${check.headSequence} came after it and rest on the chain alone until the next checkpoint`
      : '';
  const verified = c.signatureValid && c.verdict.ok;
  return {
    ...base,
    checkpoint: {
      status: verified ? 'verified' : 'failed',
      sequence: c.sequence,
      time: new Date(c.time),
      keyId: c.keyId,
      signatureValid: c.signatureValid,
      message: !c.signatureValid
        ? `The stored ${vouched} does not carry a valid signature of this server's key: it was altered in the database`
        : c.verdict.ok
          ? `The log up to event ${c.sequence} is the one ${vouched} vouches for${tail}`
          : `The log no longer matches ${vouched}: ${c.verdict.reason} (first sequence not vouched for: ${c.verdict.brokenAt})`,
    },
  };
}

/** Findings of the period: every flagged approval, and an audit log that cannot be fully trusted. */
export function soc2Findings(transitions: readonly Soc2Transition[], chain: Soc2AuditChain): ReportFinding[] {
  const findings: ReportFinding[] = [];
  for (const t of transitions) {
    const subject = `${projectLabel(t.project)}: ${t.from} → ${t.to}`;
    for (const a of t.approvals) {
      if (a.flags.includes('self_approval'))
        findings.push({
          kind: 'self_approval',
          severity: 'high',
          subject,
          message: `${a.approver} approved the gate (${day(a.at)}) and advanced the project themselves (${day(t.at)}): segregation of duties needs a second person${a.counted ? '' : ' (their approval did not count toward the gate)'}`,
        });
      if (a.flags.includes('approved_by_submitter'))
        findings.push({
          kind: 'approved_by_submitter',
          severity: 'medium',
          subject,
          message: `${a.approver} approved the gate and had submitted the evidence it accepted${a.counted ? '' : ' (their approval did not count toward the gate)'}`,
        });
    }
  }
  if (!chain.valid)
    findings.push({
      kind: 'audit_chain_broken',
      severity: 'high',
      subject: 'audit log',
      message: `The audit chain breaks at event ${chain.brokenAt}: ${chain.reason}; run clos audit verify and restore the log from a backup`,
    });
  if (chain.checkpoint.status === 'failed')
    findings.push({
      kind: 'audit_checkpoint_failed',
      severity: 'high',
      subject: 'audit log',
      message: chain.checkpoint.message,
    });
  if (chain.checkpoint.status === 'not_configured' || chain.checkpoint.status === 'none_taken')
    findings.push({
      kind: 'audit_checkpoint_missing',
      severity: 'low',
      subject: 'audit log',
      message: chain.checkpoint.message,
    });
  return sortFindings(findings);
}

export interface Soc2ReportInput {
  now: Date;
  generatedBy: string;
  period: ReportPeriod;
  transitions: Soc2Transition[];
  blocks: Soc2Block[];
  accessChanges: ReportAccessChange[];
  tokenLifecycle: ReportAccessChange[];
  auditChain: Soc2AuditChain;
  /** What the report leaves out (a section cut at its row limit). */
  notes?: string[];
}

/** Assembles the SOC 2 report, its findings and its summary. */
export function buildSoc2Report(input: Soc2ReportInput): Soc2Report {
  const findings = soc2Findings(input.transitions, input.auditChain);
  const approvals = input.transitions.flatMap((t) => t.approvals);
  return {
    report: 'soc2',
    generatedAt: input.now,
    generatedBy: input.generatedBy,
    period: input.period,
    summary: {
      transitions: input.transitions.length,
      approvals: approvals.length,
      flaggedApprovals: approvals.filter((a) => a.flags.length > 0).length,
      blocks: input.blocks.filter((b) => b.action === 'stage.blocked').length,
      unblocks: input.blocks.filter((b) => b.action === 'stage.unblocked').length,
      accessChanges: input.accessChanges.length,
      tokenEvents: input.tokenLifecycle.length,
      auditEvents: input.auditChain.eventsInPeriod,
      findings: findings.length,
      notes: [NO_OVERRIDES_NOTE, ...(input.notes ?? [])],
    },
    findings,
    transitions: input.transitions,
    blocks: input.blocks,
    accessChanges: input.accessChanges,
    tokenLifecycle: input.tokenLifecycle,
    auditChain: input.auditChain,
  };
}
