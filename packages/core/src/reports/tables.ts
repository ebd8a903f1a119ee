/**
 * A report as titled tables of text, findings first: what the CSV and PDF renderings lay out, so both
 * files say the same thing in the same order and only the layout differs. Times are UTC, written
 * `YYYY-MM-DD HH:MM:SS` (a form spreadsheets read as a date and people read as a time).
 */
import type { AccessReport, ReportAccessChange, ReportFinding } from './access.ts';
import type { ReportPeriod } from './period.ts';
import type { Soc2Report } from './soc2.ts';

export interface ReportTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** Said in place of rows when there are none. */
  empty: string;
  /** Relative column widths for a page layout; equal when absent. */
  widths?: number[];
}

export interface ReportDocument {
  /** e.g. "CLOS access report". */
  title: string;
  /** The file name's stem: `clos-access-report`. */
  slug: string;
  period: ReportPeriod;
  generatedAt: Date;
  generatedBy: string;
  /** Label and value pairs. */
  summary: [string, string][];
  notes: string[];
  /** Findings first. */
  tables: ReportTable[];
}

/** `2026-03-02 09:00:00`, UTC; empty for no time. */
export function reportTime(d: Date | null | undefined): string {
  return d ? d.toISOString().replace('T', ' ').slice(0, 19) : '';
}

const yesNo = (b: boolean | null | undefined, unknown = '') => (b == null ? unknown : b ? 'yes' : 'no');

function findingsTable(findings: readonly ReportFinding[]): ReportTable {
  return {
    title: 'Findings',
    columns: ['Severity', 'Finding', 'Subject', 'Details'],
    rows: findings.map((f) => [f.severity, f.kind, f.subject, f.message]),
    empty: 'No findings.',
    widths: [1, 2, 3, 8],
  };
}

function changesTable(title: string, changes: readonly ReportAccessChange[], empty: string): ReportTable {
  return {
    title,
    columns: ['Time (UTC)', 'Action', 'Subject', 'Changed by', 'Change', 'Reason', 'Audit #'],
    rows: changes.map((c) => [
      reportTime(c.at),
      c.action,
      c.subject,
      c.actor,
      c.summary,
      c.reason ?? '',
      String(c.sequence),
    ]),
    empty,
    widths: [2.2, 2.4, 3, 3, 5, 2.5, 1],
  };
}

const periodLine = (p: ReportPeriod) => `${reportTime(p.from)} to ${reportTime(p.to)} UTC`;

/** The access report as tables: findings, users, open sessions, tokens, access changes. */
export function accessReportTables(report: AccessReport): ReportDocument {
  const s = report.summary;
  return {
    title: 'CLOS access report',
    slug: 'clos-access-report',
    period: report.period,
    generatedAt: report.generatedAt,
    generatedBy: report.generatedBy,
    summary: [
      ['Users', `${s.users} (${s.activeUsers} active, ${s.deactivatedUsers} deactivated)`],
      ['Active admins', String(s.admins)],
      ['Signed in with SSO', String(s.ssoUsers)],
      ['Open sessions', String(s.openSessions)],
      ['Active API tokens', String(s.activeTokens)],
      ['Findings', `${s.findings} (${s.high} high, ${s.medium} medium, ${s.low} low)`],
      ['Access changes in the period', String(s.accessChanges)],
      ['Access changes period', periodLine(report.period)],
    ],
    notes: s.notes,
    tables: [
      findingsTable(report.findings),
      {
        title: 'Users',
        columns: [
          'Email',
          'Name',
          'Role',
          'Status',
          'Pods',
          'Sign-in',
          'Last sign-in (UTC)',
          'MFA',
          'Open sessions',
          'Active tokens',
        ],
        rows: report.users.map((u) => [
          u.email,
          u.name,
          u.role,
          u.status === 'active' ? 'active' : `deactivated ${reportTime(u.deactivatedAt)}`.trim(),
          u.pods.map((p) => `${p.slug} (${p.podRole})`).join(', '),
          u.signInMethod,
          reportTime(u.lastSignInAt),
          yesNo(u.mfa, 'no SSO sign-in'),
          String(u.sessions.length),
          String(u.tokens.filter((t) => t.status === 'active').length),
        ]),
        empty: 'No users.',
        widths: [3.5, 2.5, 1.5, 2, 3, 1.2, 2.2, 1.8, 1.2, 1.2],
      },
      {
        title: 'Open sessions',
        columns: [
          'User',
          'Session',
          'Started (UTC)',
          'Last seen (UTC)',
          'Expires (UTC)',
          'IP',
          'Role',
          'MFA',
        ],
        rows: report.users.flatMap((u) =>
          u.sessions.map((x) => [
            u.email,
            x.id,
            reportTime(x.createdAt),
            reportTime(x.lastSeenAt),
            reportTime(x.expiresAt),
            x.ip ?? '',
            x.role,
            yesNo(x.mfa),
          ]),
        ),
        empty: 'No open sessions.',
        widths: [3, 3.5, 2.2, 2.2, 2.2, 2, 1.5, 0.8],
      },
      {
        title: 'API tokens',
        columns: [
          'User',
          'Token',
          'Role',
          'Pods',
          'Allowed addresses',
          'Status',
          'Created (UTC)',
          'Last used (UTC)',
          'Expires (UTC)',
          'Revoked (UTC)',
        ],
        rows: report.users.flatMap((u) =>
          u.tokens.map((t) => [
            u.email,
            t.name,
            t.role,
            t.pods.length ? t.pods.join(', ') : 'all',
            t.allowedCidrs.length ? t.allowedCidrs.join(', ') : 'anywhere',
            t.status,
            reportTime(t.createdAt),
            t.lastUsedAt ? reportTime(t.lastUsedAt) : 'never',
            t.expiresAt ? reportTime(t.expiresAt) : 'never',
            reportTime(t.revokedAt),
          ]),
        ),
        empty: 'No API tokens.',
        widths: [3, 2.5, 1.3, 2, 2.5, 1.2, 2.1, 2.1, 2.1, 2.1],
      },
      changesTable('Access changes', report.accessChanges, 'No access changes in the period.'),
    ],
  };
}

