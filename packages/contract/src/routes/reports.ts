/**
 * Compliance reports (seed §6.2, docs/reports.md): who has access and how (the access report), and
 * the change-management evidence of a period (the SOC 2 report). Each answers JSON by default; with
 * `format=csv` or `format=pdf` the same content comes as a file to download.
 */
import type { AccessReport, Soc2Report } from '@clos/core';
import { z } from 'zod';
import { type Json, roleSchema } from '../api.ts';
import { ts, uuid } from './common.ts';
import type { RouteDefinition } from './definition.ts';

export const REPORT_FORMATS = ['json', 'csv', 'pdf'] as const;
export const reportFormatSchema = z
  .enum(REPORT_FORMATS)
  .meta({ description: 'json (default), csv (one file, a block per section) or pdf' });

const format = reportFormatSchema.optional();

export const accessReportQuery = z.strictObject({
  format,
  from: ts
    .optional()
    .meta({ description: 'start of the "access changes" period; default: 90 days before `to`' }),
  to: ts.optional().meta({ description: 'end of the period; default: now' }),
});

export const soc2ReportQuery = z.strictObject({
  format,
  from: ts.meta({ description: 'start of the period (inclusive)' }),
  to: ts.meta({ description: 'end of the period (inclusive); at most 1 year after `from`' }),
});

const count = z.number().int().min(0);

export const reportPeriodSchema = z.object({ from: ts, to: ts }).meta({ id: 'ReportPeriod' });

export const reportFindingSchema = z
  .object({
    kind: z.enum([
      'token_unused',
      'admin_token_never_expires',
      'admin_without_mfa',
      'deactivated_user_token',
      'self_approval',
      'approved_by_submitter',
      'audit_chain_broken',
      'audit_checkpoint_failed',
      'audit_checkpoint_missing',
    ]),
    severity: z.enum(['high', 'medium', 'low']),
    subject: z
      .string()
      .meta({ description: 'what the finding is about: a user, a token, a project, the log' }),
    message: z.string().meta({ description: 'the finding in words, with what to do about it' }),
  })
  .meta({ id: 'ReportFinding' });

export const reportAccessChangeSchema = z
  .object({
    sequence: z.number().int().meta({ description: 'the audit event it comes from' }),
    at: ts,
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    subject: z.string().meta({ description: 'the subject in words (an email, a token name, a pod slug)' }),
    actor: z.string().meta({ description: 'who made the change (the audit log’s actor label)' }),
    summary: z.string().meta({ description: 'what changed: `field: before → after`, …' }),
    reason: z.string().nullable(),
  })
  .meta({ id: 'ReportAccessChange' });

export const reportSessionSchema = z
  .object({
    id: uuid,
    createdAt: ts,
    lastSeenAt: ts,
    expiresAt: ts,
    ip: z.string().nullable(),
    role: roleSchema.meta({ description: 'the role in force in the session' }),
    mfa: z.boolean(),
  })
  .meta({ id: 'ReportSession' });

export const reportTokenSchema = z
  .object({
    id: uuid,
    name: z.string(),
    role: roleSchema,
    pods: z.array(z.string()).meta({ description: 'pod slugs the token is limited to; empty: every pod' }),
    allowedCidrs: z.array(z.string()).meta({ description: 'where it may be used from; empty: anywhere' }),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: ts,
    lastUsedAt: ts.nullable(),
    expiresAt: ts.nullable(),
    revokedAt: ts.nullable(),
  })
  .meta({ id: 'ReportToken' });

export const accessReportUserSchema = z
  .object({
    id: uuid,
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    status: z.enum(['active', 'deactivated']),
    deactivatedAt: ts.nullable(),
    createdAt: ts,
    pods: z.array(z.object({ slug: z.string(), podRole: z.enum(['lead', 'member']) })),
    signInMethod: z
      .enum(['sso', 'token'])
      .meta({ description: 'sso once they have signed in through the identity provider; token otherwise' }),
    lastSignInAt: ts.nullable(),
    mfa: z.boolean().nullable().meta({
      description: 'whether their latest SSO session had a second factor; null: never signed in with SSO',
    }),
    sessions: z.array(reportSessionSchema).meta({ description: 'open SSO sessions' }),
    tokens: z.array(reportTokenSchema).meta({ description: 'every API token they hold or held' }),
  })
  .meta({ id: 'AccessReportUser' });

export const accessReportSchema = z
  .object({
    report: z.literal('access'),
    generatedAt: ts,
    generatedBy: z.string(),
    period: reportPeriodSchema.meta({
      description: 'the period of `accessChanges`; the rest is as of `generatedAt`',
    }),
    summary: z.object({
      users: count,
      activeUsers: count,
      deactivatedUsers: count,
      admins: count.meta({ description: 'active admins' }),
      ssoUsers: count,
      openSessions: count,
      activeTokens: count,
      findings: count,
      high: count,
      medium: count,
      low: count,
      accessChanges: count,
      notes: z.array(z.string()),
    }),
    findings: z.array(reportFindingSchema).meta({ description: 'most severe first' }),
    users: z.array(accessReportUserSchema),
    accessChanges: z.array(reportAccessChangeSchema).meta({ description: 'oldest first' }),
  })
  .meta({ id: 'AccessReport' });

