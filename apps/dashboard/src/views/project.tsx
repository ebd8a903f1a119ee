import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  Badge,
  Button,
  Card,
  Empty,
  ErrorNote,
  formatDate,
  Page,
  QueryState,
  SelectField,
  TextArea,
  TextField,
} from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { usePodList } from '../lib/pod-list.ts';
import {
  buildTimeline,
  type CiStatus,
  ciSummary,
  criterionLabel,
  type ProjectDetail as Detail,
  evidenceSkeleton,
  type GateCriterion,
  type GateEvaluation,
  latestEvidence,
  parseEvidence,
  type TimelineEntry,
  type TimelineKind,
  unmetFromError,
} from '../lib/stage-gates.ts';

/** After any change to a project: its page, lists, the funnel and overview, and its audit trail. */
function useInvalidateProject() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      [['projects'], ['dashboard'], ['audit']].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
    );
}

const CI_TONE = { passed: 'green', failed: 'red', running: 'amber' } as const;

function CiBadges({ statuses }: { statuses: CiStatus[] }) {
  if (statuses.length === 0) return <span className="text-slate-500">No CI reports</span>;
  return (
    <ul className="flex flex-wrap gap-2">
      {ciSummary(statuses).map((s) => (
        <li key={s.context}>
          {s.url && /^https?:\/\//i.test(s.url) ? (
            <a
              href={s.url}
              target="_blank"
              rel="noreferrer noopener"
              className="underline-offset-2 hover:underline"
            >
              <Badge tone={CI_TONE[s.status]}>
                {s.context}: {s.status}
              </Badge>
            </a>
          ) : (
            <Badge tone={CI_TONE[s.status]}>
              {s.context}: {s.status}
            </Badge>
          )}
        </li>
      ))}
    </ul>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">
        {label}
      </dt>
      <dd className="mt-1 text-sm">{children}</dd>
    </div>
  );
}

function Header({
  project,
  pod,
  ci,
}: {
  project: Detail;
  pod: { slug: string; name: string } | undefined;
  ci: CiStatus[];
}) {
  return (
    <Card>
      <dl className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-5">
        <Field label="Key">
          <code className="font-mono">{project.key}</code>
          <span className="block text-xs text-slate-500">use it instead of the id in the CLI and API</span>
        </Field>
        <Field label="Pod">
          {pod ? (
            <Link
              to={`/pods/${pod.slug}`}
              className="text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
            >
              {pod.name}
            </Link>
          ) : (
            '—'
          )}
        </Field>
        <Field label="Stage">
          <span className="font-medium">{project.currentStage}</span>
          <span className="block text-xs text-slate-500">since {formatDate(project.stageEnteredAt)}</span>
        </Field>
        <Field label="Status">
          {project.closedAt ? (
            <>
              <Badge tone={project.outcome === 'shipped' ? 'green' : 'slate'}>
                Closed: {project.outcome}
              </Badge>
              <span className="block text-xs text-slate-500">
                {formatDate(project.closedAt)}
                {project.closeReason ? ` · ${project.closeReason}` : ''}
              </span>
            </>
          ) : project.blockedReason ? (
            <>
              <Badge tone="red">Blocked</Badge>
              <span className="mt-1 block">Reason: {project.blockedReason}</span>
              <span className="block text-xs text-slate-500">since {formatDate(project.blockedAt)}</span>
            </>
          ) : (
            <Badge tone="teal">Open</Badge>
          )}
        </Field>
        <Field label="CI status">
          <CiBadges statuses={ci} />
        </Field>
      </dl>
    </Card>
  );
}

// Met and unmet read as words and symbols, not only as colours.
function Verdict({ met }: { met: boolean }) {
  return met ? (
    <span className="inline-flex shrink-0 items-center gap-1 font-semibold text-green-700 dark:text-green-400">
      <span aria-hidden="true">✓</span> Met
    </span>
  ) : (
    <span className="inline-flex shrink-0 items-center gap-1 font-semibold text-red-700 dark:text-red-400">
      <span aria-hidden="true">✗</span> Unmet
    </span>
  );
}

function CriterionItem({ c }: { c: GateCriterion }) {
  return (
    <li className="flex flex-col gap-1 py-2 sm:flex-row sm:items-start sm:gap-3" data-met={c.met}>
      <Verdict met={c.met} />
      <div className="min-w-0">
        <div className="font-medium">{criterionLabel(c)}</div>
        <div className="break-words text-slate-600 dark:text-slate-300">{c.message}</div>
        {c.kind === 'approvals' ? (
          <div className="text-xs text-slate-500 dark:text-slate-400">
            {c.received ?? 0} of {c.required ?? 0} approvals received
            {c.roles?.length ? ` · from ${c.roles.join(' or ')}` : ''}
            {c.approvers?.length ? ` · approved by ${c.approvers.join(', ')}` : ''}
          </div>
        ) : null}
      </div>
    </li>
  );
}

