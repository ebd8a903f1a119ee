import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  Badge,
  Button,
  Card,
  ErrorNote,
  formatDate,
  Page,
  QueryState,
  SelectField,
  TextField,
} from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { usePodList } from '../lib/pod-list.ts';
import {
  KNOWN_WORKFLOWS,
  RUN_STATUSES,
  type RunFilters,
  runDurationText,
  runFiltersFromSearch,
  runQuery,
  statusTone,
  type WorkflowRun,
} from '../lib/runs.ts';

const TH = 'px-3 py-2 text-left text-xs uppercase tracking-wide text-slate-500';
const TD = 'px-3 py-2 border-t border-slate-200 dark:border-slate-800 align-top';

function Filters({ filters, pods }: { filters: RunFilters; pods: { slug: string; name: string }[] }) {
  const [, setSearch] = useSearchParams();
  const [workflow, setWorkflow] = useState(filters.workflow ?? '');
  useEffect(() => setWorkflow(filters.workflow ?? ''), [filters.workflow]);
  const set = (key: keyof RunFilters, value: string) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value.trim()) next.set(key, value.trim());
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  // The workflow name is typed: applied on submit (Enter) or when the field is left, not per key.
  const submit = (e: FormEvent) => {
    e.preventDefault();
    set('workflow', workflow);
  };
  return (
    <Card>
      <form onSubmit={submit} aria-label="Filters" className="grid gap-3 sm:grid-cols-3">
        <TextField
          label="Workflow"
          value={workflow}
          list="known-workflows"
          onChange={(e) => setWorkflow(e.target.value)}
          onBlur={() => set('workflow', workflow)}
          placeholder="any"
        />
        <datalist id="known-workflows">
          {KNOWN_WORKFLOWS.map((w) => (
            <option key={w} value={w} />
          ))}
        </datalist>
        <SelectField label="Pod" value={filters.pod ?? ''} onChange={(e) => set('pod', e.target.value)}>
          <option value="">All pods</option>
          {pods.map((p) => (
            <option key={p.slug} value={p.slug}>
              {p.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Status"
          value={filters.status ?? ''}
          onChange={(e) => set('status', e.target.value)}
        >
          <option value="">Any status</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
        <button type="submit" className="sr-only">
          Apply filters
        </button>
      </form>
    </Card>
  );
}

function RunTable({ runs, podNames }: { runs: WorkflowRun[]; podNames: ReadonlyMap<string, string> }) {
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full min-w-[48rem] text-sm">
        <caption className="sr-only">Workflow runs, newest first</caption>
        <thead className="bg-slate-50 dark:bg-slate-800/50">
          <tr>
            <th scope="col" className={TH}>
              Workflow
            </th>
            <th scope="col" className={TH}>
              Status
            </th>
            <th scope="col" className={TH}>
              Pod
            </th>
            <th scope="col" className={TH}>
              Attempts
            </th>
            <th scope="col" className={TH}>
              Created
            </th>
            <th scope="col" className={TH}>
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <th scope="row" className={`${TD} text-left font-medium`}>
                <Link
                  to={`/runs/${r.id}`}
                  className="text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
                >
                  {r.workflow}
                </Link>
                <div className="max-w-xs truncate text-xs font-normal text-slate-500" title={r.key}>
                  {r.key}
                </div>
                {r.error ? (
                  <div className="text-xs font-normal text-red-700 dark:text-red-400">{r.error}</div>
                ) : null}
              </th>
              <td className={TD}>
                <Badge tone={statusTone(r.status)}>{r.status}</Badge>
              </td>
              <td className={TD}>{r.podId ? (podNames.get(r.podId) ?? '—') : 'company-wide'}</td>
              <td className={`${TD} tabular-nums`}>{r.attempts}</td>
              <td className={TD}>{formatDate(r.createdAt)}</td>
              <td className={`${TD} tabular-nums`}>{runDurationText(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Workflow runs, newest first, filtered by workflow, pod and status. */
export function Runs() {
  const { client } = useSession();
  const [search] = useSearchParams();
  const filters = useMemo(() => runFiltersFromSearch(search), [search]);
  const pods = usePodList();
  const podNames = useMemo(() => new Map((pods.data?.items ?? []).map((p) => [p.id, p.name])), [pods.data]);
  const runs = useInfiniteQuery({
    queryKey: ['runs', 'list', filters],
    queryFn: ({ pageParam }) => client.listWorkflowRuns({ query: runQuery(filters, pageParam) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  return (
    <Page title="Workflow runs">
      <Filters filters={filters} pods={pods.data?.items ?? []} />
      <QueryState
        query={runs}
        what="workflow runs"
        isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
        empty="No workflow runs match."
      >
        {(d) => (
          <div className="space-y-3">
            <RunTable runs={d.pages.flatMap((p) => p.items)} podNames={podNames} />
            {runs.hasNextPage ? (
              <Button
                variant="secondary"
                onClick={() => void runs.fetchNextPage()}
                disabled={runs.isFetchingNextPage}
              >
                {runs.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </Button>
            ) : null}
            {runs.isFetchNextPageError ? <ErrorNote error={runs.error} title="Could not load more" /> : null}
          </div>
        )}
      </QueryState>
    </Page>
  );
}
