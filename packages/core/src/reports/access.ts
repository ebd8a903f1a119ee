/**
 * The access report (seed §6.2 `generateAccessReport`): who can get in and how, what an auditor
 * should look at first (findings), and who changed access in the period. Pure: the report service
 * loads the records, this decides what they mean.
 */
import type { Role } from '../auth/roles.ts';
import type { ApiToken, AuditEvent, User, UserSession } from '../entities.ts';
import type { ReportMembership } from '../ports/reports.ts';
import type { ReportPeriod } from './period.ts';

const DAY_MS = 86_400_000;
/** A token not used for this long is probably not needed any more. */
export const UNUSED_TOKEN_DAYS = 90;

export type FindingSeverity = 'high' | 'medium' | 'low';
export type FindingKind =
  | 'token_unused'
  | 'admin_token_never_expires'
  | 'admin_without_mfa'
  | 'deactivated_user_token'
  | 'self_approval'
  | 'approved_by_submitter'
  | 'audit_chain_broken'
  | 'audit_checkpoint_failed'
  | 'audit_checkpoint_missing';

/** Something an auditor should look at, in words: what, about whom, and what to do. */
export interface ReportFinding {
  kind: FindingKind;
  severity: FindingSeverity;
  subject: string;
  message: string;
}

/** One audited change to someone's access, as a report lists it. */
export interface ReportAccessChange {
  sequence: number;
  at: Date;
  action: string;
  subjectType: string;
  subjectId: string;
  /** The subject in words: an email, `token "ci" (alice@…)`, `pod payments`. */
  subject: string;
  /** The audit log's actor label. */
  actor: string;
  /** What changed, `field: before → after; …`. */
  summary: string;
  reason: string | null;
}

export interface ReportSession {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  role: Role;
  mfa: boolean;
}

export type ReportTokenStatus = 'active' | 'expired' | 'revoked';

export interface ReportToken {
  id: string;
  name: string;
  role: Role;
  /** Pod slugs; empty means every pod. */
  pods: string[];
  allowedCidrs: string[];
  status: ReportTokenStatus;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface AccessReportUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: 'active' | 'deactivated';
  deactivatedAt: Date | null;
  createdAt: Date;
  pods: { slug: string; podRole: 'lead' | 'member' }[];
  signInMethod: 'sso' | 'token';
  lastSignInAt: Date | null;
  /** `mfa` of their latest SSO session; null when they never signed in with SSO. */
  mfa: boolean | null;
  /** Open SSO sessions. */
  sessions: ReportSession[];
  tokens: ReportToken[];
}

export interface AccessReport {
  report: 'access';
  generatedAt: Date;
  generatedBy: string;
  period: ReportPeriod;
  summary: {
    users: number;
    activeUsers: number;
    deactivatedUsers: number;
    /** Active admins. */
    admins: number;
    ssoUsers: number;
    openSessions: number;
    activeTokens: number;
    findings: number;
    high: number;
    medium: number;
    low: number;
    accessChanges: number;
    notes: string[];
  };
  findings: ReportFinding[];
  users: AccessReportUser[];
  accessChanges: ReportAccessChange[];
}

/** Audit actions that change who may do what: the "access changes" of both reports. */
export const ACCESS_CHANGE_PREFIXES = ['user.', 'token.', 'pod.member_'] as const;
export const ACCESS_CHANGE_ACTIONS = ['session.refused', 'session.mfa_downgraded'] as const;

const day = (d: Date) => d.toISOString().slice(0, 10);
const daysBetween = (a: Date, b: Date) => Math.floor((b.getTime() - a.getTime()) / DAY_MS);

/** Whether a token works at `now`: revoked wins over expired. */
export function tokenStatus(token: ApiToken, now: Date): ReportTokenStatus {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** A token in words: `token "ci" (ada@example.com)`. */
export const tokenLabel = (token: { name: string }, owner: string | undefined) =>
  `token "${token.name}"${owner ? ` (${owner})` : ''}`;

const SEVERITY_ORDER: Record<FindingSeverity, number> = { high: 0, medium: 1, low: 2 };

/** Most severe first, then by kind and subject: the same findings always come in the same order. */
export function sortFindings(findings: ReportFinding[]): ReportFinding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.kind.localeCompare(b.kind) ||
      a.subject.localeCompare(b.subject) ||
      a.message.localeCompare(b.message),
  );
}

export interface AccessFindingsInput {
  now: Date;
  users: readonly User[];
  /** The newest SSO session of each user who had one. */
  latestSessions: readonly UserSession[];
  tokens: readonly ApiToken[];
}

