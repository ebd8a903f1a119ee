import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type KeyboardEvent, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
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
  formatScore,
  IDEA_SORTS,
  IDEA_STATUSES,
  type IdeaPipeline,
  type IdeaSort,
  type IdeaStatus,
  type IdeasRules,
  ideaBlockers,
  ideasWith,
  sortIdeas,
} from '../lib/ideas.ts';
import { usePodList } from '../lib/pod-list.ts';
import { usePolicy } from '../lib/policy.ts';

function SubmitIdea() {
  const { client, can } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const pods = usePodList();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [pod, setPod] = useState('');
  const submit = useMutation({
    mutationFn: () =>
      client.submitIdea({
        body: { title, description: description.trim() ? description : null, ...(pod ? { pod } : {}) },
      }),
    onSuccess: async (idea) => {
      await queryClient.invalidateQueries({ queryKey: ['ideas'] });
      await queryClient.invalidateQueries({ queryKey: ['dashboard'] });
      navigate(`/ideas/${idea.id}`);
    },
  });
  return (
    <Card title="Submit an idea">
      <form
        className="space-y-3"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          submit.mutate();
        }}
      >
        <TextField
          label="Title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          required
          maxLength={500}
        />
        <TextArea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          rows={4}
          maxLength={20_000}
        />
        <SelectField
          label="For a pod to evaluate (optional)"
          value={pod}
          onChange={(e) => setPod(e.target.value)}
        >
          <option value="">No pod yet</option>
          {(pods.data?.items ?? [])
            .filter((p) => can('ideas:contribute', p.id))
            .map((p) => (
              <option key={p.id} value={p.slug}>
                {p.name} (takes one of its idea WIP slots)
              </option>
            ))}
        </SelectField>
        <Button type="submit" disabled={submit.isPending}>
          Submit idea
        </Button>
        {submit.isError ? <ErrorNote error={submit.error} title="Could not submit the idea" /> : null}
      </form>
    </Card>
  );
}

