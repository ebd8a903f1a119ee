import { ClosApiError } from '@clos/contract/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
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
  Stat,
  TextArea,
  TextField,
} from '../components/ui.tsx';
import { WipItem } from '../components/wip-item.tsx';
import { useSession } from '../lib/auth.tsx';
import {
  completeScores,
  formatScore,
  type IdeaDetail as Idea,
  type IdeasRules,
  ideaBlockers,
  initialScores,
  liveScore,
  projectedIdeaScore,
  SCORE_MAX,
  SCORE_MIN,
  SCORE_STEP,
  unscored,
} from '../lib/ideas.ts';
import { usePodList } from '../lib/pod-list.ts';
import { usePolicy } from '../lib/policy.ts';
import { useUserEmails } from '../lib/users.ts';
import { holderName } from '../lib/wip.ts';

const STATUS_TONE = { pending: 'amber', promoted: 'green', archived: 'slate' } as const;
const STATUS_TEXT = { pending: 'submitted', promoted: 'promoted', archived: 'archived' } as const;

function useRefreshIdeas() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all(
      ['ideas', 'dashboard', 'projects', 'wip', 'pods'].map((k) =>
        queryClient.invalidateQueries({ queryKey: [k] }),
      ),
    );
}

function ScoreSlider({
  label,
  weight,
  value,
  onChange,
}: {
  label: string;
  weight: number;
  /** Null until the criterion is scored. */
  value: number | null;
  onChange(value: number): void;
}) {
  const id = useId();
  const unset = value === null;
  return (
    <div>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <span className="text-xs text-slate-600 dark:text-slate-400">
          weight {weight} ·{' '}
          <output
            htmlFor={id}
            className={`text-sm tabular-nums ${unset ? 'italic text-slate-600 dark:text-slate-400' : 'font-semibold text-slate-900 dark:text-slate-100'}`}
          >
            {unset ? 'not scored' : value.toFixed(1)}
          </output>
        </span>
      </div>
      <input
        id={id}
        type="range"
        min={SCORE_MIN}
        max={SCORE_MAX}
        step={SCORE_STEP}
        // An unset slider has to sit somewhere: in the middle, drawn faded and read as "not scored".
        value={value ?? (SCORE_MIN + SCORE_MAX) / 2}
        aria-valuetext={unset ? 'not scored' : undefined}
        onChange={(e) => onChange(Number(e.target.value))}
        // A click on the thumb where it already sits changes nothing, yet it is a score: keep it.
        onClick={(e) => {
          if (unset) onChange(Number(e.currentTarget.value));
        }}
        className={`mt-1 w-full ${unset ? 'accent-slate-400 opacity-60' : 'accent-teal-700'}`}
      />
    </div>
  );
}

