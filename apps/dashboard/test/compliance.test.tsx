// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  defaultPeriod,
  periodFromSearch,
  periodProblem,
  periodQuery,
  reportFileName,
} from '../src/lib/compliance.ts';
import { Compliance } from '../src/views/compliance.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const PERIOD = { from: '2026-01-01T00:00:00.000Z', to: '2026-03-31T23:59:59.999Z' };

const ACCESS = {
  report: 'access',
  generatedAt: '2026-04-01T08:00:00.000Z',
  generatedBy: 'ada@example.com',
  period: PERIOD,
  summary: {
    users: 3,
    activeUsers: 2,
    deactivatedUsers: 1,
    admins: 1,
    ssoUsers: 1,
    openSessions: 1,
    activeTokens: 2,
    findings: 2,
    high: 1,
    medium: 1,
    low: 0,
    accessChanges: 1,
    notes: [],
  },
  findings: [
    {
      kind: 'admin_without_mfa',
      severity: 'high',
      subject: 'ada@example.com',
      message: 'Ada signed in as an admin without a second factor; require MFA at the provider.',
    },
    {
      kind: 'token_unused',
      severity: 'medium',
      subject: 'token "old ci" (bob@example.com)',
      message: 'Not used for 120 days; revoke it if nothing needs it.',
    },
  ],
  users: [
    {
      id: '00000000-0000-4000-8000-000000000001',
      email: 'ada@example.com',
      name: 'Ada',
      role: 'admin',
      status: 'active',
      deactivatedAt: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      pods: [{ slug: 'alpha', podRole: 'lead' }],
      signInMethod: 'sso',
      lastSignInAt: '2026-03-30T08:00:00.000Z',
      mfa: false,
      sessions: [],
      tokens: [],
    },
  ],
  accessChanges: [
    {
      sequence: 41,
      at: '2026-03-02T10:00:00.000Z',
      action: 'user.role_changed',
      subjectType: 'user',
      subjectId: '00000000-0000-4000-8000-000000000002',
      subject: 'bob@example.com',
      actor: 'ada@example.com',
      summary: 'role: developer → pod-lead',
      reason: null,
    },
  ],
};

const SOC2 = {
  report: 'soc2',
  generatedAt: '2026-04-01T08:00:00.000Z',
  generatedBy: 'ada@example.com',
  period: PERIOD,
  summary: {
    transitions: 4,
    approvals: 5,
    flaggedApprovals: 1,
    blocks: 2,
    unblocks: 1,
    accessChanges: 1,
    tokenEvents: 3,
    auditEvents: 120,
    findings: 1,
    notes: ['Overrides are not possible in CLOS: every move passed its gate.'],
  },
  findings: [
    {
      kind: 'self_approval',
      severity: 'high',
      subject: 'Search (search)',
      message: 'bob@example.com approved the gate and advanced the project.',
    },
  ],
  transitions: [
    {
      id: '00000000-0000-4000-8000-0000000000c1',
      project: { id: 'p1', key: 'search', name: 'Search' },
      from: 'discovery',
      to: 'build',
      at: '2026-03-03T10:00:00.000Z',
      by: 'bob@example.com',
      evidence: null,
      approvals: [
        {
          approver: 'bob@example.com',
          approverRole: 'pod-lead',
          at: '2026-03-03T09:00:00.000Z',
          decision: 'approve',
          comment: null,
          counted: true,
          flags: ['self_approval'],
        },
        {
          approver: 'eve@example.com',
          approverRole: 'pod-lead',
          at: '2026-03-03T09:30:00.000Z',
          decision: 'approve',
          comment: null,
          counted: true,
          flags: [],
        },
      ],
      flags: ['self_approval'],
    },
  ],
  blocks: [],
  accessChanges: [],
  tokenLifecycle: [],
  auditChain: {
    eventsInPeriod: 80,
    totalEvents: 120,
    valid: true,
    brokenAt: null,
    reason: null,
    checkpoint: {
      status: 'verified',
      sequence: 118,
      time: '2026-03-31T00:00:00.000Z',
      keyId: 'k1',
      signatureValid: true,
      message: 'the latest signed checkpoint (event 118) verifies',
    },
  },
};