const projectName = (p: { id: string; key: string | null; name: string | null }) =>
  p.name && p.key ? `${p.name} (${p.key})` : (p.key ?? p.name ?? p.id);

/** The SOC 2 report as tables: findings, transitions, approvals, blocks, access, tokens, audit chain. */
export function soc2ReportTables(report: Soc2Report): ReportDocument {
  const s = report.summary;
  const chain = report.auditChain;
  return {
    title: 'CLOS SOC 2 report',
    slug: 'clos-soc2-report',
    period: report.period,
    generatedAt: report.generatedAt,
    generatedBy: report.generatedBy,
    summary: [
      ['Stage transitions', String(s.transitions)],
      ['Gate decisions', String(s.approvals)],
      ['Flagged approvals (segregation of duties)', String(s.flaggedApprovals)],
      ['Blocks / unblocks', `${s.blocks} / ${s.unblocks}`],
      ['Access changes', String(s.accessChanges)],
      ['Token lifecycle events', String(s.tokenEvents)],
      ['Audit events in the period', String(s.auditEvents)],
      ['Audit chain', chain.valid ? 'verifies' : `BROKEN at event ${chain.brokenAt}`],
      ['Signed checkpoint', chain.checkpoint.status.replace('_', ' ')],
      ['Findings', String(s.findings)],
    ],
    notes: s.notes,
    tables: [
      findingsTable(report.findings),
      {
        title: 'Stage transitions',
        columns: [
          'Time (UTC)',
          'Project',
          'From → to',
          'Advanced by',
          'Evidence by',
          'Evidence at (UTC)',
          'Evidence source',
          'Evidence valid',
          'Approvals',
          'Flags',
        ],
        rows: report.transitions.map((t) => [
          reportTime(t.at),
          projectName(t.project),
          `${t.from} → ${t.to}`,
          t.by,
          t.evidence ? (t.evidence.submittedBy ?? 'system') : 'none submitted',
          reportTime(t.evidence?.at),
          t.evidence?.source ?? '',
          t.evidence ? (t.evidence.valid ? 'yes' : `no: ${t.evidence.problems.join('; ')}`) : '',
          t.approvals
            .filter((a) => a.counted)
            .map((a) => a.approver)
            .join(', '),
          t.flags.join(', '),
        ]),
        empty: 'No stage transitions in the period.',
        widths: [2.1, 2.6, 2.2, 2.6, 2.6, 2.1, 2, 1.5, 2.6, 3],
      },
      {
        title: 'Gate decisions',
        columns: [
          'Project',
          'Gate',
          'Approver',
          'Approver role',
          'Time (UTC)',
          'Decision',
          'Counted',
          'Flags',
          'Comment',
        ],
        rows: report.transitions.flatMap((t) =>
          t.approvals.map((a) => [
            projectName(t.project),
            `${t.from} → ${t.to}`,
            a.approver,
            a.approverRole,
            reportTime(a.at),
            a.decision,
            yesNo(a.counted),
            a.flags.join(', '),
            a.comment ?? '',
          ]),
        ),
        empty: 'No gate decisions on the transitions of the period.',
        widths: [2.6, 2.2, 3, 1.5, 2.1, 1.2, 1, 2.4, 3],
      },
      {
        title: 'Blocks and unblocks',
        columns: ['Time (UTC)', 'Project', 'Action', 'Reason', 'By', 'Audit #'],
        rows: report.blocks.map((b) => [
          reportTime(b.at),
          projectName(b.project),
          b.action === 'stage.blocked' ? 'blocked' : 'unblocked',
          b.reason ?? '',
          b.by,
          String(b.sequence),
        ]),
        empty: 'No blocks or unblocks in the period.',
        widths: [2.1, 3, 1.3, 6, 3, 1],
      },
      changesTable('Access changes', report.accessChanges, 'No access changes in the period.'),
      changesTable('Token lifecycle', report.tokenLifecycle, 'No token events in the period.'),
      {
        title: 'Audit chain',
        columns: ['Check', 'Result'],
        rows: [
          ['Events in the period', String(chain.eventsInPeriod)],
          ['Events in the log', String(chain.totalEvents)],
          ['Chain verifies', yesNo(chain.valid)],
          ...(chain.valid
            ? []
            : [
                ['First broken sequence', String(chain.brokenAt)],
                ['Why', chain.reason ?? ''],
              ]),
          ['Latest signed checkpoint', chain.checkpoint.status.replace('_', ' ')],
          ...(chain.checkpoint.sequence === null
            ? []
            : [
                ['Checkpoint sequence', String(chain.checkpoint.sequence)],
                ['Checkpoint time (UTC)', reportTime(chain.checkpoint.time)],
                ['Checkpoint key', chain.checkpoint.keyId ?? ''],
                ['Signature valid', yesNo(chain.checkpoint.signatureValid)],
              ]),
          ['Checkpoint verification', chain.checkpoint.message],
        ],
        empty: '',
        widths: [1, 3],
      },
    ],
  };
}