function Evaluate({ idea, rules }: { idea: Idea; rules: IdeasRules }) {
  const { client, me } = useSession();
  const refresh = useRefreshIdeas();
  const meId = me?.user?.id;
  const [scores, setScores] = useState(() => initialScores(rules, idea.evaluations, meId));
  const mine = idea.evaluations.find((e) => e.evaluatorId === meId);
  const [comment, setComment] = useState(mine?.comment ?? '');
  const complete = completeScores(rules, scores);
  const missing = unscored(rules, scores);
  const score = complete ? liveScore(rules, complete) : null;
  const projected = complete ? projectedIdeaScore(rules, idea.evaluations, meId, complete) : null;
  const evaluate = useMutation({
    mutationFn: (body: Record<string, number>) =>
      client.evaluateIdea({
        params: { id: idea.id },
        body: { scores: body, comment: comment.trim() ? comment : null },
      }),
    onSuccess: refresh,
  });
  const hintId = useId();
  return (
    <Card title={mine ? 'Your evaluation' : 'Evaluate'}>
      <form
        className="space-y-4"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (complete) evaluate.mutate(complete);
        }}
      >
        {rules.criteria.map((c) => (
          <ScoreSlider
            key={c.key}
            label={c.label}
            weight={c.weight}
            value={scores[c.key] ?? null}
            onChange={(v) => setScores((s) => ({ ...s, [c.key]: v }))}
          />
        ))}
        <TextArea label="Comment" value={comment} onChange={(e) => setComment(e.target.value)} rows={3} />
        <div className="rounded-lg bg-slate-100 p-3 text-sm dark:bg-slate-800">
          <p>
            Weighted score:{' '}
            <output
              aria-live="polite"
              data-testid="live-score"
              className="text-lg font-semibold tabular-nums"
            >
              {formatScore(score)}
            </output>{' '}
            / 5
          </p>
          {projected ? (
            <p className="text-xs text-slate-600 dark:text-slate-300">
              The idea’s score with this evaluation: {formatScore(projected.score)} over {projected.count}{' '}
              evaluation
              {projected.count === 1 ? '' : 's'} (promotion needs {rules.promotionThreshold} and{' '}
              {rules.minEvaluations}).
            </p>
          ) : null}
        </div>
        <Button
          type="submit"
          disabled={evaluate.isPending || !complete}
          aria-describedby={complete ? undefined : hintId}
        >
          {mine ? 'Update evaluation' : 'Submit evaluation'}
        </Button>
        {complete ? null : (
          <p id={hintId} className="text-sm text-slate-600 dark:text-slate-300">
            Score every criterion to submit: {missing.join(', ')} {missing.length === 1 ? 'is' : 'are'} not
            scored yet.
          </p>
        )}
        {evaluate.isSuccess ? (
          <p role="status" className="text-sm text-green-700 dark:text-green-400">
            Evaluation saved: {formatScore(evaluate.data.evaluation.score)}.
          </p>
        ) : null}
        {evaluate.isError ? <ErrorNote error={evaluate.error} title="Could not save the evaluation" /> : null}
      </form>
    </Card>
  );
}

/** Why a promotion was refused, from the error's details: the unmet criteria, or who fills the pod. */
function PromotionRefusal({ error }: { error: unknown }) {
  const { me, client } = useSession();
  const emails = useUserEmails();
  const full =
    error instanceof ClosApiError && error.code === 'wip_limit_exceeded' && error.details
      ? (error.details as { pod: string; itemType: string })
      : null;
  // The pod's project slots are held under project ids: name them, from its open projects.
  const projects = useQuery({
    queryKey: ['dashboard', 'gates', full?.pod],
    queryFn: () => client.getDashboardGates({ query: { pod: full!.pod } }),
    enabled: full?.itemType === 'project',
  });
  const names = new Map((projects.data?.items ?? []).map((p) => [p.projectId, p.name]));
  if (error instanceof ClosApiError && error.code === 'promotion_criteria_unmet' && error.details) {
    const { blockers } = error.details as { blockers: { kind: string; message: string }[] };
    return (
      <div
        role="alert"
        className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
      >
        <strong className="font-semibold">Not promoted: the idea does not qualify yet.</strong>
        <ul className="mt-1 list-disc pl-5">
          {blockers.map((b) => (
            <li key={b.kind}>{b.message}</li>
          ))}
        </ul>
      </div>
    );
  }
  if (error instanceof ClosApiError && error.code === 'wip_limit_exceeded' && error.details) {
    const d = error.details as {
      pod: string;
      itemType: string;
      limit: number;
      used: number;
      holders: { lockId: string; itemId: string; acquiredBy: string | null; acquiredAt: string }[];
    };
    return (
      <div
        role="alert"
        className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
      >
        <strong className="font-semibold">
          Not promoted: {d.pod} is full ({d.used}/{d.limit} {d.itemType} slots).
        </strong>{' '}
        {error.message}
        <p className="mt-1">Held by:</p>
        <ul className="list-disc pl-5">
          {d.holders.map((h) => (
            <li key={h.lockId}>
              <WipItem itemType={d.itemType} itemId={h.itemId} projectName={names.get(h.itemId)} /> —{' '}
              {holderName(h.acquiredBy, me?.user?.id, emails)}, since {formatDate(h.acquiredAt)}
            </li>
          ))}
        </ul>
        <p className="mt-1">
          <Link
            to={`/wip?pod=${encodeURIComponent(d.pod)}&type=${encodeURIComponent(d.itemType)}`}
            className="underline"
          >
            See {d.pod}’s WIP
          </Link>
        </p>
      </div>
    );
  }
  return <ErrorNote error={error} title="Not promoted" />;
}

