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
  daysSince,
  downloadText,
  GATE_STATE_NAMES,
  GATE_STATE_ORDER,
  type GateState,
  type GateStatus,
  gateLabel,
  gateTone,
  toCsv,
} from '../lib/pods.ts';
import {
  type Funnel,
  filtersFromSearch,
  formatHours,
  funnelOption,
  funnelRows,
  type Project,
  type ProjectFilters,
} from '../lib/stage-gates.ts';
import { useDarkMode } from '../lib/theme.ts';

const PAGE_SIZE = 50;
const TH = 'px-3 py-2 text-left font-medium whitespace-nowrap';
const TD = 'px-3 py-2 whitespace-nowrap';

type PodRef = { id: string; slug: string; name: string };

const usePods = usePodList;

function FunnelCard({ funnel }: { funnel: Funnel }) {
  const dark = useDarkMode();
  const option = useMemo(() => funnelOption(funnel, dark), [funnel, dark]);
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

/** The columns a lead sorts by; `gate` orders ready first, then awaiting approval, unmet, blocked. */
export type SortKey = 'name' | 'pod' | 'stage' | 'gate' | 'days';
const SORT_KEYS: readonly SortKey[] = ['name', 'pod', 'stage', 'gate', 'days'];

/** How the list is searched and sorted, kept in the query string beside the server-side filters. */
export interface ListView {
  q: string;
  gate: GateState | '';
  sort: SortKey | '';
  dir: 'asc' | 'desc';
}

/** The search, gate filter and sort from the query string; unknown values are ignored. */
export function listViewFromSearch(search: URLSearchParams): ListView {
  const gate = search.get('gate') ?? '';
  const sort = search.get('sort') ?? '';
  return {
    q: search.get('q') ?? '',
    gate: (GATE_STATE_ORDER as readonly string[]).includes(gate) ? (gate as GateState) : '',
    sort: (SORT_KEYS as readonly string[]).includes(sort) ? (sort as SortKey) : '',
    dir: search.get('dir') === 'desc' ? 'desc' : 'asc',
  };
}

/** A project as the list shows it: with its pod, its gate status (open projects) and days in stage. */
export interface ListRow {
  project: Project;
  pod: string;
  gate: GateStatus | null;
  /** Null for a closed project: its time in stage has ended. */
  days: number | null;
}

const gateRank = (row: ListRow) =>
  row.project.closedAt
    ? GATE_STATE_ORDER.length + 1
    : row.gate
      ? GATE_STATE_ORDER.indexOf(row.gate.state)
      : GATE_STATE_ORDER.length;

/** Searches (name or key), filters by gate state and sorts the loaded rows; the default keeps the server's order. */
export function viewRows(rows: ListRow[], view: ListView): ListRow[] {
  const q = view.q.trim().toLowerCase();
  const shown = rows.filter(
    (r) =>
      (!q || r.project.name.toLowerCase().includes(q) || r.project.key.toLowerCase().includes(q)) &&
      (!view.gate || r.gate?.state === view.gate),
  );
  if (!view.sort) return shown;
  const by: Record<SortKey, (a: ListRow, b: ListRow) => number> = {
    name: (a, b) => a.project.name.localeCompare(b.project.name),
    pod: (a, b) => a.pod.localeCompare(b.pod),
    stage: (a, b) => a.project.currentStage.localeCompare(b.project.currentStage),
    gate: (a, b) => gateRank(a) - gateRank(b) || (a.gate?.unmet ?? 0) - (b.gate?.unmet ?? 0),
    days: (a, b) => (a.days ?? -1) - (b.days ?? -1),
  };
  const compare = by[view.sort];
  const sign = view.dir === 'desc' ? -1 : 1;
  // Stable: rows that compare equal keep the server's order (newest first).
  return [...shown].sort((a, b) => sign * compare(a, b));
}

/** The rows shown, as the CSV export writes them. */
export function rowsCsv(rows: ListRow[]): string {
  return toCsv([
    ['Project', 'Key', 'Pod', 'Stage', 'Gate', 'Days in stage', 'Status', 'Blocked reason'],
    ...rows.map((r) => [
      r.project.name,
      r.project.key,
      r.pod,
      r.project.currentStage,
      r.project.closedAt ? '' : r.gate ? gateLabel(r.gate) : '',
      r.days,
      r.project.closedAt ? (r.project.outcome ?? 'closed') : r.project.blockedReason ? 'blocked' : 'open',
      r.project.blockedReason ?? '',
    ]),
  ]);
}

function SortHeader({
  label,
  column,
  view,
  onSort,
  align = 'left',
}: {
  label: string;
  column: SortKey;
  view: ListView;
  onSort: (column: SortKey) => void;
  align?: 'left' | 'right';
}) {
  const active = view.sort === column;
  return (
    <th
      scope="col"
      className={`${TH} ${align === 'right' ? 'text-right' : ''}`}
      aria-sort={active ? (view.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        onClick={() => onSort(column)}
        className="inline-flex items-center gap-1 rounded font-medium hover:text-teal-700 focus-visible:outline-2 focus-visible:outline-teal-600 dark:hover:text-teal-400"
      >
        {label}
        {/* Drawn, not typed: the phone layout labels each cell with its heading's text. */}
        <svg aria-hidden="true" viewBox="0 0 10 10" className="h-2.5 w-2.5 fill-current">
          {active ? (
            <path d={view.dir === 'asc' ? 'M5 1 9 8H1z' : 'M5 9 1 2h8z'} />
          ) : (
            <path d="M5 0 8 4H2zM5 10 2 6h6z" opacity="0.5" />
          )}
        </svg>
      </button>
    </th>
  );
}

function GateCell({ row }: { row: ListRow }) {
  if (row.project.closedAt) return <span className="text-slate-500 dark:text-slate-400">—</span>;
  if (!row.gate) return <span className="text-slate-500 dark:text-slate-400">…</span>;
  return (
    <Badge tone={gateTone(row.gate.state)}>
      {gateLabel(row.gate)}
      {row.gate.nextStage && row.gate.state !== 'blocked' ? (
        <span className="sr-only"> for {row.gate.nextStage}</span>
      ) : null}
    </Badge>
  );
}

function ProjectList({
  filters,
  pods,
  view,
  onSort,
}: {
  filters: ProjectFilters;
  pods: PodRef[];
  view: ListView;
  onSort: (column: SortKey) => void;
}) {
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
  // Every open project's gate in one answer: the list joins it to the rows it has loaded.
  const gates = useQuery({
    queryKey: ['dashboard', 'gates'],
    queryFn: () => client.getDashboardGates({ query: {} }),
  });
  const gateOf = useMemo(() => new Map((gates.data?.items ?? []).map((g) => [g.projectId, g])), [gates.data]);
  const podName = new Map(pods.map((p) => [p.id, p]));
  const now = new Date();
  return (
    <QueryState
      query={query}
      what="projects"
      isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
      empty="No projects match these filters."
    >
      {(data) => {
        const rows = viewRows(
          data.pages
            .flatMap((p) => p.items)
            .map((project) => {
              const gate = gateOf.get(project.id) ?? null;
              return {
                project,
                pod: podName.get(project.podId)?.name ?? '',
                gate,
                days: project.closedAt ? null : (gate?.daysInStage ?? daysSince(project.stageEnteredAt, now)),
              };
            }),
          view,
        );
        return (
          <div className="space-y-3">
            <div className="flex flex-wrap items-center justify-between gap-3">
              <p className="text-sm text-slate-600 dark:text-slate-300" aria-live="polite">
                {rows.length} project{rows.length === 1 ? '' : 's'} shown
                {query.hasNextPage ? ' (more to load)' : ''}
              </p>
              <Button
                variant="secondary"
                disabled={rows.length === 0}
                onClick={() => downloadText('projects.csv', rowsCsv(rows))}
              >
                Export CSV
              </Button>
            </div>
            {gates.isError ? (
              <ErrorNote error={gates.error} title="Could not load the gate statuses" />
            ) : null}
            <div className="relative overflow-x-auto">
              <table className="min-w-full text-sm">
                <caption className="sr-only">
                  Projects{view.sort ? `, sorted by ${view.sort}` : ', newest first'}
                </caption>
                <thead className="border-b border-slate-200 dark:border-slate-700">
                  <tr>
                    <SortHeader label="Project" column="name" view={view} onSort={onSort} />
                    <SortHeader label="Pod" column="pod" view={view} onSort={onSort} />
                    <SortHeader label="Stage" column="stage" view={view} onSort={onSort} />
                    <SortHeader label="Gate" column="gate" view={view} onSort={onSort} />
                    <SortHeader
                      label="Days in stage"
                      column="days"
                      view={view}
                      onSort={onSort}
                      align="right"
                    />
                    <th scope="col" className={TH}>
                      Status
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {rows.map((row) => (
                    <tr key={row.project.id}>
                      <td className={TD}>
                        <Link
                          to={`/projects/${row.project.id}`}
                          className="font-medium text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
                        >
                          {row.project.name}
                        </Link>
                        <code className="ml-2 font-mono text-xs text-slate-500 dark:text-slate-400">
                          {row.project.key}
                        </code>
                      </td>
                      <td className={TD}>{row.pod || '—'}</td>
                      <td className={TD}>{row.project.currentStage}</td>
                      <td className={TD}>
                        <GateCell row={row} />
                      </td>
                      <td className={`${TD} text-right tabular-nums`}>
                        {row.days === null ? (
                          '—'
                        ) : (
                          <span title={`in stage since ${formatDate(row.project.stageEnteredAt)}`}>
                            {row.days}
                          </span>
                        )}
                      </td>
                      <td className={TD}>
                        <ProjectStatus project={row.project} />
                        {row.project.blockedReason && !row.project.closedAt ? (
                          <span className="ml-2 text-xs text-slate-500 dark:text-slate-400">
                            {row.project.blockedReason}
                          </span>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {rows.length === 0 ? (
                <p className="p-3 text-sm text-slate-600 dark:text-slate-300">
                  No loaded project matches the search or gate filter.
                </p>
              ) : null}
            </div>
            {query.isFetchNextPageError ? (
              <ErrorNote error={query.error} title="Could not load more" />
            ) : null}
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
        );
      }}
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
  const view = listViewFromSearch(search);
  const funnel = useQuery({
    queryKey: ['dashboard', 'funnel'],
    queryFn: () => client.getDashboardFunnel({}),
  });
  const pods = usePods();
  const podList = pods.data?.items ?? [];
  const manageable = podList.filter((p) => can('projects:manage', p.id));
  const stages = funnel.data?.stages.map((s) => s.stage) ?? [];
  // Everything the list shows is in the query string, so a view can be bookmarked or shared.
  const update = (nextFilters: ProjectFilters, nextView: ListView) => {
    const params: Record<string, string> = { ...(nextFilters as Record<string, string>) };
    if (nextView.q) params.q = nextView.q;
    if (nextView.gate) params.gate = nextView.gate;
    if (nextView.sort) {
      params.sort = nextView.sort;
      if (nextView.dir === 'desc') params.dir = 'desc';
    }
    setSearch(params, { replace: true });
  };
  const onSort = (column: SortKey) =>
    update(filters, {
      ...view,
      sort: column,
      dir: view.sort === column && view.dir === 'asc' ? 'desc' : 'asc',
    });

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
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
            <TextField
              label="Search projects"
              type="search"
              placeholder="Name or key"
              value={view.q}
              onChange={(e) => update(filters, { ...view, q: e.target.value })}
            />
            <SelectField
              label="Gate"
              value={view.gate}
              onChange={(e) => update(filters, { ...view, gate: e.target.value as GateState | '' })}
            >
              <option value="">Any gate status</option>
              {GATE_STATE_ORDER.map((state) => (
                <option key={state} value={state}>
                  {GATE_STATE_NAMES[state]}
                </option>
              ))}
            </SelectField>
          </div>
          <Filters filters={filters} pods={podList} stages={stages} onChange={(next) => update(next, view)} />
          <ProjectList filters={filters} pods={podList} view={view} onSort={onSort} />
        </div>
      </Card>
    </Page>
  );
}
