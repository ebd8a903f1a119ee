import { useQuery } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import {
  Badge,
  Button,
  Card,
  Empty,
  ErrorNote,
  formatDate,
  Page,
  QueryState,
  Stat,
  Table,
  TextField,
} from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import {
  type AccessReport,
  chainText,
  type Finding,
  FLAG_TEXT,
  flaggedApprovals,
  type Period,
  periodFromSearch,
  periodProblem,
  periodQuery,
  type ReportFormat,
  type ReportKind,
  reportFileName,
  reportPath,
  SEVERITY_TONE,
  type Soc2Report,
} from '../lib/compliance.ts';
import { asSentence, plural } from '../lib/text.ts';

const TD = 'px-3 py-2 align-top';
const FORMATS: { format: ReportFormat; label: string }[] = [
  { format: 'pdf', label: 'PDF' },
  { format: 'csv', label: 'CSV' },
  { format: 'json', label: 'JSON' },
];

function PeriodPicker({ period }: { period: Period }) {
  const [, setSearch] = useSearchParams();
  const [draft, setDraft] = useState(period);
  const problem = periodProblem(draft);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    setSearch({ from: draft.from, to: draft.to }, { replace: true });
  };
  return (
    <Card>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Report period">
        <TextField
          label="From"
          type="date"
          required
          value={draft.from}
          max={draft.to}
          onChange={(e) => setDraft((d) => ({ ...d, from: e.target.value }))}
        />
        <TextField
          label="To"
          type="date"
          required
          value={draft.to}
          min={draft.from}
          onChange={(e) => setDraft((d) => ({ ...d, to: e.target.value }))}
        />
        <Button type="submit" disabled={problem !== null}>
          Show this period
        </Button>
        {problem ? (
          <p role="alert" className="w-full text-sm text-red-700 dark:text-red-400">
            {problem}
          </p>
        ) : (
          <p className="w-full text-xs text-slate-500">
            Both days included, in your time zone. Access changes and the SOC 2 evidence cover this period;
            the rest of the access report is as of now.
          </p>
        )}
      </form>
    </Card>
  );
}

/** Fetches the report file with the session's credentials and hands it to the browser as a download. */
function Downloads({ kind, period, title }: { kind: ReportKind; period: Period; title: string }) {
  const { download } = useSession();
  const [busy, setBusy] = useState<ReportFormat | null>(null);
  const [error, setError] = useState<unknown>(null);
  const save = async (format: ReportFormat) => {
    setBusy(format);
    setError(null);
    try {
      const response = await download(reportPath(kind, period, format));
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = reportFileName(kind, period, format, response.headers.get('content-disposition'));
      document.body.append(link);
      link.click();
      link.remove();
      // Revoked later, not at once: the browser reads the blob after this handler returns.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {FORMATS.map(({ format, label }) => (
          <Button
            key={format}
            variant="secondary"
            disabled={busy !== null}
            onClick={() => void save(format)}
            aria-label={`Download the ${title} as ${label}`}
          >
            {busy === format ? 'Preparing…' : label}
          </Button>
        ))}
      </div>
      {error ? <ErrorNote error={error} title={`Could not download the ${title}`} /> : null}
    </div>
  );
}

function Findings({ findings, none }: { findings: Finding[]; none: string }) {
  if (findings.length === 0) return <p className="text-sm text-green-700 dark:text-green-400">{none}</p>;
  return (
    <ul className="space-y-2" aria-label="Findings">
      {findings.map((f, i) => (
        <li
          // Two findings may share kind and subject (two unused tokens of one user): the index keeps them apart.
          // biome-ignore lint/suspicious/noArrayIndexKey: findings have no id and are never reordered here
          key={`${f.kind}-${f.subject}-${i}`}
          className="rounded-lg border border-slate-200 p-3 dark:border-slate-800"
        >
          <div className="flex flex-wrap items-center gap-2">
            <Badge tone={SEVERITY_TONE[f.severity]}>{f.severity}</Badge>
            <span className="text-sm font-medium">{f.subject}</span>
          </div>
          <p className="mt-1 text-sm">{asSentence(f.message)}</p>
        </li>
      ))}
    </ul>
  );
}