function Promote({ idea }: { idea: Idea }) {
  const { client, can } = useSession();
  const refresh = useRefreshIdeas();
  const pods = usePodList();
  const allowed = useMemo(
    () => (pods.data?.items ?? []).filter((p) => can('ideas:decide', p.id)),
    [pods.data, can],
  );
  const [pod, setPod] = useState('');
  const [name, setName] = useState('');
  const chosen = pod || allowed[0]?.slug || '';
  const promote = useMutation({
    mutationFn: () =>
      client.promoteIdea({
        params: { id: idea.id },
        body: { pod: chosen, ...(name.trim() ? { name: name.trim() } : {}) },
      }),
    onSuccess: refresh,
  });
  return (
    <Card title="Promote into a pod">
      <QueryState
        query={pods}
        what="pods"
        isEmpty={() => allowed.length === 0}
        empty="No pod you may promote into."
      >
        {() => (
          <form
            className="space-y-3"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              promote.mutate();
            }}
          >
            <SelectField label="Pod" value={chosen} onChange={(e) => setPod(e.target.value)}>
              {allowed.map((p) => (
                <option key={p.id} value={p.slug}>
                  {p.name} ({p.slug})
                </option>
              ))}
            </SelectField>
            <TextField
              label="Project name (optional)"
              value={name}
              placeholder={idea.title.slice(0, 255)}
              onChange={(e) => setName(e.target.value)}
              maxLength={255}
            />
            <Button type="submit" disabled={promote.isPending || !chosen}>
              Promote
            </Button>
            {promote.isError ? <PromotionRefusal error={promote.error} /> : null}
          </form>
        )}
      </QueryState>
    </Card>
  );
}

function Archive({ idea }: { idea: Idea }) {
  const { client } = useSession();
  const refresh = useRefreshIdeas();
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const archive = useMutation({
    mutationFn: () => client.archiveIdea({ params: { id: idea.id }, body: { reason } }),
    onSuccess: () => {
      setConfirming(false);
      return refresh();
    },
  });
  return (
    <Card title="Archive">
      <form
        className="space-y-3"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          // Archiving takes the idea out of the pipeline for good: asked once more, with the reason.
          archive.reset();
          setConfirming(true);
        }}
      >
        <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} required />
        <Button type="submit" variant="danger" disabled={archive.isPending}>
          Archive
        </Button>
        {archive.isError && !confirming ? (
          <ErrorNote error={archive.error} title="Could not archive" />
        ) : null}
      </form>
      {confirming ? (
        <ConfirmDialog
          title={`Archive “${idea.title}”?`}
          confirmLabel="Archive idea"
          busy={archive.isPending}
          error={archive.isError ? archive.error : undefined}
          onConfirm={() => archive.mutate()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            It leaves the pipeline and can no longer be evaluated or promoted; archiving cannot be undone.
            Reason: {reason}
          </p>
        </ConfirmDialog>
      ) : null}
    </Card>
  );
}