function GateCard({ gate }: { gate: GateEvaluation }) {
  if (!gate.nextStage) {
    const closed = gate.criteria.find((c) => c.kind === 'not_closed');
    return (
      <Card title="Next gate">
        <p className="text-sm">
          {closed ? closed.message : `${gate.currentStage} is the last stage: there is no gate left to pass.`}
        </p>
      </Card>
    );
  }
  const unmet = gate.criteria.filter((c) => !c.met).length;
  return (
    <Card title={`Next gate: ${gate.currentStage} → ${gate.nextStage}`}>
      <p className="mb-2 text-sm">
        {gate.ready ? (
          <Badge tone="green">✓ Ready to advance</Badge>
        ) : (
          <Badge tone="amber">
            ✗ Not ready: {unmet} {unmet === 1 ? 'criterion' : 'criteria'} unmet
          </Badge>
        )}
      </p>
      <ul aria-label="Gate criteria" className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
        {gate.criteria.map((c, i) => (
          <CriterionItem key={`${c.kind}:${c.path ?? i}:${c.by ?? ''}`} c={c} />
        ))}
      </ul>
    </Card>
  );
}

// ---------------------------------------------------------------- actions

function EvidenceForm({ projectId, initial }: { projectId: string; initial: string }) {
  const { client } = useSession();
  const invalidate = useInvalidateProject();
  const [text, setText] = useState(initial);
  const [parseError, setParseError] = useState<string | null>(null);
  const submit = useMutation({
    mutationFn: (evidence: Record<string, unknown>) =>
      client.submitEvidence({ params: { id: projectId }, body: { evidence } }),
    onSuccess: invalidate,
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseEvidence(text);
    if (!parsed.ok) {
      setParseError(parsed.message);
      return;
    }
    setParseError(null);
    submit.mutate(parsed.value);
  };
  return (
    <form onSubmit={onSubmit} className="space-y-3">
      <h3 className="text-sm font-semibold">Evidence</h3>
      <TextArea
        label="Evidence (JSON)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={8}
        spellCheck={false}
        aria-invalid={parseError ? true : undefined}
      />
      {parseError ? (
        <div
          role="alert"
          className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          {parseError}
        </div>
      ) : null}
      {submit.isError ? <ErrorNote error={submit.error} title="Evidence was refused" /> : null}
      {submit.isSuccess && !parseError ? (
        <p role="status" className="text-sm text-slate-600 dark:text-slate-300">
          Evidence submitted;{' '}
          {submit.data.gate.ready ? 'the gate is met.' : 'the gate above shows what is still missing.'}
        </p>
      ) : null}
      <Button type="submit" disabled={submit.isPending}>
        Submit evidence
      </Button>
    </form>
  );
}

function DecisionForm({ projectId }: { projectId: string }) {
  const { client } = useSession();
  const invalidate = useInvalidateProject();
  const [comment, setComment] = useState('');
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      client.decideGate({
        params: { id: projectId },
        body: { decision, comment: comment.trim() ? comment : null },
      }),
    onSuccess: () => {
      setComment('');
      return invalidate();
    },
  });
  return (
    <div className="space-y-3">
      <h3 className="text-sm font-semibold">Decision</h3>
      <TextArea
        label="Decision comment"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        rows={2}
        maxLength={5000}
      />
      {decide.isError ? <ErrorNote error={decide.error} title="The decision was refused" /> : null}
      {decide.isSuccess ? (
        <p role="status" className="text-sm text-slate-600 dark:text-slate-300">
          {decide.data.approval.decision === 'approve' ? 'Approved.' : 'Rejected.'}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => decide.mutate('approve')} disabled={decide.isPending}>
          Approve
        </Button>
        <Button variant="danger" onClick={() => decide.mutate('reject')} disabled={decide.isPending}>
          Reject
        </Button>
      </div>
    </div>
  );
}

