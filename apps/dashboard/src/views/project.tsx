import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, type ReactNode, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { EvidenceForm } from '../components/evidence-form.tsx';
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
import {
  type FieldError,
  gateFieldErrors,
  type JsonSchema,
  problemSentences,
  schemaAt,
  serverFieldErrors,
  validateEvidence,
  wordsFor,
} from '../lib/evidence-form.ts';
import { usePodList } from '../lib/pod-list.ts';
import { usePolicy } from '../lib/policy.ts';
import {
  buildTimeline,
  type CiStatus,
  ciSummary,
  criterionLabel,
  type ProjectDetail as Detail,
  type Evidence,
  type GateCriterion,
  type GateEvaluation,
  latestEvidence,
  type TimelineEntry,
  type TimelineKind,
  unmetFromError,
} from '../lib/stage-gates.ts';
import { plural } from '../lib/text.ts';

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

/** A criterion's message in words; an evidence problem as the form says it ("needs at least 10 characters"). */
function criterionWords(c: GateCriterion, schema: JsonSchema | null): string {
  if (c.kind !== 'evidence' || !c.path || c.path === '(root)' || c.met) return c.message;
  return wordsFor(c.message, schema ? schemaAt(schema, c.path) : undefined);
}

function CriterionItem({ c, schema }: { c: GateCriterion; schema: JsonSchema | null }) {
  return (
    <li className="flex flex-col gap-1 py-2 sm:flex-row sm:items-start sm:gap-3" data-met={c.met}>
      <Verdict met={c.met} />
      <div className="min-w-0">
        <div className="font-medium">{criterionLabel(c)}</div>
        <div className="break-words text-slate-600 dark:text-slate-300">{criterionWords(c, schema)}</div>
        {c.kind === 'approvals' ? (
          <div className="text-xs text-slate-500 dark:text-slate-400">
            {c.received ?? 0} of {c.required ?? 0} approvals received
            {c.roles?.length ? ` · from ${c.roles.join(' or ')}` : ''}
            {c.approvers?.length ? ` · approved by ${c.approvers.join(', ')}` : ''}
          </div>
        ) : null}
        {c.kind === 'linear_issues_done' && c.issues?.length ? (
          <ul aria-label="Open Linear issues" className="text-xs">
            {c.issues.map((i) => (
              <li key={i.identifier}>
                <LinearLink url={i.url}>{i.identifier}</LinearLink> {i.title} · {i.state}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </li>
  );
}

/** A link to Linear, opened apart from the dashboard; plain text when Linear gave no URL. */
function LinearLink({ url, children }: { url: string | null; children: ReactNode }) {
  return url ? (
    <a className="text-teal-700 underline dark:text-teal-400" href={url} target="_blank" rel="noreferrer">
      {children}
    </a>
  ) : (
    <span>{children}</span>
  );
}

/** The project's Linear project and issues (docs/linear.md): where its stages' work is planned. */
function LinearCard({ linear }: { linear: NonNullable<Detail['linear']> }) {
  return (
    <Card title="Linear">
      <p className="mb-2 text-sm">
        Project: <LinearLink url={linear.project.url}>{linear.project.name}</LinearLink>
      </p>
      {linear.issues.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-300">No issues yet.</p>
      ) : (
        <ul aria-label="Linear issues" className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
          {linear.issues.map((i) => (
            <li key={i.identifier} className="py-1">
              <LinearLink url={i.url}>{i.identifier}</LinearLink> {i.title}{' '}
              <span className="text-xs text-slate-500 dark:text-slate-400">
                · {i.stage} · {i.state}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function GateCard({ gate, schema }: { gate: GateEvaluation; schema: JsonSchema | null }) {
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
          <CriterionItem key={`${c.kind}:${c.path ?? i}:${c.by ?? ''}`} c={c} schema={schema} />
        ))}
      </ul>
    </Card>
  );
}

// ---------------------------------------------------------------- actions

type Notice = { tone: 'ok'; text: string } | { tone: 'error'; title: string; error: unknown };

/** A menu of the less frequent actions, behind one button: arrows move, Escape closes. */
function ActionMenu({ items }: { items: { label: string; danger?: boolean; onSelect(): void }[] }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    root.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const outside = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', outside);
    return () => document.removeEventListener('mousedown', outside);
  }, [open]);
  if (items.length === 0) return null;
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const entries = [...(root.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      root.current?.querySelector<HTMLButtonElement>('[aria-haspopup="menu"]')?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      entries[(at + step + entries.length) % entries.length]?.focus();
    } else if (e.key === 'Tab') setOpen(false);
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the keys act on the menu inside it
    <div ref={root} className="relative" onKeyDown={onKeyDown}>
      <Button
        variant="secondary"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${id}-menu` : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        More actions <span aria-hidden="true">▾</span>
      </Button>
      {open ? (
        <div
          id={`${id}-menu`}
          role="menu"
          aria-label="More actions"
          className="absolute right-0 z-20 mt-1 min-w-48 rounded-lg border border-slate-200 bg-white py-1 shadow-lg dark:border-slate-700 dark:bg-slate-900"
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              onClick={() => {
                setOpen(false);
                item.onSelect();
              }}
              className={`block w-full px-3 py-2 text-left text-sm hover:bg-slate-100 focus:bg-slate-100 focus:outline-none dark:hover:bg-slate-800 dark:focus:bg-slate-800 ${
                item.danger ? 'text-red-700 dark:text-red-400' : ''
              }`}
            >
              {item.label}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function NoticeView({ notice }: { notice: Notice | null }) {
  if (!notice) return null;
  if (notice.tone === 'error') return <ErrorNote error={notice.error} title={notice.title} />;
  return (
    <p role="status" className="text-sm text-slate-700 dark:text-slate-300">
      {notice.text}
    </p>
  );
}

/** Why Advance is not offered yet, naming the unmet criteria. */
function advanceReason(gate: GateEvaluation): string | null {
  if (gate.ready) return null;
  const unmet = gate.criteria.filter((c) => !c.met && !(c.kind === 'evidence' && c.path === '(root)'));
  const names = [...new Set(unmet.map((c) => criterionLabel(c)))];
  const count = gate.criteria.filter((c) => !c.met).length;
  return `Advance is possible once the gate is met: ${plural(count, 'criterion', 'criteria')} unmet${
    names.length ? ` (${names.join(', ')})` : ''
  }.`;
}

type Dialog = 'block' | 'close' | 'reject' | null;

/**
 * The project's actions: the primary ones in view (Advance, Submit evidence, Approve), the rest in a
 * menu; the ones that cannot be taken back (reject, close) asked again in a dialog. One notice for
 * the whole page, replaced by the next action, so no message outlives the state it described.
 */
function Actions({
  project,
  gate,
  schema,
}: {
  project: Detail;
  gate: GateEvaluation | undefined;
  schema: JsonSchema | null;
}) {
  const { client, can } = useSession();
  const invalidate = useInvalidateProject();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [unmet, setUnmet] = useState<GateCriterion[]>([]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [reason, setReason] = useState('');
  const [comment, setComment] = useState('');
  const [outcome, setOutcome] = useState<'shipped' | 'cancelled'>('shipped');
  const [localError, setLocalError] = useState<Error | null>(null);
  const [evidenceResult, setEvidenceResult] = useState<{ gate: GateEvaluation } | { error: unknown } | null>(
    null,
  );
  // Every action starts by clearing what the previous one said.
  const begin = () => {
    setNotice(null);
    setUnmet([]);
    setLocalError(null);
    setEvidenceResult(null);
  };
  const openDialog = (which: Dialog) => {
    begin();
    setDialog(which);
  };
  const closeDialog = () => {
    setDialog(null);
    setLocalError(null);
  };

  const id = project.id;
  const submit = useMutation({
    mutationFn: (evidence: Record<string, unknown>) =>
      client.submitEvidence({ params: { id }, body: { evidence } }),
    onMutate: begin,
    onSuccess: (data) => {
      setEvidenceResult({ gate: data.gate });
      return invalidate();
    },
    onError: (error) => setEvidenceResult({ error }),
  });
  const advance = useMutation({
    mutationFn: () => client.advanceProject({ params: { id } }),
    onMutate: begin,
    onSuccess: (data) => {
      setNotice({ tone: 'ok', text: `Advanced to ${data.project.currentStage}.` });
      return invalidate();
    },
    // A refusal re-evaluates the gate too: the criteria shown above should match what the server said.
    onError: (error) => {
      setNotice({ tone: 'error', title: 'Could not advance', error });
      setUnmet(unmetFromError(error));
      return invalidate();
    },
  });
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      client.decideGate({ params: { id }, body: { decision, comment: comment.trim() ? comment : null } }),
    onMutate: begin,
    onSuccess: (data) => {
      setComment('');
      setDialog(null);
      setNotice({ tone: 'ok', text: data.approval.decision === 'approve' ? 'Approved.' : 'Rejected.' });
      return invalidate();
    },
    onError: (error, decision) => {
      if (decision === 'approve') setNotice({ tone: 'error', title: 'The decision was refused', error });
    },
  });
  const block = useMutation({
    mutationFn: () => client.blockProject({ params: { id }, body: { reason } }),
    onMutate: begin,
    onSuccess: () => {
      setReason('');
      setDialog(null);
      setNotice({ tone: 'ok', text: 'Blocked: it cannot advance until it is unblocked.' });
      return invalidate();
    },
  });
  const unblock = useMutation({
    mutationFn: () => client.unblockProject({ params: { id }, body: {} }),
    onMutate: begin,
    onSuccess: () => {
      setNotice({ tone: 'ok', text: 'Unblocked.' });
      return invalidate();
    },
    onError: (error) => setNotice({ tone: 'error', title: 'Could not unblock', error }),
  });
  const close = useMutation({
    mutationFn: () =>
      client.closeProject({ params: { id }, body: { outcome, reason: reason.trim() ? reason : null } }),
    onMutate: begin,
    onSuccess: () => {
      setReason('');
      setDialog(null);
      setNotice({ tone: 'ok', text: `Closed as ${outcome}.` });
      return invalidate();
    },
  });

  const next = gate?.nextStage ?? null;
  const evidenceErrors = useMemo(() => {
    if (evidenceResult && 'error' in evidenceResult)
      return serverFieldErrors(evidenceResult.error, schema ?? undefined);
    // The server's verdict on the latest submission, so a fix starts from what it said.
    if (!gate || !next || !latestEvidence(project, next)) return [];
    return gateFieldErrors(gate, schema ?? undefined);
  }, [evidenceResult, gate, next, project, schema]);

  if (project.closedAt) return null;
  const work = can('projects:work', project.podId);
  const approve = can('gates:approve', project.podId) && next !== null;
  const manage = can('projects:manage', project.podId);
  if (!work && !approve && !manage) return null;

  const menu: { label: string; danger?: boolean; onSelect(): void }[] = [];
  if (work && project.blockedReason) menu.push({ label: 'Unblock', onSelect: () => unblock.mutate() });
  if (work && !project.blockedReason) menu.push({ label: 'Block…', onSelect: () => openDialog('block') });
  if (manage) menu.push({ label: 'Close project…', danger: true, onSelect: () => openDialog('close') });

  const why = gate && next ? advanceReason(gate) : null;
  // The next thing to do comes first: the evidence while the gate finds it missing or wrong.
  const evidenceFirst = gate?.criteria.some((c) => c.kind === 'evidence' && !c.met) ?? false;
  const evidenceOutcome =
    evidenceResult && 'gate' in evidenceResult ? (
      <p role="status" className="text-sm text-slate-700 dark:text-slate-300">
        Evidence submitted;{' '}
        {evidenceResult.gate.ready
          ? 'the gate is met.'
          : gateFieldErrors(evidenceResult.gate).length
            ? 'the gate still finds problems, shown beside their fields.'
            : 'the gate above shows what is still missing.'}
      </p>
    ) : evidenceResult && 'error' in evidenceResult ? (
      <ErrorNote
        error={
          serverFieldErrors(evidenceResult.error).length
            ? new Error('the server found problems, shown beside their fields')
            : evidenceResult.error
        }
        title="Evidence was refused"
      />
    ) : null;

  const evidenceCard =
    work && next ? (
      // Keyed, so moving above or below the actions keeps what was typed (no remount).
      <Card key="evidence" title={`Evidence for ${next}`}>
        <EvidenceForm
          // A new gate (after advancing) starts from its own fields.
          key={`evidence:${next}`}
          schema={schema}
          stage={next}
          initial={latestEvidence(project, next)}
          serverErrors={evidenceErrors}
          busy={submit.isPending}
          onSubmit={(evidence) => submit.mutate(evidence)}
          onEdit={() => {
            setNotice(null);
            setUnmet([]);
            // "Evidence submitted" describes the document before this edit; a refusal's field
            // errors stay until their own fields are edited.
            setEvidenceResult((r) => (r && 'gate' in r ? null : r));
          }}
        >
          {evidenceOutcome}
        </EvidenceForm>
      </Card>
    ) : null;

  return (
    <>
      {evidenceFirst ? evidenceCard : null}
      <Card key="actions" title="Actions">
        <div className="space-y-4">
          <div className="flex flex-wrap items-start gap-2">
            {work && next ? (
              <Button
                onClick={() => advance.mutate()}
                disabled={advance.isPending || !gate?.ready}
                aria-describedby={why ? `advance-why-${id}` : undefined}
              >
                Advance to {next}
              </Button>
            ) : null}
            {approve ? (
              <>
                <Button
                  variant={work && next ? 'secondary' : 'primary'}
                  onClick={() => decide.mutate('approve')}
                  disabled={decide.isPending}
                >
                  Approve
                </Button>
                <Button variant="secondary" onClick={() => openDialog('reject')} disabled={decide.isPending}>
                  Reject…
                </Button>
              </>
            ) : null}
            <div className="ml-auto">
              <ActionMenu items={menu} />
            </div>
          </div>
          {work && why ? (
            <p id={`advance-why-${id}`} className="text-sm text-slate-600 dark:text-slate-300">
              {why}
            </p>
          ) : null}
          {approve ? (
            <TextArea
              label="Decision comment (optional for an approval)"
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              rows={2}
              maxLength={5000}
            />
          ) : null}
          <div aria-live="polite" className="space-y-2">
            <NoticeView notice={notice} />
            {unmet.length ? (
              <ul aria-label="Why the gate refused" className="list-disc space-y-1 pl-5 text-sm">
                {unmet.map((c, i) => (
                  <li key={`${c.kind}:${c.path ?? i}`}>
                    <span className="font-medium">{criterionLabel(c)}</span>: {criterionWords(c, schema)}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </div>
      </Card>
      {evidenceFirst ? null : evidenceCard}
      {dialog === 'block' ? (
        <ConfirmDialog
          title="Block this project?"
          confirmLabel="Block"
          tone="primary"
          busy={block.isPending}
          error={localError ?? block.error}
          onCancel={closeDialog}
          onConfirm={() => {
            if (!reason.trim())
              return setLocalError(new Error('say why: the reason is shown to everyone on this page'));
            setLocalError(null);
            block.mutate();
          }}
        >
          <p>A blocked project cannot advance until someone unblocks it.</p>
          <TextField
            label="Block reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            maxLength={2000}
          />
        </ConfirmDialog>
      ) : null}
      {dialog === 'close' ? (
        <ConfirmDialog
          title={`Close ${project.name}?`}
          confirmLabel="Close project"
          busy={close.isPending}
          error={localError ?? close.error}
          onCancel={closeDialog}
          onConfirm={() => close.mutate()}
        >
          <p>Closing ends the project for good and frees its WIP slot. It cannot be reopened.</p>
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
        </ConfirmDialog>
      ) : null}
      {dialog === 'reject' ? (
        <ConfirmDialog
          title={`Reject the ${next} gate?`}
          confirmLabel="Reject"
          busy={decide.isPending}
          error={localError ?? (decide.variables === 'reject' ? decide.error : null)}
          onCancel={closeDialog}
          onConfirm={() => {
            if (!comment.trim())
              return setLocalError(new Error('a rejection needs a comment saying what to change'));
            setLocalError(null);
            decide.mutate('reject');
          }}
        >
          <p>A rejection holds the gate until it is answered; the team sees your comment.</p>
          <TextArea
            label="Rejection comment"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            rows={3}
            maxLength={5000}
          />
        </ConfirmDialog>
      ) : null}
    </>
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
            {e.problems?.length ? (
              <>
                {' '}
                <Badge tone="red">✗ Invalid</Badge>
              </>
            ) : e.problems ? (
              <>
                {' '}
                <Badge tone="green">✓ Valid</Badge>
              </>
            ) : null}
            {e.detail ? <p className="break-words text-slate-600 dark:text-slate-300">{e.detail}</p> : null}
            {e.problems?.length ? (
              <ul
                aria-label="Why this evidence does not satisfy the gate"
                className="mt-1 list-disc pl-5 text-red-700 dark:text-red-400"
              >
                {e.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            ) : null}
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

/**
 * Whether one evidence document satisfies its gate, as problems in words. The latest submission for
 * the next gate is judged by the server's own evaluation; older ones (and other stages') by the same
 * rules in the browser, against the gate as configured now. Null: no schema to judge by.
 */
function judgeEvidence(
  e: Evidence,
  detail: Detail,
  gate: GateEvaluation | undefined,
  schema: JsonSchema | null,
): string[] | null {
  if (!schema) return null;
  const latest = detail.evidence
    .filter((x) => x.stage === e.stage)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  let errors: FieldError[];
  if (gate && gate.nextStage === e.stage && latest?.id === e.id) {
    errors = gateFieldErrors(gate, schema);
    const root = gate.criteria.find((c) => c.kind === 'evidence' && !c.met && c.path === '(root)');
    if (errors.length === 0 && root) errors = [{ path: '(root)', message: wordsFor(root.message) }];
  } else errors = validateEvidence(schema, e.data);
  return problemSentences(schema, errors);
}

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
  const policy = usePolicy();
  const schemaFor = (stage: string | null | undefined): JsonSchema | null =>
    (stage && policy.data?.stages.find((s) => s.name === stage)?.gate?.evidence) || null;

  return (
    <Page title={project.data?.name ?? 'Project'}>
      <QueryState query={project} what="the project">
        {(p) => {
          const pod = pods.data?.items.find((x) => x.id === p.podId);
          const next = gate.data?.nextStage ?? null;
          const timeline = buildTimeline({
            detail: p,
            judgeEvidence: (e) => judgeEvidence(e, p, gate.data, schemaFor(e.stage)),
            ...(ci.data ? { ciStatuses: ci.data.items } : {}),
            ...(audit.data ? { audit: audit.data.items } : {}),
          });
          return (
            <div className="space-y-6">
              <Header project={p} pod={pod} ci={ci.data?.items ?? p.ciStatus} />
              <div className="grid gap-6 lg:grid-cols-2">
                <div className="space-y-6">
                  <QueryState query={gate} what="the gate">
                    {(g) => <GateCard gate={g} schema={schemaFor(g.nextStage)} />}
                  </QueryState>
                  <Actions project={p} gate={gate.data} schema={schemaFor(next)} />
                  {p.linear ? <LinearCard linear={p.linear} /> : null}
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
