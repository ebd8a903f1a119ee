import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createEd25519Signer } from '@clos/audit-signing';
import { testEngines } from '@clos/testing';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell } from '../src/reports/csv.ts';
import { winAnsi } from '../src/reports/pdf.ts';
import { type Harness, startHarness } from './harness.ts';

const ISSUER = 'https://idp.example.com';
const DAY_MS = 86_400_000;
const DISCOVERY = {
  problemStatement: 'Teams lose a day a week to manual release notes',
  owner: 'ada@example.com',
};

/** RFC 4180: quoted fields with doubled quotes, commas and line breaks inside; CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  row.push(field);
  rows.push(row);
  return rows;
}

/** The CSV's blocks by title: each is a title row, a header row, rows, and a blank row. */
function blocks(rows: string[][]): { title: string; header: string[]; rows: string[][] }[] {
  const out: { title: string; header: string[]; rows: string[][] }[] = [];
  let i = 0;
  while (i < rows.length) {
    const title = rows[i]![0]!;
    const header = rows[i + 1]!;
    const body: string[][] = [];
    i += 2;
    while (i < rows.length && !(rows[i]!.length === 1 && rows[i]![0] === '')) body.push(rows[i++]!);
    i++;
    out.push({ title, header, rows: body });
  }
  return out;
}

// pdf.js draws the 14 standard fonts from its own copies; without them it warns on every page.
const STANDARD_FONTS = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

/** Every page's text, as pdf.js extracts it (a page per line). */
async function pdfText(buf: Buffer): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(buf), standardFontDataUrl: STANDARD_FONTS }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await pdf.destroy();
  return pages.join('\n');
}

