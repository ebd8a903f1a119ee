import { describe, expect, it } from 'vitest';
import type { ApprovalRecord, EvidenceRecord, Project, StageTransition } from '../entities.ts';
import {
  auditChainSection,
  buildSoc2Report,
  type ChainCheck,
  describeTransitions,
  NO_OVERRIDES_NOTE,
  soc2Findings,
} from './soc2.ts';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

const PROJECT = { id: 'p1', key: 'payments', name: 'Payments' } as Project;
const emails = new Map([
  ['alice', 'alice@example.com'],
  ['bob', 'bob@example.com'],
  ['carol', 'carol@example.com'],
]);

function transition(patch: Partial<StageTransition> = {}): StageTransition {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    projectId: 'p1',
    fromStage: 'discovery',
    toStage: 'design',
    evidence: { spec: 'x' },
    approvedBy: [],
    actorId: 'alice',
    createdAt: at(10),
    ...patch,
  };
}

const evidence = (
  submittedBy: string,
  minute: number,
  patch: Partial<EvidenceRecord> = {},
): EvidenceRecord => ({
  id: `e${minute}`,
  projectId: 'p1',
  stage: 'design',
  data: { spec: 'x' },
  submittedBy,
  source: null,
  createdAt: at(minute),
  ...patch,
});

const decision = (
  userId: string,
  minute: number,
  decision: 'approve' | 'reject' = 'approve',
  patch: Partial<ApprovalRecord> = {},
): ApprovalRecord => ({
  id: `a${userId}${minute}`,
  projectId: 'p1',
  stage: 'design',
  userId,
  userRole: 'pod-lead',
  userEmail: emails.get(userId)!,
  decision,
  comment: decision === 'reject' ? 'not yet' : null,
  createdAt: at(minute),
  ...patch,
});

const describe1 = (
  t: StageTransition,
  ev: EvidenceRecord[],
  approvals: ApprovalRecord[],
  validate: (stage: string, data: unknown) => { path: string; message: string }[] = () => [],
) =>
  describeTransitions({
    transitions: [t],
    projects: new Map([['p1', PROJECT]]),
    evidence: ev,
    approvals,
    emails,
    validate,
  })[0]!;

describe('describeTransitions', () => {
  it('flags an approval by the person who advanced the project', () => {
    const t = describe1(transition({ approvedBy: ['alice'] }), [evidence('bob', 1)], [decision('alice', 5)]);
    expect(t).toMatchObject({
      project: { id: 'p1', key: 'payments', name: 'Payments' },
      from: 'discovery',
      to: 'design',
      by: 'alice@example.com',
      evidence: { submittedBy: 'bob@example.com', valid: true, problems: [] },
      approvals: [{ approver: 'alice@example.com', counted: true, flags: ['self_approval'] }],
      flags: ['self_approval'],
    });
  });

  it('flags an approval by whoever submitted the evidence the gate accepted (the latest before the move)', () => {
    const t = describe1(
      transition({ approvedBy: ['bob'] }),
      [evidence('carol', 1), evidence('bob', 2), evidence('carol', 20)],
      [decision('bob', 5)],
    );
    expect(t.evidence?.submittedBy).toBe('bob@example.com');
    expect(t.approvals[0]!.flags).toEqual(['approved_by_submitter']);
  });

  it('judges only the decisions that stood when the project moved', () => {
    const t = describe1(
      transition({ approvedBy: ['carol'] }),
      [evidence('alice', 1)],
      [
        decision('alice', 2), // superseded by alice's rejection: not flagged
        decision('alice', 3, 'reject'),
        decision('carol', 4),
        decision('alice', 30), // after the move: not part of it
        decision('carol', 5, 'approve', { stage: 'build' }), // another gate
      ],
    );
    expect(t.approvals.map((a) => [a.approver, a.decision, a.counted, a.flags])).toEqual([
      ['alice@example.com', 'approve', false, []],
      ['alice@example.com', 'reject', false, []],
      ['carol@example.com', 'approve', true, []],
    ]);
    expect(t.flags).toEqual([]);
  });

  it('reports evidence problems against the current schema, no evidence as null, and skips creations', () => {
    const t = describe1(transition(), [evidence('bob', 1)], [], () => [
      { path: 'spec', message: 'is required' },
    ]);
    expect(t.evidence).toMatchObject({ valid: false, problems: ['spec: is required'] });
    expect(describe1(transition({ actorId: null }), [], []).evidence).toBeNull();
    expect(describe1(transition({ actorId: null }), [], []).by).toBe('system');
    expect(
      describeTransitions({
        transitions: [transition({ fromStage: null })],
        projects: new Map(),
        evidence: [],
        approvals: [],
        emails,
        validate: () => [],
      }),
    ).toEqual([]);
  });
});

