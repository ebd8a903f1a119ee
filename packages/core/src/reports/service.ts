/**
 * The access and SOC 2 reports (docs/reports.md). Each is read in one consistent snapshot, so every
 * section describes the same moment; generating one is then audited in a transaction of its own
 * (`report.generated`), because the snapshot is read-only and a report is a disclosure worth logging.
 */
import { verifyChain } from '../audit/chain.ts';
import { type CheckpointVerdict, checkpointMessage, verifyCheckpoints } from '../audit/checkpoint.ts';
import { sealCommittedAudit } from '../audit/seal.ts';
import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { ApiToken, AuditEvent, User } from '../entities.ts';
import { record } from '../events/record.ts';
import type { ReportEventFilter } from '../ports/reports.ts';
import type { Repositories } from '../ports/repositories.ts';
import { isUuid } from '../stages/project-key.ts';
import {
  ACCESS_CHANGE_ACTIONS,
  ACCESS_CHANGE_PREFIXES,
  type AccessReport,
  buildAccessReport,
  describeChange,
  type ReportAccessChange,
  type SubjectNames,
  tokenLabel,
} from './access.ts';
import { ACCESS_DEFAULT_DAYS, type ReportPeriod, resolveReportPeriod } from './period.ts';
import {
  auditChainSection,
  buildSoc2Report,
  type ChainCheck,
  describeBlocks,
  describeTransitions,
  type Soc2Report,
} from './soc2.ts';

export type ReportFormat = 'json' | 'csv' | 'pdf';
export type ReportKind = 'access' | 'soc2';

export interface ReportRequest {
  from?: Date | undefined;
  to?: Date | undefined;
  /** How the caller will render it; recorded in the audit event. */
  format?: ReportFormat | undefined;
}

/** At most this many rows per section; a longer period is reported in parts (the summary says so). */
export const REPORT_SECTION_LIMIT = 10_000;

/** SOC 2 "access changes": what the access report lists, but tokens, which have their own section. */
const SOC2_ACCESS_PREFIXES = ACCESS_CHANGE_PREFIXES.filter((p) => p !== 'token.');

/**
 * The report use cases (`services.reports`): `access(ctx, { from?, to?, format? })` and
 * `soc2(ctx, { from, to, format? })`, both for `reports:read` only.
 */