/**
 * The access findings:
 * - `token_unused`: an active token (not revoked, not expired) last used more than
 *   {@link UNUSED_TOKEN_DAYS} days ago, or never used and created longer ago than that;
 * - `admin_token_never_expires`: an unrevoked admin token of an active admin without an expiry;
 * - `admin_without_mfa`: an active admin whose latest SSO session had no second factor, or who never
 *   signed in with SSO (so no second factor is on record at all);
 * - `deactivated_user_token`: a deactivated user still holding an unrevoked token. Deactivation
 *   revokes them, so this should never appear; when it does, something went around it.
 */
export function accessFindings(input: AccessFindingsInput): ReportFinding[] {
  const { now } = input;
  const users = new Map(input.users.map((u) => [u.id, u]));
  const latest = new Map(input.latestSessions.map((s) => [s.userId, s]));
  const findings: ReportFinding[] = [];

  for (const token of input.tokens) {
    const user = users.get(token.userId);
    const subject = tokenLabel(token, user?.email);
    if (token.revokedAt) continue;
    const expired = tokenStatus(token, now) === 'expired';
    if (user && !user.active) {
      findings.push({
        kind: 'deactivated_user_token',
        severity: 'high',
        subject,
        message:
          `${user.email} was deactivated${user.deactivatedAt ? ` on ${day(user.deactivatedAt)}` : ''} but this token is not revoked` +
          `${expired ? ' (it has expired)' : ''}; deactivation revokes every token, so something went around it. ` +
          'Revoke it (DELETE /api/v1/tokens/:id) and check the audit log for how it was issued.',
      });
      continue;
    }
    if (expired) continue;
    const idleSince = token.lastUsedAt ?? token.createdAt;
    const idleDays = daysBetween(idleSince, now);
    if (idleDays > UNUSED_TOKEN_DAYS)
      findings.push({
        kind: 'token_unused',
        severity: token.role === 'admin' ? 'medium' : 'low',
        subject,
        message: token.lastUsedAt
          ? `Not used for ${idleDays} days (last used ${day(token.lastUsedAt)}); revoke it if it is no longer needed`
          : `Never used since it was created ${idleDays} days ago (${day(token.createdAt)}); revoke it if it is no longer needed`,
      });
    if (token.role === 'admin' && token.expiresAt === null && user?.role === 'admin')
      findings.push({
        kind: 'admin_token_never_expires',
        severity: 'medium',
        subject,
        message: `An admin token with no expiry (created ${day(token.createdAt)}); replace it with one that expires (expiresAt) and revoke this one`,
      });
  }

  for (const user of input.users) {
    if (!user.active || user.role !== 'admin') continue;
    const session = latest.get(user.id);
    if (!session)
      findings.push({
        kind: 'admin_without_mfa',
        severity: 'medium',
        subject: user.email,
        message:
          'An admin who has never signed in with SSO, so no second factor is on record: they act with API tokens only. ' +
          'Have them sign in through the identity provider with MFA, or keep their tokens short-lived and address-bound.',
      });
    else if (!session.mfa)
      findings.push({
        kind: 'admin_without_mfa',
        severity: 'high',
        subject: user.email,
        message:
          `An admin whose latest SSO session (${day(session.createdAt)}) had no second factor` +
          `${session.amr.length ? ` (amr: ${session.amr.join(', ')})` : ''}; enrol a second factor at the identity provider.`,
      });
  }
  return sortFindings(findings);
}

/** How to name the subjects of audit events in words. */
export interface SubjectNames {
  users: ReadonlyMap<string, string>;
  tokens: ReadonlyMap<string, string>;
  pods: ReadonlyMap<string, string>;
  /** Session id → the email of its user. */
  sessions: ReadonlyMap<string, string>;
}

/** A subject in words: the email of a user, a token's name and holder, a pod's slug. */
export function subjectLabel(type: string, id: string, names: SubjectNames): string {
  switch (type) {
    case 'user':
      return names.users.get(id) ?? id;
    case 'token':
      return names.tokens.get(id) ?? `token ${id}`;
    case 'pod':
      return names.pods.has(id) ? `pod ${names.pods.get(id)}` : `pod ${id}`;
    case 'session':
      return names.sessions.has(id) ? `session of ${names.sessions.get(id)}` : `session ${id}`;
    default:
      return `${type} ${id}`;
  }
}

const SUMMARY_MAX = 500;

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : 'none';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * An audit event's `before`/`after` in one line: `role: developer → admin; sessionsEnded: 1`. Fields
 * that did not change are left out; a field only in `after` reads `field: value`, only in `before`
 * `field was value`.
 */