function IdeaTable({
  ideas,
  rules,
  sort,
}: {
  ideas: IdeaPipeline['ideas'];
  rules: IdeasRules | null;
  sort: IdeaSort;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-max text-sm">
        <caption className="sr-only">
          Ideas, {IDEA_SORTS.find((s) => s.sort === sort)!.label.toLowerCase()}
        </caption>
        <thead>
          <tr className="text-left text-slate-600 dark:text-slate-400">
            <th scope="col" className="px-2 py-2 font-medium">
              Idea
            </th>
            <th
              scope="col"
              className="px-2 py-2 text-right font-medium"
              aria-sort={sort === 'score' ? 'descending' : 'none'}
            >
              Score
            </th>
            <th scope="col" className="px-2 py-2 text-right font-medium">
              Evaluations
            </th>
            <th scope="col" className="px-2 py-2 font-medium">
              Submitted
            </th>
          </tr>
        </thead>
        <tbody>
          {ideas.map((idea) => {
            const qualifies =
              rules &&
              idea.status === 'pending' &&
              ideaBlockers(rules, idea.evaluations, idea.score).length === 0;
            return (
              <tr key={idea.id} className="border-t border-slate-200 dark:border-slate-800">
                <td className="px-2 py-2">
                  <Link
                    to={`/ideas/${idea.id}`}
                    className="font-medium text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
                  >
                    {idea.title}
                  </Link>{' '}
                  {qualifies ? <Badge tone="green">ready to promote</Badge> : null}
                  {idea.status === 'promoted' && idea.projectId ? (
                    <Link
                      to={`/projects/${idea.projectId}`}
                      className="ml-1 text-sm text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
                    >
                      → its project<span className="sr-only"> ({idea.title})</span>
                    </Link>
                  ) : null}
                </td>
                <td className="px-2 py-2 text-right tabular-nums">{formatScore(idea.score)}</td>
                <td className="px-2 py-2 text-right tabular-nums">
                  {idea.evaluations}
                  {rules && idea.status === 'pending' ? (
                    <span className="text-slate-500"> / {rules.minEvaluations}</span>
                  ) : null}
                </td>
                <td className="px-2 py-2">
                  <time dateTime={idea.createdAt}>{formatDate(idea.createdAt)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Tabs per status (WAI-ARIA tabs: arrow keys move between them). */
function StatusTabs({
  pipeline,
  current,
  onChange,
}: {
  pipeline: IdeaPipeline;
  current: IdeaStatus;
  onChange(status: IdeaStatus): void;
}) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent, index: number) => {
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const next = (index + delta + IDEA_STATUSES.length) % IDEA_STATUSES.length;
    onChange(IDEA_STATUSES[next]!.status);
    refs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label="Ideas by status" className="flex flex-wrap gap-1">
      {IDEA_STATUSES.map((s, i) => {
        const active = s.status === current;
        return (
          <button
            key={s.status}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${s.status}`}
            aria-selected={active}
            aria-controls={`panel-${s.status}`}
            tabIndex={active ? 0 : -1}
            onClick={() => onChange(s.status)}
            onKeyDown={(e) => onKey(e, i)}
            className={`rounded-lg px-3 py-2 text-sm font-medium ${active ? 'bg-teal-700 text-white' : 'bg-slate-100 text-slate-700 hover:bg-slate-200 dark:bg-slate-800 dark:text-slate-200 dark:hover:bg-slate-700'}`}
          >
            {s.label} ({pipeline.byStatus[s.status]})
          </button>
        );
      })}
    </div>
  );
}

/** The idea pipeline: ideas by status with their scores, and a form to submit one. */
export function Ideas() {
  const { client, can } = useSession();
  const [params, setParams] = useSearchParams();
  const pipeline = useQuery({ queryKey: ['ideas', 'pipeline'], queryFn: () => client.getDashboardIdeas() });
  // The rules only add "ready to promote"; the list works without them.
  const policy = usePolicy();
  const requested = params.get('status');
  const status: IdeaStatus = IDEA_STATUSES.some((s) => s.status === requested)
    ? (requested as IdeaStatus)
    : 'pending';
  const label = IDEA_STATUSES.find((s) => s.status === status)!.label.toLowerCase();
  const requestedSort = params.get('sort');
  const sort: IdeaSort = IDEA_SORTS.some((s) => s.sort === requestedSort)
    ? (requestedSort as IdeaSort)
    : 'newest';
  // Both live in the query string, so a sorted tab can be bookmarked or shared.
  const show = (nextStatus: IdeaStatus, nextSort: IdeaSort) => {
    const next: Record<string, string> = {};
    if (nextStatus !== 'pending') next.status = nextStatus;
    if (nextSort !== 'newest') next.sort = nextSort;
    setParams(next, { replace: true });
  };

  return (
    <Page title="Ideas">
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <QueryState query={pipeline} what="ideas">
            {(data) => {
              const shown = sortIdeas(ideasWith(data, status), sort);
              return (
                <Card>
                  <div className="space-y-4">
                    <div className="flex flex-wrap items-end justify-between gap-3">
                      <StatusTabs pipeline={data} current={status} onChange={(s) => show(s, sort)} />
                      <div className="w-56">
                        <SelectField
                          label="Sort ideas"
                          value={sort}
                          onChange={(e) => show(status, e.target.value as IdeaSort)}
                        >
                          {IDEA_SORTS.map((s) => (
                            <option key={s.sort} value={s.sort}>
                              {s.label}
                            </option>
                          ))}
                        </SelectField>
                      </div>
                    </div>
                    <div role="tabpanel" id={`panel-${status}`} aria-labelledby={`tab-${status}`}>
                      {shown.length === 0 ? (
                        <Empty>No {label} ideas.</Empty>
                      ) : (
                        <IdeaTable ideas={shown} rules={policy.data?.ideas ?? null} sort={sort} />
                      )}
                    </div>
                  </div>
                </Card>
              );
            }}
          </QueryState>
        </div>
        {can('ideas:contribute') ? <SubmitIdea /> : null}
      </div>
    </Page>
  );
}