export function createReportService(deps: Deps) {
  const { uow, clock, secrets, validators } = deps;

  /** Reads a section's events; the note says when it was cut at the limit. */
  async function events(
    repos: Repositories,
    filter: ReportEventFilter,
    section: string,
    notes: string[],
  ): Promise<AuditEvent[]> {
    const rows = await repos.reports.auditEvents(filter, REPORT_SECTION_LIMIT + 1);
    if (rows.length <= REPORT_SECTION_LIMIT) return rows;
    notes.push(
      `${section}: only the first ${REPORT_SECTION_LIMIT} events of the period are listed; report a shorter period to see the rest`,
    );
    return rows.slice(0, REPORT_SECTION_LIMIT);
  }

  async function subjectNames(
    repos: Repositories,
    users: readonly User[],
    tokens: readonly ApiToken[],
    changes: readonly AuditEvent[],
    podIds: Iterable<string>,
  ): Promise<SubjectNames> {
    const emails = new Map(users.map((u) => [u.id, u.email]));
    const pods = new Set(podIds);
    const sessions = new Set<string>();
    for (const e of changes) {
      if (e.subjectType === 'pod' && isUuid(e.subjectId)) pods.add(e.subjectId);
      if (e.subjectType === 'session' && isUuid(e.subjectId)) sessions.add(e.subjectId);
    }
    const owners = await repos.reports.sessionOwners([...sessions]);
    return {
      users: emails,
      tokens: new Map(tokens.map((t) => [t.id, tokenLabel(t, emails.get(t.userId))])),
      pods: new Map((await repos.pods.byIds([...pods])).map((p) => [p.id, p.slug])),
      sessions: new Map(owners.map((o) => [o.id, emails.get(o.userId) ?? o.userId])),
    };
  }

  /** The chain walk, its count for the period and the latest checkpoint of this server's key. */
  async function checkChain(repos: Repositories, period: ReportPeriod): Promise<ChainCheck> {
    const head = await repos.audit.head();
    const eventsInPeriod = await repos.reports.countAuditEvents(period.from, period.to);
    const chain = await verifyChain(secrets.sha256, repos.audit.iterate(), head);
    const base = { eventsInPeriod, headSequence: head?.sequence ?? 0, chain };
    const signer = deps.auditCheckpoints?.signer ?? null;
    if (!signer) return { ...base, checkpoint: { status: 'not_configured' } };
    const latest = await repos.auditCheckpoints.latest(signer.keyId);
    if (!latest) return { ...base, checkpoint: { status: 'none_taken', keyId: signer.keyId } };
    const signatureValid =
      latest.publicKey === signer.publicKey && signer.verify(checkpointMessage(latest), latest.signature);
    const verdict: CheckpointVerdict = await verifyCheckpoints(secrets.sha256, repos.audit.iterate(), head, [
      latest,
    ]);
    return {
      ...base,
      checkpoint: {
        status: 'checked',
        sequence: latest.sequence,
        time: latest.time,
        keyId: latest.keyId,
        signatureValid,
        verdict,
      },
    };
  }

  async function audited(ctx: Ctx, report: ReportKind, format: ReportFormat, period: ReportPeriod) {
    await uow.run((repos) =>
      record(repos, ctx, clock.now(), {
        action: 'report.generated',
        subjectType: 'report',
        subjectId: report,
        after: { report, format, from: period.from.toISOString(), to: period.to.toISOString() },
      }),
    );
  }

  return {
    /**
     * Every user with their role, pods, sign-in method, MFA, open sessions and tokens; the findings;
     * and the access changes of the period (default: the 90 days up to now).
     */
    async access(ctx: Ctx, input: ReportRequest = {}): Promise<AccessReport> {
      assertCan(ctx.actor, 'reports:read');
      const now = clock.now();
      const period = resolveReportPeriod(input, now, ACCESS_DEFAULT_DAYS);
      // The period's newest changes are in the report, chained.
      await sealCommittedAudit(uow);
      const report = await uow.run(
        async (repos) => {
          const notes: string[] = [];
          const users = await repos.users.all();
          const tokens = await repos.tokens.all();
          const memberships = await repos.reports.memberships();
          const latestSessions = await repos.reports.latestSessions();
          const openSessions = await repos.reports.openSessions(now);
          const changes = await events(
            repos,
            { ...period, actions: ACCESS_CHANGE_ACTIONS, prefixes: ACCESS_CHANGE_PREFIXES },
            'access changes',
            notes,
          );
          const names = await subjectNames(
            repos,
            users,
            tokens,
            changes,
            tokens.flatMap((t) => t.podIds),
          );
          return buildAccessReport({
            now,
            generatedBy: ctx.actor.label,
            period,
            idleMinutes: deps.policy.auth.session.idleMinutes,
            users,
            memberships,
            latestSessions,
            openSessions,
            tokens,
            pods: names.pods,
            accessChanges: changes.map((e) => describeChange(e, names)),
            notes,
          });
        },
        { snapshot: true },
      );
      await audited(ctx, 'access', input.format ?? 'json', period);
      return report;
    },

    /**
     * Change-management evidence for `[from, to]` (at most a year): transitions with evidence and
     * approvals, segregation of duties flagged; blocks; access changes; token lifecycle; and the audit
     * chain verified whole and against the latest signed checkpoint.
     */
    async soc2(ctx: Ctx, input: ReportRequest): Promise<Soc2Report> {
      assertCan(ctx.actor, 'reports:read');
      const now = clock.now();
      const period = resolveReportPeriod(input, now, null);
      // The period's newest changes are in the report, chained.
      await sealCommittedAudit(uow);
      const report = await uow.run(
        async (repos) => {
          const notes: string[] = [];
          const users = await repos.users.all();
          const tokens = await repos.tokens.all();
          let transitions = await repos.reports.transitions(period.from, period.to, REPORT_SECTION_LIMIT + 1);
          if (transitions.length > REPORT_SECTION_LIMIT) {
            notes.push(
              `transitions: only the first ${REPORT_SECTION_LIMIT} of the period are listed; report a shorter period to see the rest`,
            );
            transitions = transitions.slice(0, REPORT_SECTION_LIMIT);
          }
          const blockEvents = await events(
            repos,
            { ...period, actions: ['stage.blocked', 'stage.unblocked'], prefixes: [] },
            'blocks',
            notes,
          );
          const accessEvents = await events(
            repos,
            { ...period, actions: ACCESS_CHANGE_ACTIONS, prefixes: SOC2_ACCESS_PREFIXES },
            'access changes',
            notes,
          );
          const tokenEvents = await events(
            repos,
            { ...period, actions: [], prefixes: ['token.'] },
            'token lifecycle',
            notes,
          );
          const moved = [...new Set(transitions.map((t) => t.projectId))];
          const projectIds = [...new Set([...moved, ...blockEvents.map((e) => e.subjectId).filter(isUuid)])];
          const projects = new Map((await repos.reports.projects(projectIds)).map((p) => [p.id, p]));
          const evidence = await repos.reports.evidence(moved);
          const approvals = await repos.reports.approvals(moved);
          const names = await subjectNames(repos, users, tokens, [...accessEvents, ...tokenEvents], []);
          const describe = (e: AuditEvent): ReportAccessChange => describeChange(e, names);
          return buildSoc2Report({
            now,
            generatedBy: ctx.actor.label,
            period,
            transitions: describeTransitions({
              transitions,
              projects,
              evidence,
              approvals,
              emails: names.users,
              validate: (stage, data) => validators.validate(stage, data),
            }),
            blocks: describeBlocks(blockEvents, projects),
            accessChanges: accessEvents.map(describe),
            tokenLifecycle: tokenEvents.map(describe),
            auditChain: auditChainSection(await checkChain(repos, period)),
            notes,
          });
        },
        { snapshot: true },
      );
      await audited(ctx, 'soc2', input.format ?? 'json', period);
      return report;
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