describe('Compliance', () => {
  it('shows the access report’s findings and the SOC 2 summary for the last 90 days by default', async () => {
    const getAccessReport = vi.fn(async () => ACCESS);
    const getSoc2Report = vi.fn(async () => SOC2);
    renderView(<Compliance />, {
      url: '/compliance',
      client: fakeClient({ getAccessReport, getSoc2Report } as never),
    });
    expect(screen.getByRole('heading', { level: 1, name: 'Compliance' })).toBeTruthy();
    const expected = periodQuery(defaultPeriod(new Date()));
    await waitFor(() => expect(getSoc2Report).toHaveBeenCalledWith({ query: expected }));
    expect(getAccessReport).toHaveBeenCalledWith({ query: expected });

    const findings = await screen.findAllByRole('list', { name: 'Findings' });
    expect(findings[0]!.textContent).toContain('require MFA at the provider');
    expect(within(findings[0]!).getByText('high')).toBeTruthy();
    expect(screen.getByRole('table', { name: /^Access changes/ }).textContent).toContain(
      'role: developer → pod-lead',
    );
    expect((await screen.findByTestId('chain-verification')).textContent).toBe(
      'Verified (120 events); the latest signed checkpoint (event 118) verifies',
    );
    const flagged = screen.getByRole('table', { name: 'Approvals flagged for segregation of duties' });
    expect(within(flagged).getAllByRole('row')).toHaveLength(2);
    expect(flagged.textContent).toContain('approver also advanced the project');
    expect(screen.getByText('Overrides are not possible in CLOS: every move passed its gate.')).toBeTruthy();
  });

  it('asks for the period picked, and refuses one that ends before it starts', async () => {
    const getSoc2Report = vi.fn(async () => SOC2);
    renderView(<Compliance />, {
      url: '/compliance?from=2026-01-01&to=2026-03-31',
      path: '/compliance',
      client: fakeClient({ getAccessReport: async () => ACCESS, getSoc2Report } as never),
    });
    await waitFor(() =>
      expect(getSoc2Report).toHaveBeenCalledWith({
        query: periodQuery({ from: '2026-01-01', to: '2026-03-31' }),
      }),
    );
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-04-10' } });
    expect(screen.getByRole('alert').textContent).toBe('The first day must not be after the last day.');
    expect(screen.getByRole('button', { name: 'Show this period' })).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-02-01' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show this period' }));
    await waitFor(() =>
      expect(getSoc2Report).toHaveBeenLastCalledWith({
        query: periodQuery({ from: '2026-02-01', to: '2026-03-31' }),
      }),
    );
  });

  it('downloads a report as a file with the session’s credentials', async () => {
    const download = vi.fn(
      async () =>
        new Response(new Blob(['%PDF-1.7'], { type: 'application/pdf' }), {
          status: 200,
          headers: { 'content-disposition': 'attachment; filename="clos-soc2-2026-01-01.pdf"' },
        }),
    );
    const createObjectURL = vi.fn(() => 'blob:report');
    URL.createObjectURL = createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const clicked: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.href, download: this.download });
    });
    renderView(<Compliance />, {
      url: '/compliance?from=2026-01-01&to=2026-03-31',
      path: '/compliance',
      client: fakeClient({ getAccessReport: async () => ACCESS, getSoc2Report: async () => SOC2 } as never),
      download,
    });
    fireEvent.click(screen.getByRole('button', { name: 'Download the SOC 2 report as PDF' }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    const path = new URL(`http://x${(download.mock.calls[0] as unknown as [string])[0]}`);
    expect(path.pathname).toBe('/api/v1/reports/soc2');
    expect(Object.fromEntries(path.searchParams)).toEqual({
      ...periodQuery({ from: '2026-01-01', to: '2026-03-31' }),
      format: 'pdf',
    });
    expect(clicked[0]).toEqual({ href: 'blob:report', download: 'clos-soc2-2026-01-01.pdf' });
    expect(createObjectURL).toHaveBeenCalledWith(expect.any(Blob));
  });

  it('says why a download was refused', async () => {
    const download = vi.fn(
      async () =>
        new Response(
          JSON.stringify({ error: { code: 'forbidden', message: 'needs reports:read', requestId: 'r' } }),
          {
            status: 403,
            headers: { 'content-type': 'application/json' },
          },
        ),
    );
    renderView(<Compliance />, {
      url: '/compliance',
      client: fakeClient({ getAccessReport: async () => ACCESS, getSoc2Report: async () => SOC2 } as never),
      download,
    });
    fireEvent.click(screen.getByRole('button', { name: 'Download the access report as CSV' }));
    expect((await screen.findByRole('alert')).textContent).toContain('needs reports:read');
  });

  it('is closed to those without reports:read', () => {
    renderView(<Compliance />, {
      url: '/compliance',
      client: fakeClient({}),
      me: fakeMe({ role: 'pod-lead', permissions: ['read'] }),
    });
    expect(screen.getByText(/need the reports:read permission/)).toBeTruthy();
  });
});

describe('compliance helpers', () => {
  it('takes the period from the URL, falling back to the last 90 days for a bad day', () => {
    const now = new Date(2026, 3, 1, 12);
    expect(periodFromSearch(new URLSearchParams('from=2026-01-01&to=2026-03-31'), now)).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
    });
    expect(periodFromSearch(new URLSearchParams('from=yesterday'), now)).toEqual({
      from: '2026-01-01',
      to: '2026-04-01',
    });
    expect(periodProblem({ from: '2025-01-01', to: '2026-03-31' })).toMatch(/at most one year/);
    expect(periodProblem({ from: '2026-03-31', to: '2026-03-31' })).toBeNull();
  });

  it('names the file as the server does, else by report, period and format', () => {
    const period = { from: '2026-01-01', to: '2026-03-31' };
    expect(reportFileName('access', period, 'csv', "attachment; filename*=UTF-8''access%20report.csv")).toBe(
      'access report.csv',
    );
    expect(reportFileName('soc2', period, 'pdf', null)).toBe('clos-soc2-report-2026-01-01-to-2026-03-31.pdf');
  });
});
