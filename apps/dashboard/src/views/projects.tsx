import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Chart } from '../components/chart.tsx';
import {
  Badge,
  Button,
  Card,
  ErrorNote,
  formatDate,
  formatPercent,
  Page,
  QueryState,
  SelectField,
  TextField,
} from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { usePodList } from '../lib/pod-list.ts';
import {
  type Funnel,
  filtersFromSearch,
  formatHours,
  funnelOption,
  funnelRows,
  type Project,
  type ProjectFilters,
} from '../lib/stage-gates.ts';

const PAGE_SIZE = 50;
const TH = 'px-3 py-2 text-left font-medium whitespace-nowrap';
const TD = 'px-3 py-2 whitespace-nowrap';

type PodRef = { id: string; slug: string; name: string };

const usePods = usePodList;

function FunnelCard({ funnel }: { funnel: Funnel }) {
  const option = useMemo(() => funnelOption(funnel), [funnel]);
  const rows = funnelRows(funnel);
  return (
    <Card title="Funnel">
      <div className="grid gap-4 lg:grid-cols-[1fr_1fr]">
        <Chart
          option={option}
          label={`Projects that entered each stage: ${rows.map((r) => `${r.stage} ${r.entered}`).join(', ')}`}
          height={Math.max(220, rows.length * 48)}
        />
        <div className="relative overflow-x-auto">
          <table className="min-w-full text-sm">
            <caption className="sr-only">Projects per stage, conversion and median time in stage</caption>
            <thead className="border-b border-slate-200 dark:border-slate-700">
              <tr>
                <th scope="col" className={TH}>
                  Stage
                </th>
                <th scope="col" className={`${TH} text-right`}>
                  Current
                </th>
                <th scope="col" className={`${TH} text-right`}>
                  Entered
                </th>
                <th scope="col" className={`${TH} text-right`}>
                  Conversion to next
                </th>
                <th scope="col" className={`${TH} text-right`}>
                  Median time in stage
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map((r) => (
                <tr key={r.stage}>
                  <th scope="row" className={`${TD} text-left font-medium`}>
                    <Link
                      to={`/projects?stage=${encodeURIComponent(r.stage)}&closed=false`}
                      className="text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
                    >
                      {r.stage}
                    </Link>
                  </th>
                  <td className={`${TD} text-right tabular-nums`}>{r.current}</td>
                  <td className={`${TD} text-right tabular-nums`}>{r.entered}</td>
                  <td className={`${TD} text-right tabular-nums`}>
                    {r.next ? (
                      <>
                        {formatPercent(r.conversion)}
                        <span className="sr-only"> to {r.next}</span>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className={`${TD} text-right tabular-nums`}>{formatHours(r.medianHoursInStage)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">
            Closed: {funnel.closed.shipped} shipped, {funnel.closed.cancelled} cancelled.
          </p>
        </div>
      </div>
    </Card>
  );
}

function Filters({
  filters,
  pods,
  stages,
  onChange,
}: {
  filters: ProjectFilters;
  pods: PodRef[];
  stages: string[];
  onChange: (next: ProjectFilters) => void;
}) {
  const set = (key: keyof ProjectFilters, value: string) => {
    const next = { ...filters } as Record<string, string>;
    if (value) next[key] = value;
    else delete next[key];
    onChange(next as ProjectFilters);
  };
  return (
    <fieldset className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
      <legend className="sr-only">Filter projects</legend>
      <SelectField label="Pod" value={filters.pod ?? ''} onChange={(e) => set('pod', e.target.value)}>
        <option value="">Any pod</option>
        {pods.map((p) => (
          <option key={p.id} value={p.slug}>
            {p.name}
          </option>
        ))}
      </SelectField>
      <SelectField label="Stage" value={filters.stage ?? ''} onChange={(e) => set('stage', e.target.value)}>
        <option value="">Any stage</option>
        {stages.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
        {filters.stage && !stages.includes(filters.stage) ? (
          <option value={filters.stage}>{filters.stage}</option>
        ) : null}
      </SelectField>
      <SelectField
        label="Blocked"
        value={filters.blocked ?? ''}
        onChange={(e) => set('blocked', e.target.value)}
      >
        <option value="">Blocked or not</option>
        <option value="true">Blocked only</option>
        <option value="false">Not blocked</option>
      </SelectField>
      <SelectField
        label="Status"
        value={filters.closed ?? ''}
        onChange={(e) => set('closed', e.target.value)}
      >
        <option value="">Open and closed</option>
        <option value="false">Open</option>
        <option value="true">Closed</option>
      </SelectField>
    </fieldset>
  );
}

function ProjectStatus({ project }: { project: Project }) {
  if (project.closedAt)
    return (
      <Badge tone={project.outcome === 'shipped' ? 'green' : 'slate'}>{project.outcome ?? 'closed'}</Badge>
    );
  if (project.blockedReason) return <Badge tone="red">Blocked</Badge>;
  return <Badge tone="teal">Open</Badge>;
}

function ProjectList({ filters, pods }: { filters: ProjectFilters; pods: PodRef[] }) {
  const { client } = useSession();
  const query = useInfiniteQuery({
    queryKey: ['projects', 'list', filters],
    queryFn: ({ pageParam }) =>
      client.listProjects({
        query: { ...filters, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) },
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const podName = new Map(pods.map((p) => [p.id, p]));
  return (
    <QueryState
      query={query}
      what="projects"
      isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
      empty="No projects match these filters."
    >
      {(data) => (
        <div className="space-y-3">
          <div className="relative overflow-x-auto">
            <table className="min-w-full text-sm">
              <caption className="sr-only">Projects, newest first</caption>
              <thead className="border-b border-slate-200 dark:border-slate-700">
                <tr>
                  <th scope="col" className={TH}>
                    Project
                  </th>
                  <th scope="col" className={TH}>
                    Pod
                  </th>
                  <th scope="col" className={TH}>
                    Stage
                  </th>
                  <th scope="col" className={TH}>
                    Status
                  </th>
                  <th scope="col" className={TH}>
                    In stage since
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {data.pages
                  .flatMap((p) => p.items)
                  .map((project) => (
                    <tr key={project.id}>
                      <td className={TD}>
                        <Link
                          to={`/projects/${project.id}`}
                          className="font-medium text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
                        >
                          {project.name}
                        </Link>
                        <code className="ml-2 font-mono text-xs text-slate-500 dark:text-slate-400">
                          {project.key}
                        </code>
                      </td>
                      <td className={TD}>{podName.get(project.podId)?.name ?? '—'}</td>
                      <td className={TD}>{project.currentStage}</td>
                      <td className={TD}>
                        <ProjectStatus project={project} />
                        {project.blockedReason && !project.closedAt ? (
                          <span className="ml-2 text-xs text-slate-500">{project.blockedReason}</span>
                        ) : null}
                      </td>
                      <td className={TD}>{formatDate(project.stageEnteredAt)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          {query.isFetchNextPageError ? <ErrorNote error={query.error} title="Could not load more" /> : null}
          {query.hasNextPage ? (
            <Button
              variant="secondary"
              onClick={() => void query.fetchNextPage()}
              disabled={query.isFetchingNextPage}
            >
              {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </Button>
          ) : null}
        </div>
      )}
    </QueryState>
  );
}

function NewProject({ pods }: { pods: PodRef[] }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [pod, setPod] = useState(pods[0]?.slug ?? '');
  const create = useMutation({
    mutationFn: (body: { name: string; pod: string }) => client.createProject({ body }),
    onSuccess: () => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['projects'] });
      void queryClient.invalidateQueries({ queryKey: ['dashboard'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, pod: pod || (pods[0]?.slug ?? '') });
  };
  return (
    <Card title="New project">
      <form onSubmit={submit} className="grid grid-cols-1 items-end gap-3 sm:grid-cols-[2fr_1fr_auto]">
        <TextField
          label="Project name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={255}
        />
        <SelectField label="New project's pod" value={pod} onChange={(e) => setPod(e.target.value)}>
          {pods.map((p) => (
            <option key={p.id} value={p.slug}>
              {p.name}
            </option>
          ))}
        </SelectField>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create project'}
        </Button>
      </form>
      <div className="mt-3" aria-live="polite">
        {create.isError ? <ErrorNote error={create.error} title="Could not create the project" /> : null}
        {create.isSuccess ? (
          <p className="text-sm">
            Created{' '}
            <Link
              to={`/projects/${create.data.id}`}
              className="font-medium text-teal-700 underline dark:text-teal-400"
            >
              {create.data.name}
            </Link>{' '}
            in {create.data.currentStage}.
          </p>
        ) : null}
      </div>
    </Card>
  );
}

/** Stage-gate flow: the funnel with conversion and time in stage, then the filterable project list. */
export function Projects() {
  const { client, can } = useSession();
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const funnel = useQuery({
    queryKey: ['dashboard', 'funnel'],
    queryFn: () => client.getDashboardFunnel({}),
  });
  const pods = usePods();
  const podList = pods.data?.items ?? [];
  const manageable = podList.filter((p) => can('projects:manage', p.id));
  const stages = funnel.data?.stages.map((s) => s.stage) ?? [];

  return (
    <Page title="Stage gates">
      <QueryState
        query={funnel}
        what="the funnel"
        isEmpty={(f) => f.stages.length === 0}
        empty="No stages are configured."
      >
        {(f) => <FunnelCard funnel={f} />}
      </QueryState>
      {manageable.length > 0 ? <NewProject pods={manageable} /> : null}
      <Card title="Projects">
        <div className="space-y-4">
          {pods.isError ? <ErrorNote error={pods.error} title="Could not load the pods" /> : null}
          <Filters
            filters={filters}
            pods={podList}
            stages={stages}
            onChange={(next) => setSearch(next as Record<string, string>, { replace: true })}
          />
          <ProjectList filters={filters} pods={podList} />
        </div>
      </Card>
    </Page>
  );
}