function Notes({ notes }: { notes: string[] }) {
  if (notes.length === 0) return null;
  return (
    <ul className="list-disc space-y-1 pl-5 text-xs text-slate-500">
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

function AccessChanges({ changes }: { changes: AccessReport['accessChanges'] }) {
  if (changes.length === 0) return <Empty>No access changes in this period.</Empty>;
  return (
    <Table
      caption="Access changes in the period, oldest first"
      head={['When', 'Change', 'Subject', 'By', 'What changed']}
    >
      {changes.map((c) => (
        <tr key={c.sequence} className="border-t border-slate-200 dark:border-slate-800">
          <td className={`${TD} whitespace-nowrap`}>{formatDate(c.at)}</td>
          <td className={`${TD} font-mono text-xs`}>{c.action}</td>
          <td className={TD}>{c.subject}</td>
          <td className={TD}>{c.actor}</td>
          <td className={TD}>
            {c.summary}
            {c.reason ? <div className="text-xs text-slate-500">Reason: {c.reason}</div> : null}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function AccessReportView({ report }: { report: AccessReport }) {
  const s = report.summary;
  return (
    <div className="space-y-4">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Active users" value={s.activeUsers} hint={`${s.deactivatedUsers} deactivated`} />
        <Stat label="Admins" value={s.admins} hint={`${plural(s.ssoUsers, 'user')} signing in with SSO`} />
        <Stat label="Active tokens" value={s.activeTokens} hint={plural(s.openSessions, 'open session')} />
        <Stat
          label="Findings"
          value={s.findings}
          hint={`${s.high} high · ${s.medium} medium · ${s.low} low`}
        />
      </div>
      <section aria-labelledby="access-findings" className="space-y-2">
        <h3 id="access-findings" className="font-semibold">
          Findings
        </h3>
        <Findings findings={report.findings} none="No findings: nothing about access needs attention." />
      </section>
      <section aria-labelledby="access-users" className="space-y-2">
        <h3 id="access-users" className="font-semibold">
          Users ({report.users.length})
        </h3>
        <Table
          caption="Every user with role, status, sign-in method, MFA, sessions and tokens"
          head={['User', 'Role', 'Status', 'Sign-in', 'MFA', 'Pods', 'Sessions', 'Active tokens']}
        >
          {report.users.map((u) => (
            <tr key={u.id} className="border-t border-slate-200 dark:border-slate-800">
              <th scope="row" className={`${TD} text-left font-medium`}>
                {u.name}
                <div className="text-xs font-normal text-slate-500">{u.email}</div>
              </th>
              <td className={TD}>{u.role}</td>
              <td className={TD}>
                <Badge tone={u.status === 'active' ? 'green' : 'red'}>{u.status}</Badge>
              </td>
              <td className={TD}>{u.signInMethod === 'sso' ? 'SSO' : 'Token'}</td>
              <td className={TD}>{u.mfa === null ? '—' : u.mfa ? 'yes' : 'no'}</td>
              <td className={TD}>
                {u.pods.map((p) => (p.podRole === 'lead' ? `${p.slug} (lead)` : p.slug)).join(', ') || '—'}
              </td>
              <td className={`${TD} tabular-nums`}>{u.sessions.length}</td>
              <td className={`${TD} tabular-nums`}>{u.tokens.filter((t) => t.status === 'active').length}</td>
            </tr>
          ))}
        </Table>
      </section>
      <section aria-labelledby="access-changes" className="space-y-2">
        <h3 id="access-changes" className="font-semibold">
          Access changes ({report.accessChanges.length})
        </h3>
        <AccessChanges changes={report.accessChanges} />
      </section>
      <Notes notes={s.notes} />
    </div>
  );
}

function Soc2ReportView({ report }: { report: Soc2Report }) {
  const s = report.summary;
  const chain = chainText(report.auditChain);
  const flagged = flaggedApprovals(report);
  return (
    <div className="space-y-4">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Stage transitions" value={s.transitions} hint={`${s.approvals} approvals`} />
        <Stat label="Flagged approvals" value={s.flaggedApprovals} hint="segregation of duties" />
        <Stat label="Blocks" value={s.blocks} hint={`${s.unblocks} unblocked`} />
        <Stat
          label="Access changes"
          value={s.accessChanges}
          hint={`${s.tokenEvents} token events · ${s.auditEvents} audit events`}
        />
      </div>
      <div
        className={`rounded-lg border p-3 text-sm ${chain.ok ? 'border-green-300 bg-green-50 text-green-900 dark:border-green-800 dark:bg-green-950 dark:text-green-100' : 'border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100'}`}
      >
        <strong className="font-semibold">Audit chain: </strong>
        <span data-testid="chain-verification">{chain.text}</span>
        {report.auditChain.checkpoint.time ? (
          <span className="text-xs"> (checkpoint of {formatDate(report.auditChain.checkpoint.time)})</span>
        ) : null}
      </div>
      <section aria-labelledby="soc2-findings" className="space-y-2">
        <h3 id="soc2-findings" className="font-semibold">
          Findings
        </h3>
        <Findings findings={report.findings} none="No findings for this period." />
      </section>
      <section aria-labelledby="soc2-flagged" className="space-y-2">
        <h3 id="soc2-flagged" className="font-semibold">
          Flagged approvals ({flagged.length})
        </h3>
        {flagged.length === 0 ? (
          <Empty>
            No approval in this period was given by whoever advanced the project or submitted its evidence.
          </Empty>
        ) : (
          <Table
            caption="Approvals flagged for segregation of duties"
            head={['Project', 'Move', 'Approver', 'When', 'Why flagged']}
          >
            {flagged.map(({ transition: t, approval: a, key }) => (
              <tr key={key} className="border-t border-slate-200 dark:border-slate-800">
                <th scope="row" className={`${TD} text-left font-medium`}>
                  {t.project.name ?? t.project.key ?? t.project.id}
                </th>
                <td className={TD}>
                  {t.from} → {t.to}
                </td>
                <td className={TD}>
                  {a.approver}
                  <div className="text-xs text-slate-500">{a.approverRole}</div>
                </td>
                <td className={`${TD} whitespace-nowrap`}>{formatDate(a.at)}</td>
                <td className={TD}>{a.flags.map((f) => FLAG_TEXT[f]).join('; ')}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <Notes notes={s.notes} />
    </div>
  );
}

function ReportCard({
  title,
  kind,
  period,
  description,
  children,
}: {
  title: string;
  kind: ReportKind;
  period: Period;
  description: string;
  children: ReactNode;
}) {
  return (
    <Card>
      <div className="mb-3 flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 className="text-base font-semibold">{title}</h2>
          <p className="text-xs text-slate-500">{description}</p>
        </div>
        <Downloads kind={kind} period={period} title={kind === 'soc2' ? 'SOC 2 report' : 'access report'} />
      </div>
      {children}
    </Card>
  );
}

/**
 * The access report (who can get in, and how) and the SOC 2 evidence of a period (every gate passed,
 * its approvals, segregation of duties, the audit chain), with the same reports as files.
 */
export function Compliance() {
  const { client, can } = useSession();
  const [search] = useSearchParams();
  // The default period moves with the day; within one visit it stays put.
  const now = useMemo(() => new Date(), []);
  const period = useMemo(() => periodFromSearch(search, now), [search, now]);
  const query = periodQuery(period);
  const allowed = can('reports:read');
  const access = useQuery({
    queryKey: ['reports', 'access', query],
    queryFn: () => client.getAccessReport({ query }),
    enabled: allowed,
    staleTime: 5 * 60_000,
  });
  const soc2 = useQuery({
    queryKey: ['reports', 'soc2', query],
    queryFn: () => client.getSoc2Report({ query }),
    enabled: allowed,
    staleTime: 5 * 60_000,
  });
  if (!allowed)
    return (
      <Page title="Compliance">
        <Empty>The compliance reports need the reports:read permission (admins).</Empty>
      </Page>
    );
  return (
    <Page title="Compliance">
      <PeriodPicker key={`${period.from}/${period.to}`} period={period} />
      <ReportCard
        title="Access report"
        kind="access"
        period={period}
        description="Every user with role, pods, sign-in method, MFA, sessions and tokens; findings first."
      >
        <QueryState query={access} what="the access report">
          {(report) => <AccessReportView report={report} />}
        </QueryState>
      </ReportCard>
      <ReportCard
        title="SOC 2 report"
        kind="soc2"
        period={period}
        description="Change-management evidence: stage transitions, approvals, blocks, access changes and the audit chain."
      >
        <QueryState query={soc2} what="the SOC 2 report">
          {(report) => <Soc2ReportView report={report} />}
        </QueryState>
      </ReportCard>
    </Page>
  );
}
