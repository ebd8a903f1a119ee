import { describe, expect, it } from 'vitest';
import type { Role } from '../auth/roles.ts';
import type { ApiToken, AuditEvent, User, UserSession } from '../entities.ts';
import {
  accessFindings,
  buildAccessReport,
  describeChange,
  type SubjectNames,
  summarizeChange,
  UNUSED_TOKEN_DAYS,
} from './access.ts';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
let seq = 0;
const id = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

function user(email: string, role: Role, patch: Partial<User> = {}): User {
  return {
    id: id(),
    email,
    name: email.split('@')[0]!,
    role,
    createdAt: daysAgo(400),
    active: true,
    deactivatedAt: null,
    oidcSubject: null,
    lastSignInAt: null,
    ...patch,
  };
}

function token(owner: User, patch: Partial<ApiToken> = {}): ApiToken {
  return {
    id: id(),
    name: `${owner.email} token`,
    userId: owner.id,
    role: owner.role,
    podIds: [],
    prefix: 'clos_abc',
    allowedCidrs: [],
    expiresAt: daysAgo(-30),
    revokedAt: null,
    lastUsedAt: daysAgo(1),
    createdAt: daysAgo(200),
    ...patch,
  };
}

function session(owner: User, patch: Partial<UserSession> = {}): UserSession {
  return {
    id: id(),
    userId: owner.id,
    role: owner.role,
    mappedRole: owner.role,
    podIds: [],
    mfa: true,
    amr: ['pwd', 'otp'],
    acr: null,
    downgradeReason: null,
    ip: '127.0.0.1',
    userAgent: null,
    createdAt: daysAgo(1),
    lastSeenAt: daysAgo(0),
    expiresAt: daysAgo(-1),
    endedAt: null,
    endReason: null,
    ...patch,
  };
}

const kinds = (findings: { kind: string; subject: string; severity: string }[]) =>
  findings.map((f) => `${f.severity} ${f.kind} ${f.subject}`);

describe('accessFindings', () => {
  const dev = user('dev@example.com', 'developer');

  it('reports active tokens unused for more than 90 days, and never-used old ones', () => {
    const stale = token(dev, { name: 'stale', lastUsedAt: daysAgo(UNUSED_TOKEN_DAYS + 1) });
    const fresh = token(dev, { name: 'fresh', lastUsedAt: daysAgo(UNUSED_TOKEN_DAYS) });
    const never = token(dev, { name: 'never', lastUsedAt: null, createdAt: daysAgo(120) });
    const young = token(dev, { name: 'young', lastUsedAt: null, createdAt: daysAgo(10) });
    const revoked = token(dev, { name: 'revoked', lastUsedAt: null, revokedAt: daysAgo(5) });
    const expired = token(dev, { name: 'expired', lastUsedAt: null, expiresAt: daysAgo(1) });
    const findings = accessFindings({
      now: NOW,
      users: [dev],
      latestSessions: [],
      tokens: [stale, fresh, never, young, revoked, expired],
    });
    expect(kinds(findings)).toEqual([
      'low token_unused token "never" (dev@example.com)',
      'low token_unused token "stale" (dev@example.com)',
    ]);
    expect(findings[0]!.message).toMatch(/Never used since it was created 120 days ago \(2025-11-02\)/);
    expect(findings[1]!.message).toMatch(/Not used for 91 days \(last used 2025-12-01\)/);
  });

  it('reports never-expiring admin tokens of admins, and admins without MFA, saying which case', () => {
    const sso = user('sso-admin@example.com', 'admin', { oidcSubject: 'https://idp a' });
    const tokenOnly = user('token-admin@example.com', 'admin');
    const withMfa = user('mfa-admin@example.com', 'admin', { oidcSubject: 'https://idp b' });
    const gone = user('gone-admin@example.com', 'admin', { active: false, deactivatedAt: daysAgo(3) });
    const forever = token(withMfa, { name: 'forever', expiresAt: null });
    const devForever = token(dev, { name: 'dev-forever', expiresAt: null });
    const findings = accessFindings({
      now: NOW,
      users: [dev, sso, tokenOnly, withMfa, gone],
      latestSessions: [session(sso, { mfa: false, amr: ['pwd'] }), session(withMfa, { mfa: true })],
      tokens: [forever, devForever],
    });
    expect(kinds(findings)).toEqual([
      'high admin_without_mfa sso-admin@example.com',
      'medium admin_token_never_expires token "forever" (mfa-admin@example.com)',
      'medium admin_without_mfa token-admin@example.com',
    ]);
    expect(findings[0]!.message).toContain('latest SSO session (2026-03-01) had no second factor (amr: pwd)');
    expect(findings[2]!.message).toContain('never signed in with SSO');
  });

  it('reports a deactivated user who still holds an unrevoked token, and nothing else about it', () => {
    const gone = user('gone@example.com', 'developer', { active: false, deactivatedAt: daysAgo(3) });
    const findings = accessFindings({
      now: NOW,
      users: [gone],
      latestSessions: [],
      tokens: [
        token(gone, { name: 'left-behind', lastUsedAt: null, createdAt: daysAgo(300) }),
        token(gone, { name: 'revoked', revokedAt: daysAgo(3) }),
      ],
    });
    expect(kinds(findings)).toEqual(['high deactivated_user_token token "left-behind" (gone@example.com)']);
    expect(findings[0]!.message).toContain('was deactivated on 2026-02-27 but this token is not revoked');
  });
});

