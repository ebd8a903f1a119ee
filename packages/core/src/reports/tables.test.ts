import { describe, expect, it } from 'vitest';
import type { AccessReport } from './access.ts';
import { auditChainSection, buildSoc2Report } from './soc2.ts';
import { accessReportTables, reportTime, soc2ReportTables } from './tables.ts';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const PERIOD = { from: new Date('2026-01-01T00:00:00.000Z'), to: NOW };

const access: AccessReport = {
  report: 'access',
  generatedAt: NOW,
  generatedBy: 'admin@example.com',
  period: PERIOD,
  summary: {
    users: 1,
    activeUsers: 1,
    deactivatedUsers: 0,
    admins: 1,
    ssoUsers: 0,
    openSessions: 0,
    activeTokens: 1,
    findings: 1,
    high: 0,
    medium: 1,
    low: 0,
    accessChanges: 0,
    notes: [],
  },
  findings: [
    { kind: 'admin_without_mfa', severity: 'medium', subject: 'admin@example.com', message: 'No MFA.' },
  ],
  users: [
    {
      id: '00000000-0000-4000-8000-000000000001',
      email: 'admin@example.com',
      name: 'Admin',
      role: 'admin',
      status: 'active',
      deactivatedAt: null,
      createdAt: NOW,
      pods: [{ slug: 'payments', podRole: 'lead' }],
      signInMethod: 'token',
      lastSignInAt: null,
      mfa: null,
      sessions: [],
      tokens: [
        {
          id: '00000000-0000-4000-8000-000000000002',
          name: 'ci',
          role: 'admin',
          pods: [],
          allowedCidrs: ['10.0.0.0/8'],
          status: 'active',
          createdAt: NOW,
          lastUsedAt: null,
          expiresAt: null,
          revokedAt: null,
        },
      ],
    },
  ],
  accessChanges: [],
};

describe('report tables', () => {
  it('writes times in UTC as spreadsheets read them', () => {
    expect(reportTime(new Date('2026-03-02T09:05:07.123Z'))).toBe('2026-03-02 09:05:07');
    expect(reportTime(null)).toBe('');
  });

  it('puts findings first, then one table per section, every row as wide as its header', () => {
    const doc = accessReportTables(access);
    expect(doc.tables.map((t) => t.title)).toEqual([
      'Findings',
      'Users',
      'Open sessions',
      'API tokens',
      'Access changes',
    ]);
    for (const table of doc.tables) {
      for (const row of table.rows) expect(row).toHaveLength(table.columns.length);
      if (table.widths) expect(table.widths).toHaveLength(table.columns.length);
    }
    expect(doc.tables[1]!.rows[0]).toEqual([
      'admin@example.com',
      'Admin',
      'admin',
      'active',
      'payments (lead)',
      'token',
      '',
      'no SSO sign-in',
      '0',
      '1',
    ]);
    expect(doc.tables[3]!.rows[0]).toContain('10.0.0.0/8');
    expect(doc.tables[3]!.rows[0]!.slice(-3)).toEqual(['never', 'never', '']);
    expect(doc.tables[2]!.rows).toEqual([]);
    expect(doc.tables[2]!.empty).toBe('No open sessions.');
  });

  it('lays out the SOC 2 report the same way, ending with the audit chain', () => {
    const report = buildSoc2Report({
      now: NOW,
      generatedBy: 'admin@example.com',
      period: PERIOD,
      transitions: [],
      blocks: [],
      accessChanges: [],
      tokenLifecycle: [],
      auditChain: auditChainSection({
        eventsInPeriod: 3,
        headSequence: 9,
        chain: { ok: false, brokenAt: 4, reason: 'previous hash does not match', count: 3 },
        checkpoint: { status: 'not_configured' },
      }),
    });
    const doc = soc2ReportTables(report);
    expect(doc.tables.map((t) => t.title)).toEqual([
      'Findings',
      'Stage transitions',
      'Gate decisions',
      'Blocks and unblocks',
      'Access changes',
      'Token lifecycle',
      'Audit chain',
    ]);
    expect(doc.tables[0]!.rows.map((r) => r[1])).toEqual(['audit_chain_broken', 'audit_checkpoint_missing']);
    expect(doc.tables.at(-1)!.rows).toContainEqual(['First broken sequence', '4']);
    expect(doc.summary).toContainEqual(['Audit chain', 'BROKEN at event 4']);
  });
});