function Evaluations({ idea, rules }: { idea: Idea; rules: IdeasRules | null }) {
  const { me } = useSession();
  const emails = useUserEmails();
  if (idea.evaluations.length === 0) return <Empty>No evaluations yet.</Empty>;
  const keys = rules?.criteria ?? Object.keys(idea.evaluations[0]!.scores).map((k) => ({ key: k, label: k }));
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-max text-sm">
        <thead>
          <tr className="text-left text-slate-500 dark:text-slate-400">
            <th scope="col" className="px-2 py-1 font-medium">
              By
            </th>
            {keys.map((c) => (
              <th key={c.key} scope="col" className="px-2 py-1 text-right font-medium">
                {c.label}
              </th>
            ))}
            <th scope="col" className="px-2 py-1 text-right font-medium">
              Score
            </th>
            <th scope="col" className="px-2 py-1 font-medium">
              Comment
            </th>
            <th scope="col" className="px-2 py-1 font-medium">
              When
            </th>
          </tr>
        </thead>
        <tbody>
          {idea.evaluations.map((e) => (
            <tr key={e.id} className="border-t border-slate-200 dark:border-slate-800">
              <td className="px-2 py-1">{holderName(e.evaluatorId, me?.user?.id, emails)}</td>
              {keys.map((c) => (
                <td key={c.key} className="px-2 py-1 text-right tabular-nums">
                  {e.scores[c.key] ?? '—'}
                </td>
              ))}
              <td className="px-2 py-1 text-right font-semibold tabular-nums">{formatScore(e.score)}</td>
              <td className="px-2 py-1">{e.comment ?? ''}</td>
              <td className="px-2 py-1">
                <time dateTime={e.createdAt}>{formatDate(e.createdAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function IdeaBody({ idea }: { idea: Idea }) {
  const { can, me } = useSession();
  const policy = usePolicy();
  const rules = policy.data?.ideas ?? null;
  const blockers =
    rules && idea.status === 'pending' ? ideaBlockers(rules, idea.evaluationCount, idea.evaluationScore) : [];
  const pending = idea.status === 'pending';
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
      <div className="space-y-6 lg:col-span-2">
        <Card>
          <div className="space-y-3">
            <p className="flex flex-wrap items-center gap-2 text-sm text-slate-500">
              <Badge tone={STATUS_TONE[idea.status]}>{STATUS_TEXT[idea.status]}</Badge>
              <span>
                on <time dateTime={idea.createdAt}>{formatDate(idea.createdAt)}</time>
              </span>
            </p>
            {idea.description ? (
              <p className="whitespace-pre-wrap">{idea.description}</p>
            ) : (
              <p className="text-sm text-slate-500">No description.</p>
            )}
            {idea.status === 'promoted' && idea.promotedToProjectId ? (
              <p>
                Promoted to{' '}
                <Link
                  to={`/projects/${idea.promotedToProjectId}`}
                  className="text-teal-700 underline dark:text-teal-400"
                >
                  its project
                </Link>
                .
              </p>
            ) : null}
            {idea.status === 'archived' ? <p>Archived: {idea.archivedReason}</p> : null}
          </div>
        </Card>
        <div className="grid grid-cols-2 gap-3">
          <Stat
            label="Score"
            value={formatScore(idea.evaluationScore)}
            hint={rules ? `promotion needs ${rules.promotionThreshold}` : undefined}
          />
          <Stat
            label="Evaluations"
            value={idea.evaluationCount}
            hint={rules ? `promotion needs ${rules.minEvaluations}` : undefined}
          />
        </div>
        {pending && rules ? (
          blockers.length ? (
            <div className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-800 dark:bg-amber-950">
              <p className="font-medium">Not yet ready to promote:</p>
              <ul className="list-disc pl-5">
                {blockers.map((b) => (
                  <li key={b}>{b}</li>
                ))}
              </ul>
            </div>
          ) : (
            <p className="rounded-lg border border-green-300 bg-green-50 p-3 text-sm font-medium dark:border-green-800 dark:bg-green-950">
              Ready to promote.
            </p>
          )
        ) : null}
        <Card title="Evaluations">
          <Evaluations idea={idea} rules={rules} />
        </Card>
      </div>
      <div className="space-y-6">
        {pending && can('ideas:contribute') ? (
          me?.user ? (
            <QueryState query={policy} what="the scoring rules">
              {(p) => <Evaluate key={idea.id} idea={idea} rules={p.ideas} />}
            </QueryState>
          ) : (
            <Empty>Evaluations come from users; this token has none.</Empty>
          )
        ) : null}
        {pending && can('ideas:decide') ? <Promote idea={idea} /> : null}
        {pending && can('ideas:decide') ? <Archive idea={idea} /> : null}
      </div>
    </div>
  );
}

/** One idea: details, evaluations, and — for those allowed — evaluate, promote, archive. */
export function IdeaDetail() {
  const { id = '' } = useParams();
  const { client } = useSession();
  const idea = useQuery({ queryKey: ['ideas', id], queryFn: () => client.getIdea({ params: { id } }) });
  return (
    <Page title={idea.data?.title ?? 'Idea'}>
      <QueryState query={idea} what="the idea">
        {(data) => <IdeaBody idea={data} />}
      </QueryState>
    </Page>
  );
}