export function summarizeChange(before: unknown, after: unknown): string {
  const parts: string[] = [];
  const b = isRecord(before) ? before : before == null ? {} : { value: before };
  const a = isRecord(after) ? after : after == null ? {} : { value: after };
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  for (const key of keys) {
    const inBefore = Object.hasOwn(b, key);
    const inAfter = Object.hasOwn(a, key);
    if (inBefore && inAfter) {
      if (JSON.stringify(b[key]) !== JSON.stringify(a[key]))
        parts.push(`${key}: ${show(b[key])} → ${show(a[key])}`);
    } else if (inAfter) parts.push(`${key}: ${show(a[key])}`);
    else parts.push(`${key} was ${show(b[key])}`);
  }
  const text = parts.join('; ');
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

/** An audit event as a report's access change. */
export function describeChange(event: AuditEvent, names: SubjectNames): ReportAccessChange {
  return {
    sequence: event.sequence,
    at: event.occurredAt,
    action: event.action,
    subjectType: event.subjectType,
    subjectId: event.subjectId,
    subject: subjectLabel(event.subjectType, event.subjectId, names),
    actor: event.actorLabel,
    summary: summarizeChange(event.before, event.after),
    reason: event.reason,
  };
}

export interface AccessReportInput {
  now: Date;
  generatedBy: string;
  period: ReportPeriod;
  /** `auth.session.idleMinutes`: a session idle for longer no longer lets anyone in. */
  idleMinutes: number;
  users: readonly User[];
  memberships: readonly ReportMembership[];
  latestSessions: readonly UserSession[];
  /** Sessions not ended and not past their absolute end. */
  openSessions: readonly UserSession[];
  tokens: readonly ApiToken[];
  /** Pod id → slug. */
  pods: ReadonlyMap<string, string>;
  accessChanges: ReportAccessChange[];
  notes?: string[];
}

/** Assembles the access report from the records the service loaded. */
export function buildAccessReport(input: AccessReportInput): AccessReport {
  const { now } = input;
  const idleMs = input.idleMinutes * 60_000;
  const latest = new Map(input.latestSessions.map((s) => [s.userId, s]));
  const byUser = <T extends { userId: string }>(rows: readonly T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) map.set(row.userId, [...(map.get(row.userId) ?? []), row]);
    return map;
  };
  const memberships = byUser(input.memberships);
  // An idle session is ended on its next use; until then it is open in the table but lets no one in.
  const open = byUser(input.openSessions.filter((s) => now.getTime() - s.lastSeenAt.getTime() <= idleMs));
  const tokens = byUser(input.tokens);

  const users: AccessReportUser[] = [...input.users]
    .sort((a, b) => a.email.localeCompare(b.email))
    .map((user) => ({
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      status: user.active ? 'active' : 'deactivated',
      deactivatedAt: user.deactivatedAt,
      createdAt: user.createdAt,
      pods: (memberships.get(user.id) ?? [])
        .map((m) => ({ slug: m.slug, podRole: m.podRole }))
        .sort((a, b) => a.slug.localeCompare(b.slug)),
      signInMethod: user.oidcSubject ? 'sso' : 'token',
      lastSignInAt: user.lastSignInAt,
      mfa: latest.get(user.id)?.mfa ?? null,
      sessions: (open.get(user.id) ?? []).map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        ip: s.ip,
        role: s.role,
        mfa: s.mfa,
      })),
      tokens: (tokens.get(user.id) ?? []).map((t) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        pods: t.podIds.map((id) => input.pods.get(id) ?? id).sort(),
        allowedCidrs: t.allowedCidrs,
        status: tokenStatus(t, now),
        createdAt: t.createdAt,
        lastUsedAt: t.lastUsedAt,
        expiresAt: t.expiresAt,
        revokedAt: t.revokedAt,
      })),
    }));

  const findings = accessFindings({
    now,
    users: input.users,
    latestSessions: input.latestSessions,
    tokens: input.tokens,
  });
  const severity = (s: FindingSeverity) => findings.filter((f) => f.severity === s).length;
  return {
    report: 'access',
    generatedAt: now,
    generatedBy: input.generatedBy,
    period: input.period,
    summary: {
      users: users.length,
      activeUsers: users.filter((u) => u.status === 'active').length,
      deactivatedUsers: users.filter((u) => u.status === 'deactivated').length,
      admins: users.filter((u) => u.status === 'active' && u.role === 'admin').length,
      ssoUsers: users.filter((u) => u.signInMethod === 'sso').length,
      openSessions: users.reduce((n, u) => n + u.sessions.length, 0),
      activeTokens: users.reduce((n, u) => n + u.tokens.filter((t) => t.status === 'active').length, 0),
      findings: findings.length,
      high: severity('high'),
      medium: severity('medium'),
      low: severity('low'),
      accessChanges: input.accessChanges.length,
      notes: input.notes ?? [],
    },
    findings,
    users,
    accessChanges: input.accessChanges,
  };
}