const sodFlag = z.enum(['self_approval', 'approved_by_submitter']).meta({
  description: 'segregation of duties: the approver also advanced the project, or submitted its evidence',
});

export const reportProjectSchema = z
  .object({ id: z.string(), key: z.string().nullable(), name: z.string().nullable() })
  .meta({ id: 'ReportProject' });

export const soc2ApprovalSchema = z
  .object({
    approver: z.string().meta({ description: 'the approver’s email' }),
    approverRole: roleSchema.meta({ description: 'the approver’s role when the report was generated' }),
    at: ts,
    decision: z.enum(['approve', 'reject']),
    comment: z.string().nullable(),
    counted: z
      .boolean()
      .meta({ description: 'one of the approvals the gate counted when the project moved' }),
    flags: z.array(sodFlag),
  })
  .meta({ id: 'Soc2Approval' });

export const soc2TransitionSchema = z
  .object({
    id: uuid,
    project: reportProjectSchema,
    from: z.string(),
    to: z.string(),
    at: ts,
    by: z.string().meta({ description: 'who advanced the project' }),
    evidence: z
      .object({
        submittedBy: z.string().nullable(),
        at: ts,
        source: z.string().nullable().meta({ description: 'the pull request it came from, if any' }),
        valid: z
          .boolean()
          .meta({ description: 'whether it satisfies the gate’s evidence schema (as configured now)' }),
        problems: z.array(z.string()),
      })
      .nullable()
      .meta({ description: 'the evidence the gate accepted; null when none was submitted' }),
    approvals: z
      .array(soc2ApprovalSchema)
      .meta({ description: 'every decision on the gate before the move' }),
    flags: z.array(sodFlag),
  })
  .meta({ id: 'Soc2Transition' });

export const soc2BlockSchema = z
  .object({
    sequence: z.number().int(),
    at: ts,
    action: z.enum(['stage.blocked', 'stage.unblocked']),
    project: reportProjectSchema,
    reason: z.string().nullable(),
    by: z.string(),
  })
  .meta({ id: 'Soc2Block' });

export const soc2AuditChainSchema = z
  .object({
    eventsInPeriod: count,
    totalEvents: count,
    valid: z.boolean().meta({ description: 'every hash of the whole chain recomputes' }),
    brokenAt: z.number().int().nullable().meta({ description: 'the first sequence that does not verify' }),
    reason: z.string().nullable(),
    checkpoint: z.object({
      status: z.enum(['verified', 'failed', 'none_taken', 'not_configured']),
      sequence: z.number().int().nullable(),
      time: ts.nullable(),
      keyId: z.string().nullable(),
      signatureValid: z.boolean().nullable(),
      message: z.string(),
    }),
  })
  .meta({ id: 'Soc2AuditChain' });

export const soc2ReportSchema = z
  .object({
    report: z.literal('soc2'),
    generatedAt: ts,
    generatedBy: z.string(),
    period: reportPeriodSchema,
    summary: z.object({
      transitions: count,
      approvals: count,
      flaggedApprovals: count,
      blocks: count,
      unblocks: count,
      accessChanges: count,
      tokenEvents: count,
      auditEvents: count,
      findings: count,
      notes: z
        .array(z.string())
        .meta({ description: 'what the report cannot show, and why (e.g. overrides)' }),
    }),
    findings: z.array(reportFindingSchema).meta({ description: 'most severe first' }),
    transitions: z.array(soc2TransitionSchema).meta({ description: 'oldest first' }),
    blocks: z.array(soc2BlockSchema),
    accessChanges: z.array(reportAccessChangeSchema),
    tokenLifecycle: z.array(reportAccessChangeSchema),
    auditChain: soc2AuditChainSchema,
  })
  .meta({ id: 'Soc2Report' });

export const reportRoutes = {
  getAccessReport: {
    method: 'GET',
    path: '/api/v1/reports/access',
    query: accessReportQuery,
    responses: { 200: accessReportSchema },
    permission: 'reports:read',
    summary:
      'Access report: every user with role, pods, sign-in method, MFA, sessions and tokens; findings; access changes in the period (format=csv|pdf for a file)',
    tags: ['reports'],
  },
  getSoc2Report: {
    method: 'GET',
    path: '/api/v1/reports/soc2',
    query: soc2ReportQuery,
    responses: { 200: soc2ReportSchema },
    permission: 'reports:read',
    summary:
      'SOC 2 report for a period: stage transitions with evidence and approvals (segregation of duties flagged), blocks, access changes, token lifecycle, audit chain verification (format=csv|pdf for a file)',
    tags: ['reports'],
  },
} as const satisfies Record<string, RouteDefinition>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type _ReportContractChecks = [
  Check<Same<z.infer<typeof accessReportSchema>, Json<AccessReport>>>,
  Check<Same<z.infer<typeof soc2ReportSchema>, Json<Soc2Report>>>,
];