describe('report rendering helpers', () => {
  it('quotes CSV cells per RFC 4180 and neutralises anything a spreadsheet would run', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}SUM(A1)`).replace(/^"/, ''), JSON.stringify(start)).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
  });

  it('keeps PDF text within what the standard fonts can draw', () => {
    expect(winAnsi('inception → discovery – “ok” café')).toBe('inception -> discovery – “ok” café');
    expect(winAnsi('名前 a\tb')).toBe('?? a b');
  });
});

const signer = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);

describe.each(testEngines())('access and SOC 2 reports on %s', (engine) => {
  let h: Harness;
  let lead: { token: string; email: string; userId: string };
  let dev: { token: string; email: string; userId: string };
  let viewer: { token: string; email: string; userId: string };
  let t1: Date;
  let payments: string;

  const tick = () => h.clock.advance(60_000);
  const ok = async (method: string, url: string, body?: unknown, token?: string) => {
    tick();
    const res = await h.call(method, url, body, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  async function signIn(subject: string, email: string, amr: string[]) {
    tick();
    const result = await h.services.signIn.signIn(
      {
        issuer: ISSUER,
        subject,
        email,
        emailVerified: true,
        name: null,
        claims: { groups: ['clos-admins'] },
        amr,
        acr: null,
      },
      { ip: '192.0.2.7', userAgent: 'test browser' },
    );
    if (!result.ok) throw new Error(result.message);
    return result.session;
  }
  /** A project of pod ratio walked through the discovery gate: evidence, approval, advance. */
  async function moveThroughGate(
    name: string,
    by: { evidence: string; approve: string | undefined; advance: string },
  ) {
    const project = await ok('POST', '/api/v1/projects', { name, pod: 'ratio' }, lead.token);
    await ok('POST', `/api/v1/projects/${project.id}/evidence`, { evidence: DISCOVERY }, by.evidence);
    await ok('POST', `/api/v1/projects/${project.id}/approvals`, { decision: 'approve' }, by.approve);
    await ok('POST', `/api/v1/projects/${project.id}/advance`, undefined, by.advance);
    return project.id as string;
  }

  beforeAll(async () => {
    h = await startHarness(engine, { auth: { oidc: { roles: { 'clos-admins': 'admin' } } } }, undefined, {
      auditCheckpoints: { signer, sinks: [] },
    });
    await h.reset();
    await ok('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    // Two tokens that then lie unused for 100 days: one used once, one never.
    const stale = await h.userWithToken('developer', { email: 'stale@example.com' });
    await h.userWithToken('viewer', { email: 'idle@example.com' });
    expect((await h.call('GET', '/api/v1/me', undefined, stale.token)).statusCode).toBe(200);
    h.clock.advance(100 * DAY_MS);
    t1 = h.clock.now();

    lead = await h.userWithToken('pod-lead', { pods: ['ratio'], email: 'lead@example.com' });
    dev = await h.userWithToken('developer', { email: 'dev@example.com' });
    viewer = await h.userWithToken('viewer', { email: 'viewer@example.com' });
    await ok('POST', '/api/v1/users', { email: 'root@example.com', name: 'Root', role: 'admin' });
    await ok('POST', '/api/v1/tokens', { name: 'forever', role: 'admin', user: 'root@example.com' });
    await ok('POST', '/api/v1/users', {
      email: 'formula@example.com',
      name: '=HYPERLINK("x")',
      role: 'viewer',
    });
    // Deactivated through the API (which revokes the token), then a token un-revoked behind its back.
    const leaver = await h.userWithToken('developer', { email: 'leaver@example.com' });
    await ok('PATCH', `/api/v1/users/${leaver.userId}`, { active: false });
    await h.database.query('update api_tokens set revoked_at = null where user_id = $1', [leaver.userId]);
    await ok('PATCH', `/api/v1/users/${viewer.userId}`, { role: 'developer' });
    const temporary = await ok('POST', '/api/v1/tokens', {
      name: 'temporary',
      role: 'developer',
      user: dev.email,
    });
    await ok('DELETE', `/api/v1/tokens/${temporary.token.id}`);
    await signIn('sso-admin', 'sso-admin@example.com', ['pwd']);
    await signIn('mfa-admin', 'mfa-admin@example.com', ['pwd', 'otp']);

    // Advanced by the lead who also submitted the evidence and approved: both flags.
    payments = await moveThroughGate('Payments', {
      evidence: lead.token,
      approve: lead.token,
      advance: lead.token,
    });
    // Evidence by a developer, approval by the admin, advanced by the developer: nothing to flag.
    await moveThroughGate('Billing', { evidence: dev.token, approve: undefined, advance: dev.token });
    await ok('POST', `/api/v1/projects/${payments}/block`, { reason: 'waiting on legal' }, dev.token);
    await ok('POST', `/api/v1/projects/${payments}/unblock`, { reason: 'legal said yes' }, dev.token);
    tick();
  });
  afterAll(() => h.close());

  const soc2Url = (query = '') => {
    const from = new Date(t1.getTime() - DAY_MS).toISOString();
    const to = new Date(h.clock.now().getTime() + 60_000).toISOString();
    return `/api/v1/reports/soc2?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${query}`;
  };

  it('lists every user with status, pods, sign-in method, MFA, sessions and tokens', async () => {
    const res = await h.call('GET', '/api/v1/reports/access');
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ report: 'access', generatedBy: 'admin@example.com' });
    const now = h.clock.now().getTime();
    expect(report.period).toEqual({
      from: new Date(now - 90 * DAY_MS).toISOString(),
      to: new Date(now).toISOString(),
    });
    const user = (email: string) => report.users.find((u: { email: string }) => u.email === email);
    expect(user('lead@example.com')).toMatchObject({
      role: 'pod-lead',
      status: 'active',
      pods: [],
      signInMethod: 'token',
      mfa: null,
      sessions: [],
      tokens: [
        { name: 'pod-lead token', role: 'pod-lead', pods: ['ratio'], allowedCidrs: [], status: 'active' },
      ],
    });
    expect(user('leaver@example.com')).toMatchObject({
      status: 'deactivated',
      deactivatedAt: expect.any(String),
    });
    expect(user('sso-admin@example.com')).toMatchObject({
      role: 'admin',
      signInMethod: 'sso',
      mfa: false,
      // Without a second factor the session acts as the next role down its mapping (only admin here).
      sessions: [{ ip: '192.0.2.7', role: 'viewer', mfa: false }],
    });
    expect(user('mfa-admin@example.com')).toMatchObject({
      mfa: true,
      sessions: [{ role: 'admin', mfa: true }],
    });
    expect(report.summary).toMatchObject({
      users: report.users.length,
      deactivatedUsers: 1,
      ssoUsers: 2,
      openSessions: 2,
      findings: report.findings.length,
    });
  });

  it('finds unused tokens, never-expiring admin tokens, admins without MFA and a deactivated user’s token', async () => {
    const { findings } = (await h.call('GET', '/api/v1/reports/access')).json();
    const found = findings.map((f: { severity: string; kind: string; subject: string }) =>
      [f.severity, f.kind, f.subject].join(' '),
    );
    expect(found).toEqual([
      'high admin_without_mfa sso-admin@example.com',
      'high deactivated_user_token token "developer token" (leaver@example.com)',
      'medium admin_token_never_expires token "bootstrap admin" (admin@example.com)',
      'medium admin_token_never_expires token "forever" (root@example.com)',
      'medium admin_without_mfa admin@example.com',
      'medium admin_without_mfa root@example.com',
      'low token_unused token "developer token" (stale@example.com)',
      'low token_unused token "viewer token" (idle@example.com)',
    ]);
    const message = (subject: string) =>
      findings.find((f: { subject: string }) => f.subject === subject).message;
    expect(message('token "developer token" (stale@example.com)')).toContain('Not used for 100 days');
    expect(message('token "viewer token" (idle@example.com)')).toContain(
      'Never used since it was created 100 days ago',
    );
    expect(message('admin@example.com')).toContain('never signed in with SSO');
  });

  it('lists access changes in the period with who made them', async () => {
    const { accessChanges } = (await h.call('GET', '/api/v1/reports/access')).json();
    const change = (action: string, subject: string) =>
      accessChanges.find(
        (c: { action: string; subject: string }) => c.action === action && c.subject === subject,
      );
    expect(change('user.role_changed', 'viewer@example.com')).toMatchObject({
      actor: 'admin@example.com',
      summary: 'role: viewer → developer; sessionsEnded: 0',
    });
    expect(change('user.deactivated', 'leaver@example.com')).toMatchObject({ actor: 'admin@example.com' });
    expect(change('session.mfa_downgraded', 'session of sso-admin@example.com')).toMatchObject({
      summary: 'role: admin → viewer',
      reason: expect.stringContaining('second factor'),
    });
    expect(change('token.created', 'token "forever" (root@example.com)')).toBeDefined();
    // Before the period: the stale tokens were created 100 days ago.
    expect(change('token.created', 'token "developer token" (stale@example.com)')).toBeUndefined();
    const sequences = accessChanges.map((c: { sequence: number }) => c.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it('reports every transition with its evidence and approvals, flagging segregation of duties', async () => {
    const res = await h.call('GET', soc2Url());
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report.transitions).toHaveLength(2);
    const [flagged, clean] = report.transitions;
    expect(flagged).toMatchObject({
      project: { id: payments, key: 'payments', name: 'Payments' },
      from: 'inception',
      to: 'discovery',
      by: 'lead@example.com',
      evidence: { submittedBy: 'lead@example.com', valid: true, problems: [], source: null },
      approvals: [
        {
          approver: 'lead@example.com',
          approverRole: 'pod-lead',
          decision: 'approve',
          counted: true,
          flags: ['self_approval', 'approved_by_submitter'],
        },
      ],
      flags: ['self_approval', 'approved_by_submitter'],
    });
    expect(clean).toMatchObject({
      project: { key: 'billing' },
      by: 'dev@example.com',
      evidence: { submittedBy: 'dev@example.com', valid: true },
      approvals: [{ approver: 'admin@example.com', approverRole: 'admin', counted: true, flags: [] }],
      flags: [],
    });
    expect(report.blocks).toMatchObject([
      {
        action: 'stage.blocked',
        project: { key: 'payments' },
        reason: 'waiting on legal',
        by: 'dev@example.com',
      },
      {
        action: 'stage.unblocked',
        project: { key: 'payments' },
        reason: 'legal said yes',
        by: 'dev@example.com',
      },
    ]);
    expect(report.findings.map((f: { kind: string }) => f.kind)).toEqual([
      'self_approval',
      'approved_by_submitter',
      'audit_checkpoint_missing',
    ]);
    expect(report.auditChain).toMatchObject({
      valid: true,
      brokenAt: null,
      checkpoint: { status: 'none_taken', keyId: signer.keyId },
    });
    expect(report.auditChain.eventsInPeriod).toBeGreaterThan(20);
    expect(report.accessChanges.some((c: { action: string }) => c.action === 'user.deactivated')).toBe(true);
    expect(report.accessChanges.some((c: { action: string }) => c.action.startsWith('token.'))).toBe(false);
    expect(report.tokenLifecycle.map((c: { action: string }) => c.action)).toContain('token.revoked');
    expect(report.summary).toMatchObject({
      transitions: 2,
      approvals: 2,
      flaggedApprovals: 1,
      blocks: 1,
      unblocks: 1,
      findings: 3,
      notes: [expect.stringContaining('no gate override')],
    });
  });

  it('verifies the audit chain against the latest signed checkpoint', async () => {
    tick();
    const taken = await h.call('GET', '/api/v1/audit/checkpoint');
    expect(taken.statusCode, taken.body).toBe(200);
    const { auditChain, findings } = (await h.call('GET', soc2Url())).json();
    expect(auditChain.checkpoint).toMatchObject({
      status: 'verified',
      sequence: taken.json().checkpoint.sequence,
      keyId: signer.keyId,
      signatureValid: true,
    });
    expect(findings.map((f: { kind: string }) => f.kind)).not.toContain('audit_checkpoint_missing');
  });

  it('exports CSV: findings first, one block per section, quoted, formulas neutralised', async () => {
    const res = await h.call('GET', '/api/v1/reports/access?format=csv');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const day = h.clock.now().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="clos-access-report-${day}.csv"`);
    const text = res.rawPayload.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const sections = blocks(parseCsv(text.slice(1)));
    expect(sections.map((b) => b.title)).toEqual([
      'Findings',
      'Report',
      'Users',
      'Open sessions',
      'API tokens',
      'Access changes',
    ]);
    expect(sections[0]!.header).toEqual(['Severity', 'Finding', 'Subject', 'Details']);
    expect(sections[0]!.rows).toContainEqual([
      'low',
      'token_unused',
      'token "developer token" (stale@example.com)',
      expect.stringContaining('Not used for 100 days'),
    ]);
    const users = sections.find((b) => b.title === 'Users')!;
    expect(users.rows.map((r) => r[0])).toContain('stale@example.com');
    expect(users.rows.find((r) => r[0] === 'formula@example.com')![1]).toBe(`'=HYPERLINK("x")`);
    // Every data row of the Users block has one cell per column.
    for (const row of users.rows) expect(row).toHaveLength(users.header.length);

    const soc2 = await h.call('GET', soc2Url('&format=csv'));
    expect(soc2.headers['content-disposition']).toBe(`attachment; filename="clos-soc2-report-${day}.csv"`);
    const soc2Sections = blocks(parseCsv(soc2.rawPayload.toString('utf8').slice(1)));
    expect(soc2Sections[0]!.title).toBe('Findings');
    expect(soc2Sections.map((b) => b.title)).toContain('Stage transitions');
    expect(soc2Sections.find((b) => b.title === 'Gate decisions')!.rows).toContainEqual(
      expect.arrayContaining(['lead@example.com', 'self_approval, approved_by_submitter']),
    );
  });

  it('exports PDF with a title page, summary, findings and tables', async () => {
    const res = await h.call('GET', '/api/v1/reports/access?format=pdf');
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const day = h.clock.now().toISOString().slice(0, 10);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="clos-access-report-${day}.pdf"`);
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(res.rawPayload);
    expect(text).toContain('CLOS access report');
    expect(text).toContain('Summary');
    expect(text).toContain('stale@example.com');
    expect(text).toContain('token_unused');
    // Findings come before the tables (the users table's header).
    expect(text.indexOf('token_unused')).toBeLessThan(text.indexOf('Last sign-in (UTC)'));

    const soc2 = await h.call('GET', soc2Url('&format=pdf'));
    expect(soc2.statusCode).toBe(200);
    const soc2Text = await pdfText(soc2.rawPayload);
    expect(soc2Text).toContain('CLOS SOC 2 report');
    expect(soc2Text).toContain('self_approval');
    expect(soc2Text).toContain('inception -> discovery');
  });

  it('is for admins only', async () => {
    for (const token of [viewer.token, dev.token, lead.token])
      for (const url of ['/api/v1/reports/access', soc2Url(), '/api/v1/reports/access?format=pdf']) {
        const res = await h.call('GET', url, undefined, token);
        expect(res.statusCode, url).toBe(403);
        expect(res.json().error).toMatchObject({
          code: 'forbidden',
          details: { permission: 'reports:read' },
        });
      }
  });

  it('refuses a bad period naming the field, and audits nothing for it', async () => {
    const before = (await h.call('GET', '/api/v1/audit?action=report.generated&limit=200')).json().items
      .length;
    const backwards = await h.call(
      'GET',
      '/api/v1/reports/soc2?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z',
    );
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.details).toEqual([
      { path: 'querystring.from', message: expect.stringContaining('must be before `to`') },
    ]);
    const missing = await h.call('GET', '/api/v1/reports/soc2?to=2026-06-01T00:00:00Z');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details.map((d: { path: string }) => d.path)).toEqual(['querystring.from']);
    const tooLong = await h.call(
      'GET',
      '/api/v1/reports/soc2?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
    );
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.details).toEqual([
      { path: 'querystring.to', message: expect.stringContaining('at most 1 year') },
    ]);
    const future = await h.call('GET', '/api/v1/reports/access?from=2099-01-01T00:00:00Z');
    expect(future.statusCode).toBe(400);
    expect(future.json().error.details[0].path).toBe('querystring.from');
    const format = await h.call('GET', '/api/v1/reports/access?format=xlsx');
    expect(format.statusCode).toBe(400);
    expect(format.json().error.details[0].path).toBe('querystring.format');
    const after = (await h.call('GET', '/api/v1/audit?action=report.generated&limit=200')).json().items
      .length;
    expect(after).toBe(before);
  });

  it('audits each report generated, with its format and period', async () => {
    tick();
    await h.call('GET', '/api/v1/reports/access?format=csv&from=2026-06-01T00:00:00Z');
    const [latest] = (await h.call('GET', '/api/v1/audit?action=report.generated&limit=1')).json().items;
    expect(latest).toMatchObject({
      actorLabel: 'admin@example.com',
      subjectType: 'report',
      subjectId: 'access',
      after: {
        report: 'access',
        format: 'csv',
        from: '2026-06-01T00:00:00.000Z',
        to: h.clock.now().toISOString(),
      },
    });
    const all = (await h.call('GET', '/api/v1/audit?action=report.generated&limit=200')).json().items;
    expect(all.map((e: { after: { format: string } }) => e.after.format)).toEqual(
      expect.arrayContaining(['json', 'csv', 'pdf']),
    );
    expect((await h.call('GET', '/api/v1/audit/verify')).json().ok).toBe(true);
  });

  it('reports a broken chain and a checkpoint the log no longer matches', async () => {
    // The append-only trigger stops ordinary tampering; a superuser can still disable it.
    await h.sealAudit();
    await h.database.query('alter table audit_events disable trigger audit_events_append_only');
    try {
      await h.database.query("update audit_events set reason = 'rewritten' where sequence = 3");
    } finally {
      await h.database.query('alter table audit_events enable trigger audit_events_append_only');
    }
    const { auditChain, findings } = (await h.call('GET', soc2Url())).json();
    expect(auditChain).toMatchObject({ valid: false, brokenAt: 3, checkpoint: { status: 'failed' } });
    expect(findings.slice(0, 2).map((f: { kind: string }) => f.kind)).toEqual([
      'audit_chain_broken',
      'audit_checkpoint_failed',
    ]);
  });
});