describe('summarizeChange', () => {
  it('shows what changed, what was added and what was removed', () => {
    expect(
      summarizeChange(
        { email: 'a@x', role: 'developer' },
        { email: 'a@x', role: 'admin', sessionsEnded: 2, pods: ['a', 'b'] },
      ),
    ).toBe('role: developer → admin; sessionsEnded: 2; pods: a, b');
    expect(summarizeChange({ name: 'ci' }, null)).toBe('name was ci');
    expect(summarizeChange(null, { expiresAt: null, allowedCidrs: [] })).toBe(
      'expiresAt: none; allowedCidrs: none',
    );
    expect(summarizeChange(null, { x: 'y'.repeat(600) })).toHaveLength(500);
  });
});

describe('describeChange', () => {
  it('names subjects in words', () => {
    const names: SubjectNames = {
      users: new Map([['u1', 'alice@example.com']]),
      tokens: new Map([['t1', 'token "ci" (alice@example.com)']]),
      pods: new Map([['p1', 'payments']]),
      sessions: new Map([['s1', 'alice@example.com']]),
    };
    const event = (subjectType: string, subjectId: string): AuditEvent => ({
      sequence: 7,
      id: 'e',
      occurredAt: NOW,
      actorId: null,
      actorLabel: 'admin@example.com',
      action: 'x.y',
      subjectType,
      subjectId,
      before: null,
      after: { role: 'admin' },
      reason: null,
      requestId: null,
      prevHash: '',
      hash: '',
    });
    expect(
      [
        event('user', 'u1'),
        event('token', 't1'),
        event('pod', 'p1'),
        event('session', 's1'),
        event('user', 'bob@example.com'),
      ].map((e) => describeChange(e, names).subject),
    ).toEqual([
      'alice@example.com',
      'token "ci" (alice@example.com)',
      'pod payments',
      'session of alice@example.com',
      'bob@example.com',
    ]);
    expect(describeChange(event('user', 'u1'), names)).toMatchObject({
      sequence: 7,
      actor: 'admin@example.com',
      summary: 'role: admin',
    });
  });
});

describe('buildAccessReport', () => {
  it('lists every user with pods, sign-in method, MFA, open sessions and tokens, and counts them', () => {
    const alice = user('alice@example.com', 'pod-lead', {
      oidcSubject: 'https://idp a',
      lastSignInAt: daysAgo(1),
    });
    const bob = user('bob@example.com', 'viewer', { active: false, deactivatedAt: daysAgo(2) });
    const live = session(alice);
    const idle = session(alice, { lastSeenAt: daysAgo(1) });
    const t = token(alice, { podIds: ['p1', 'p2'], allowedCidrs: ['10.0.0.0/8'] });
    const report = buildAccessReport({
      now: NOW,
      generatedBy: 'admin@example.com',
      period: { from: daysAgo(90), to: NOW },
      idleMinutes: 60,
      users: [bob, alice],
      memberships: [{ userId: alice.id, podId: 'p1', slug: 'payments', podRole: 'lead' }],
      latestSessions: [live],
      openSessions: [live, idle],
      tokens: [t, token(bob, { revokedAt: daysAgo(2) })],
      pods: new Map([
        ['p1', 'payments'],
        ['p2', 'growth'],
      ]),
      accessChanges: [],
    });
    expect(report.users.map((u) => u.email)).toEqual(['alice@example.com', 'bob@example.com']);
    const [a, b] = report.users;
    expect(a).toMatchObject({
      status: 'active',
      signInMethod: 'sso',
      mfa: true,
      pods: [{ slug: 'payments', podRole: 'lead' }],
      sessions: [{ id: live.id, ip: '127.0.0.1', mfa: true }],
      tokens: [{ id: t.id, pods: ['growth', 'payments'], allowedCidrs: ['10.0.0.0/8'], status: 'active' }],
    });
    expect(b).toMatchObject({ status: 'deactivated', signInMethod: 'token', mfa: null, sessions: [] });
    expect(b!.tokens[0]!.status).toBe('revoked');
    expect(report.summary).toMatchObject({
      users: 2,
      activeUsers: 1,
      deactivatedUsers: 1,
      admins: 0,
      ssoUsers: 1,
      openSessions: 1,
      activeTokens: 1,
      findings: 0,
    });
  });
});