function AdvanceAction({ projectId, nextStage }: { projectId: string; nextStage: string }) {
  const { client } = useSession();
  const invalidate = useInvalidateProject();
  const advance = useMutation({
    mutationFn: () => client.advanceProject({ params: { id: projectId } }),
    onSuccess: invalidate,
    // A refusal re-evaluates the gate too: the criteria shown above should match what the server said.
    onError: invalidate,
  });
  const unmet = unmetFromError(advance.error);
  return (
    <div className="space-y-3">
      <h3 className="text-sm font-semibold">Advance to {nextStage}</h3>
      {advance.isError ? (
        <div className="space-y-2">
          <ErrorNote error={advance.error} title="Could not advance" />
          {unmet.length ? (
            <ul aria-label="Why the gate refused" className="list-disc space-y-1 pl-5 text-sm">
              {unmet.map((c, i) => (
                <li key={`${c.kind}:${c.path ?? i}`}>
                  <span className="font-medium">{criterionLabel(c)}</span>: {c.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {advance.isSuccess ? (
        <p role="status" className="text-sm text-slate-600 dark:text-slate-300">
          Advanced to {advance.data.project.currentStage}.
        </p>
      ) : null}
      <Button onClick={() => advance.mutate()} disabled={advance.isPending}>
        Advance
      </Button>
    </div>
  );
}

function BlockAction({ project }: { project: Detail }) {
  const { client } = useSession();
  const invalidate = useInvalidateProject();
  const [reason, setReason] = useState('');
  const block = useMutation({
    mutationFn: () => client.blockProject({ params: { id: project.id }, body: { reason } }),
    onSuccess: () => {
      setReason('');
      return invalidate();
    },
  });
  const unblock = useMutation({
    mutationFn: () => client.unblockProject({ params: { id: project.id }, body: {} }),
    onSuccess: invalidate,
  });
  if (project.blockedReason)
    return (
      <div className="space-y-3">
        <h3 className="text-sm font-semibold">Blocked</h3>
        <p className="text-sm">Reason: {project.blockedReason}</p>
        {unblock.isError ? <ErrorNote error={unblock.error} title="Could not unblock" /> : null}
        <Button variant="secondary" onClick={() => unblock.mutate()} disabled={unblock.isPending}>
          Unblock
        </Button>
      </div>
    );
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        block.mutate();
      }}
    >
      <h3 className="text-sm font-semibold">Block</h3>
      <TextField
        label="Block reason"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        maxLength={2000}
      />
      {block.isError ? <ErrorNote error={block.error} title="Could not block" /> : null}
      <Button type="submit" variant="secondary" disabled={block.isPending}>
        Block
      </Button>
    </form>
  );
}

function CloseAction({ projectId }: { projectId: string }) {
  const { client } = useSession();
  const invalidate = useInvalidateProject();
  const [outcome, setOutcome] = useState<'shipped' | 'cancelled'>('shipped');
  const [reason, setReason] = useState('');
  const close = useMutation({
    mutationFn: () =>
      client.closeProject({
        params: { id: projectId },
        body: { outcome, reason: reason.trim() ? reason : null },
      }),
    onSuccess: invalidate,
  });
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        close.mutate();
      }}
    >
      <h3 className="text-sm font-semibold">Close</h3>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        <SelectField
          label="Outcome"
          value={outcome}
          onChange={(e) => setOutcome(e.target.value as 'shipped' | 'cancelled')}
        >
          <option value="shipped">Shipped</option>
          <option value="cancelled">Cancelled</option>
        </SelectField>
        <TextField
          label="Close reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={2000}
        />
      </div>
      {close.isError ? <ErrorNote error={close.error} title="Could not close" /> : null}
      <Button type="submit" variant="danger" disabled={close.isPending}>
        Close project
      </Button>
    </form>
  );
}

function Actions({ project, gate }: { project: Detail; gate: GateEvaluation | undefined }) {
  const { can } = useSession();
  if (project.closedAt) return null;
  const next = gate?.nextStage ?? null;
  const work = can('projects:work', project.podId);
  const approve = can('gates:approve', project.podId) && next !== null;
  const manage = can('projects:manage', project.podId);
  if (!work && !approve && !manage) return null;
  const sections: ReactNode[] = [];
  if (work && gate && next)
    sections.push(
      <EvidenceForm
        // A new gate (after advancing) starts from its own skeleton.
        key={`evidence:${next}`}
        projectId={project.id}
        initial={evidenceSkeleton(gate, latestEvidence(project, next))}
      />,
    );
  if (approve) sections.push(<DecisionForm key="decide" projectId={project.id} />);
  if (work && next)
    sections.push(<AdvanceAction key={`advance:${next}`} projectId={project.id} nextStage={next} />);
  if (work) sections.push(<BlockAction key="block" project={project} />);
  if (manage) sections.push(<CloseAction key="close" projectId={project.id} />);
  return (
    <Card title="Actions">
      <div className="divide-y divide-slate-100 dark:divide-slate-800 [&>*]:py-4 [&>*:first-child]:pt-0 [&>*:last-child]:pb-0">
        {sections}
      </div>
    </Card>
  );
}

// ---------------------------------------------------------------- timeline

const KIND_TEXT: Record<TimelineKind, { label: string; tone: 'slate' | 'green' | 'amber' | 'red' | 'teal' }> =
  {
    created: { label: 'Created', tone: 'teal' },
    transition: { label: 'Stage', tone: 'teal' },
    evidence: { label: 'Evidence', tone: 'slate' },
    approved: { label: 'Approval', tone: 'green' },
    rejected: { label: 'Rejection', tone: 'red' },
    blocked: { label: 'Block', tone: 'red' },
    unblocked: { label: 'Unblock', tone: 'green' },
    closed: { label: 'Closed', tone: 'slate' },
    ci: { label: 'CI', tone: 'amber' },
    merged: { label: 'Merge', tone: 'teal' },
  };

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <Empty>Nothing has happened yet.</Empty>;
  return (
    <ol aria-label="Timeline, newest first" className="space-y-3">
      {entries.map((e) => (
        <li
          key={e.key}
          className="flex flex-col gap-1 border-l-2 border-slate-200 pl-3 sm:flex-row sm:gap-3 dark:border-slate-700"
        >
          <time dateTime={e.at} className="shrink-0 text-xs text-slate-500 sm:w-40 dark:text-slate-400">
            {formatDate(e.at)}
          </time>
          <div className="min-w-0 text-sm">
            <Badge tone={KIND_TEXT[e.kind].tone}>{KIND_TEXT[e.kind].label}</Badge>{' '}
            <span className="font-medium">{e.title}</span>
            {e.actor ? <span className="text-slate-500 dark:text-slate-400"> · {e.actor}</span> : null}
            {e.detail ? <p className="break-words text-slate-600 dark:text-slate-300">{e.detail}</p> : null}
            {e.href ? (
              <a
                href={e.href}
                target="_blank"
                rel="noreferrer noopener"
                className="text-xs text-teal-700 underline dark:text-teal-400"
              >
                {e.hrefLabel ?? 'Open the CI run'}
              </a>
            ) : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

// ---------------------------------------------------------------- page

/** One project: header, the next gate criterion by criterion, the actions allowed, and its timeline. */
export function ProjectDetail() {
  const { id = '' } = useParams();
  const { client } = useSession();
  const project = useQuery({
    queryKey: ['projects', id],
    queryFn: () => client.getProject({ params: { id } }),
  });
  const gate = useQuery({
    queryKey: ['projects', id, 'gate'],
    queryFn: () => client.getProjectGate({ params: { id } }),
    enabled: project.isSuccess,
  });
  const ci = useQuery({
    queryKey: ['projects', id, 'ci'],
    queryFn: () => client.listCiStatuses({ params: { id }, query: { limit: 200 } }),
    enabled: project.isSuccess,
  });
  // The URL may name the project by its key; the audit log files it under its id.
  const projectId = project.data?.id ?? '';
  const audit = useQuery({
    queryKey: ['audit', 'project', projectId],
    queryFn: () => client.listAudit({ query: { subjectType: 'project', subjectId: projectId, limit: 200 } }),
    enabled: project.isSuccess,
  });
  const pods = usePodList();

  return (
    <Page title={project.data?.name ?? 'Project'}>
      <QueryState query={project} what="the project">
        {(p) => {
          const pod = pods.data?.items.find((x) => x.id === p.podId);
          const timeline = buildTimeline({
            detail: p,
            ...(ci.data ? { ciStatuses: ci.data.items } : {}),
            ...(audit.data ? { audit: audit.data.items } : {}),
          });
          return (
            <div className="space-y-6">
              <Header project={p} pod={pod} ci={ci.data?.items ?? p.ciStatus} />
              <div className="grid gap-6 lg:grid-cols-2">
                <div className="space-y-6">
                  <QueryState query={gate} what="the gate">
                    {(g) => <GateCard gate={g} />}
                  </QueryState>
                  <Actions project={p} gate={gate.data} />
                </div>
                <Card title="Timeline" className="self-start">
                  {audit.isError ? (
                    <div className="mb-3">
                      <ErrorNote error={audit.error} title="Blocks and closes could not be loaded" />
                    </div>
                  ) : null}
                  {ci.isError ? (
                    <div className="mb-3">
                      <ErrorNote error={ci.error} title="CI history could not be loaded" />
                    </div>
                  ) : null}
                  <Timeline entries={timeline} />
                </Card>
              </div>
            </div>
          );
        }}
      </QueryState>
    </Page>
  );
}