const ok = { ok: true as const, count: 12 };

describe('auditChainSection', () => {
  const base = { eventsInPeriod: 5, headSequence: 12, chain: ok };

  it('says when no checkpoint is configured or none was taken', () => {
    expect(auditChainSection({ ...base, checkpoint: { status: 'not_configured' } }).checkpoint).toMatchObject(
      {
        status: 'not_configured',
        message: expect.stringContaining('No signed checkpoint configured'),
      },
    );
    expect(
      auditChainSection({ ...base, checkpoint: { status: 'none_taken', keyId: 'abcd' } }).checkpoint,
    ).toMatchObject({ status: 'none_taken', keyId: 'abcd' });
  });

  const checked = (patch: Partial<Extract<ChainCheck['checkpoint'], { status: 'checked' }>>) =>
    auditChainSection({
      ...base,
      checkpoint: {
        status: 'checked',
        sequence: 10,
        time: '2026-03-02T09:00:00.000Z',
        keyId: 'abcd',
        signatureValid: true,
        verdict: { ok: true, count: 12, checkpoints: 1 },
        ...patch,
      },
    });

  it('verifies the log against the latest checkpoint and says what comes after it', () => {
    const section = checked({});
    expect(section).toMatchObject({ valid: true, brokenAt: null, totalEvents: 12, eventsInPeriod: 5 });
    expect(section.checkpoint).toMatchObject({ status: 'verified', sequence: 10, signatureValid: true });
    expect(section.checkpoint.message).toContain('events 11–12 came after it');
  });

  it('fails on a bad signature or a log that no longer matches', () => {
    expect(checked({ signatureValid: false }).checkpoint).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('altered in the database'),
    });
    const rewritten = checked({
      verdict: { ok: false, brokenAt: 4, reason: 'the log was rewritten', count: 3, checkpoints: 1 },
    });
    expect(rewritten.checkpoint.status).toBe('failed');
    expect(rewritten.checkpoint.message).toContain('first sequence not vouched for: 4');
  });
});

describe('soc2Findings and buildSoc2Report', () => {
  it('lists flagged approvals and audit problems, most severe first, and counts them', () => {
    const t = describe1(
      transition({ approvedBy: ['alice'] }),
      [evidence('alice', 1)],
      [decision('alice', 5)],
    );
    const chain = auditChainSection({
      eventsInPeriod: 5,
      headSequence: 12,
      chain: { ok: false, brokenAt: 7, reason: 'event content does not match its hash', count: 6 },
      checkpoint: { status: 'not_configured' },
    });
    expect(soc2Findings([t], chain).map((f) => `${f.severity} ${f.kind} ${f.subject}`)).toEqual([
      'high audit_chain_broken audit log',
      'high self_approval payments: discovery → design',
      'medium approved_by_submitter payments: discovery → design',
      'low audit_checkpoint_missing audit log',
    ]);
    const report = buildSoc2Report({
      now: at(60),
      generatedBy: 'admin@example.com',
      period: { from: at(0), to: at(60) },
      transitions: [t],
      blocks: [
        {
          sequence: 3,
          at: at(2),
          action: 'stage.blocked',
          project: { id: 'p1', key: 'payments', name: 'Payments' },
          reason: 'waiting',
          by: 'bob@example.com',
        },
      ],
      accessChanges: [],
      tokenLifecycle: [],
      auditChain: chain,
    });
    expect(report.summary).toEqual({
      transitions: 1,
      approvals: 1,
      flaggedApprovals: 1,
      blocks: 1,
      unblocks: 0,
      accessChanges: 0,
      tokenEvents: 0,
      auditEvents: 5,
      findings: 4,
      notes: [NO_OVERRIDES_NOTE],
    });
  });
});
