import { ClosApiError } from '@clos/contract/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Chart } from '../components/chart.tsx';
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
  DEMO_STATUS_TEXT,
  demoAgenda,
  healthChartOption,
  healthTone,
  membershipEvents,
  type PodStatus,
  type WeeklyDemoDetail,
  type WipCell,
  wipGaugeOption,
} from '../lib/pods.ts';
import { type Commitment, commitmentActions, commitmentsByMember, digestSections } from '../lib/rhythm.ts';
import { runDurationText, statusTone } from '../lib/runs.ts';

const TABLE = 'w-full text-sm';
const TH = 'px-3 py-2 text-left text-xs uppercase tracking-wide text-slate-500';
const TD = 'px-3 py-2 border-t border-slate-200 dark:border-slate-800';

// ---------------------------------------------------------------- health

function Health({ slug, status }: { slug: string; status: PodStatus }) {
  const { client } = useSession();
  const history = useQuery({
    queryKey: ['pods', slug, 'health'],
    queryFn: () => client.listPodHealth({ params: { slug }, query: { limit: 200 } }),
  });
  const option = useMemo(() => (history.data ? healthChartOption(history.data.items) : null), [history.data]);
  const latest = status.health;
  return (
    <Card title="Health score over time">
      <p className="mb-2 text-sm">
        Latest:{' '}
        {latest ? (
          <>
            <Badge tone={healthTone(latest.score)}>{latest.score} / 100</Badge>{' '}
            <span className="text-slate-500">recorded {formatDate(latest.recordedAt)}</span>
          </>
        ) : (
          <span className="text-slate-500">no score recorded yet</span>
        )}
      </p>
      <QueryState
        query={history}
        what="health history"
        isEmpty={(d) => d.items.length === 0}
        empty="No health recorded yet."
      >
        {(d) => (
          <>
            {option ? (
              <Chart option={option} label={`Health score of the last ${d.items.length} records`} />
            ) : null}
            <details className="mt-2 text-sm">
              <summary className="cursor-pointer">Health history as a table</summary>
              <div className="mt-2 max-h-64 overflow-auto">
                <table className={TABLE}>
                  <thead>
                    <tr>
                      <th scope="col" className={TH}>
                        Recorded
                      </th>
                      <th scope="col" className={TH}>
                        Score
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.items.map((h) => (
                      <tr key={h.id}>
                        <td className={TD}>{formatDate(h.recordedAt)}</td>
                        <td className={`${TD} tabular-nums`}>{h.score}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          </>
        )}
      </QueryState>
    </Card>
  );
}

// ---------------------------------------------------------------- WIP

function WipGauge({ cell }: { cell: WipCell }) {
  const option = useMemo(() => wipGaugeOption(cell), [cell]);
  const over = cell.used > cell.limit;
  const full = cell.used >= cell.limit;
  return (
    <figure className="rounded-lg border border-slate-200 p-2 dark:border-slate-800">
      <Chart option={option} label={`${cell.itemType}: ${cell.used} of ${cell.limit} used`} height={150} />
      <figcaption className="text-center text-sm">
        <span className="font-medium">{cell.itemType}</span>:{' '}
        <span className="tabular-nums">
          {cell.used} of {cell.limit} used
        </span>
        {over || full ? ' ' : null}
        {over ? <Badge tone="red">over limit</Badge> : full ? <Badge tone="amber">full</Badge> : null}
      </figcaption>
    </figure>
  );
}

function Wip({ status }: { status: PodStatus }) {
  return (
    <Card title="WIP per item type">
      {status.wip.length === 0 ? (
        <Empty>No WIP limits set for this pod.</Empty>
      ) : (
        <div className="grid grid-cols-2 gap-3 lg:grid-cols-3">
          {status.wip.map((c) => (
            <WipGauge key={c.itemType} cell={c} />
          ))}
        </div>
      )}
      <p className="mt-2 text-sm">
        <Link to="/wip" className="text-teal-700 underline dark:text-teal-400">
          Holders and limits on the WIP page
        </Link>
      </p>
    </Card>
  );
}

// ---------------------------------------------------------------- members

function AddMember({ slug }: { slug: string }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [podRole, setPodRole] = useState<'member' | 'lead'>('member');
  const add = useMutation({
    mutationFn: () => client.addPodMember({ params: { slug }, body: { email: email.trim(), podRole } }),
    onSuccess: () => {
      setEmail('');
      void queryClient.invalidateQueries({ queryKey: ['pods'] });
      void queryClient.invalidateQueries({ queryKey: ['rhythm', slug] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <form
      onSubmit={submit}
      aria-label="Add member"
      className="mt-4 grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-end"
    >
      <TextField
        label="Email"
        type="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        required
      />
      <SelectField
        label="Pod role"
        value={podRole}
        onChange={(e) => setPodRole(e.target.value as 'member' | 'lead')}
      >
        <option value="member">member</option>
        <option value="lead">lead</option>
      </SelectField>
      <Button type="submit" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add member'}
      </Button>
      {add.isError ? (
        <div className="sm:col-span-3">
          <ErrorNote error={add.error} title="Could not add the member" />
        </div>
      ) : null}
    </form>
  );
}

function Members({ slug, status }: { slug: string; status: PodStatus }) {
  const { can } = useSession();
  const members = [...status.members].sort((a, b) =>
    a.podRole === b.podRole ? a.name.localeCompare(b.name) : a.podRole === 'lead' ? -1 : 1,
  );
  return (
    <Card title={`Members (${members.length})`}>
      {members.length === 0 ? (
        <Empty>No members yet.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <table className={`${TABLE} min-w-[28rem]`}>
            <thead>
              <tr>
                <th scope="col" className={TH}>
                  Name
                </th>
                <th scope="col" className={TH}>
                  Pod role
                </th>
                <th scope="col" className={TH}>
                  Joined
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.userId}>
                  <td className={TD}>
                    {m.name}
                    <div className="text-xs text-slate-500">{m.email}</div>
                  </td>
                  <td className={TD}>
                    <Badge tone={m.podRole === 'lead' ? 'teal' : 'slate'}>{m.podRole}</Badge>
                  </td>
                  <td className={TD}>{formatDate(m.joinedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {can('pods:manage', status.pod.id) ? <AddMember slug={slug} /> : null}
    </Card>
  );
}

function Rotation({ slug }: { slug: string }) {
  const { client } = useSession();
  const history = useQuery({
    queryKey: ['pods', slug, 'members', 'history'],
    queryFn: () => client.listPodMembers({ params: { slug }, query: { history: 'true' } }),
  });
  // Rotation runs are company-wide (no pod of their own): the latest few, for what moved when.
  const runs = useQuery({
    queryKey: ['runs', 'monthly-rotation', 'latest'],
    queryFn: () => client.listWorkflowRuns({ query: { workflow: 'monthly-rotation', limit: 5 } }),
  });
  return (
    <Card title="Rotation history">
      <QueryState
        query={history}
        what="membership history"
        isEmpty={(d) => d.items.length === 0}
        empty="Nobody has joined or left yet."
      >
        {(d) => (
          <ol className="space-y-1 text-sm">
            {membershipEvents(d.items).map((e) => (
              <li key={e.key} className="flex flex-wrap items-baseline gap-2">
                <Badge tone={e.kind === 'joined' ? 'green' : 'amber'}>
                  {e.kind === 'joined' ? 'Joined' : 'Left'}
                </Badge>
                <span className="font-medium">{e.name}</span>
                <span className="text-slate-500">({e.podRole})</span>
                <time dateTime={e.at} className="text-slate-500">
                  {formatDate(e.at)}
                </time>
              </li>
            ))}
          </ol>
        )}
      </QueryState>
      {runs.data && runs.data.items.length > 0 ? (
        <div className="mt-3 text-sm">
          <h3 className="font-medium">Monthly rotation runs</h3>
          <ul className="mt-1 space-y-1">
            {runs.data.items.map((r) => (
              <li key={r.id} className="flex flex-wrap items-center gap-2">
                <Link to={`/runs/${r.id}`} className="text-teal-700 underline dark:text-teal-400">
                  {r.key}
                </Link>
                <Badge tone={statusTone(r.status)}>{r.status}</Badge>
                <span className="text-slate-500">{runDurationText(r)}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </Card>
  );
}

// ---------------------------------------------------------------- today's rhythm

function CommitForm({ slug }: { slug: string }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const commit = useMutation({
    mutationFn: () => client.recordCommitment({ params: { slug }, body: { text } }),
    onSuccess: () => {
      setText('');
      void queryClient.invalidateQueries({ queryKey: ['rhythm', slug] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    commit.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Commit" className="mt-3 space-y-2">
      <div className="flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="flex-1">
          <TextField
            label="Today I will"
            value={text}
            onChange={(e) => setText(e.target.value)}
            required
            maxLength={500}
          />
        </div>
        <Button type="submit" disabled={commit.isPending}>
          {commit.isPending ? 'Committing…' : 'Commit'}
        </Button>
      </div>
      {commit.isError ? <ErrorNote error={commit.error} title="Could not record the commitment" /> : null}
    </form>
  );
}

function CommitmentItem({
  slug,
  item,
  userId,
  canWork,
}: {
  slug: string;
  item: Commitment;
  userId: string | null;
  canWork: boolean;
}) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (status: 'done' | 'dropped') =>
      client.updateCommitment({ params: { id: item.id }, body: { status } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['rhythm', slug] }),
  });
  const actions = commitmentActions(item, userId, canWork);
  return (
    <li className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <span
          id={`commitment-${item.id}`}
          className={item.status === 'dropped' ? 'line-through text-slate-500' : ''}
        >
          {item.text}
        </span>
        {item.status !== 'open' ? (
          <Badge tone={item.status === 'done' ? 'green' : 'slate'}>{item.status}</Badge>
        ) : null}
        {actions.done ? (
          <Button
            variant="secondary"
            className="min-h-8 py-1"
            aria-describedby={`commitment-${item.id}`}
            disabled={update.isPending}
            onClick={() => update.mutate('done')}
          >
            Done
          </Button>
        ) : null}
        {actions.drop ? (
          <Button
            variant="secondary"
            className="min-h-8 py-1"
            aria-describedby={`commitment-${item.id}`}
            disabled={update.isPending}
            onClick={() => update.mutate('dropped')}
          >
            Drop
          </Button>
        ) : null}
      </div>
      {update.isError ? <ErrorNote error={update.error} title="Could not update the commitment" /> : null}
    </li>
  );
}

function Rhythm({ slug, status }: { slug: string; status: PodStatus }) {
  const { client, me, can } = useSession();
  const today = useQuery({
    queryKey: ['rhythm', slug, 'today'],
    queryFn: () => client.getRhythmToday({ params: { slug } }),
  });
  const userId = me?.user?.id ?? null;
  const canWork = can('projects:work', status.pod.id);
  const isMember = userId !== null && status.members.some((m) => m.userId === userId);
  return (
    <Card title="Today's rhythm">
      <QueryState query={today} what="today's rhythm">
        {(d) => (
          <div className="space-y-4">
            <p className="text-sm text-slate-500">
              {d.day} in {d.timezone}
            </p>
            <div className="grid gap-3 lg:grid-cols-3">
              {digestSections(d).map((s) => (
                <section
                  key={s.phase}
                  aria-labelledby={`digest-${s.phase}`}
                  className="rounded-lg border border-slate-200 p-3 dark:border-slate-800"
                >
                  <h3 id={`digest-${s.phase}`} className="font-semibold">
                    {s.title}
                  </h3>
                  {s.produced ? (
                    <>
                      <p className="text-xs text-slate-500">Produced {formatDate(s.createdAt)}</p>
                      <p className="mt-1 text-sm">{s.summary}</p>
                      {s.groups.map((g) => (
                        <div key={g.label} className="mt-2">
                          <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">
                            {g.label}
                          </h4>
                          {g.lines.length === 0 ? (
                            <p className="text-sm text-slate-500">{g.none}</p>
                          ) : (
                            <ul className="list-disc pl-5 text-sm">
                              {g.lines.map((l) => (
                                <li key={l.key}>
                                  {l.href ? (
                                    <Link to={l.href} className="text-teal-700 underline dark:text-teal-400">
                                      {l.text}
                                    </Link>
                                  ) : (
                                    l.text
                                  )}
                                </li>
                              ))}
                            </ul>
                          )}
                        </div>
                      ))}
                    </>
                  ) : (
                    <p className="mt-1 text-sm text-slate-500">Not produced yet.</p>
                  )}
                </section>
              ))}
            </div>
            <section aria-labelledby="commitments-title">
              <h3 id="commitments-title" className="font-semibold">
                Commitments
              </h3>
              {d.commitments.length === 0 ? (
                <p className="text-sm text-slate-500">No commitments yet today.</p>
              ) : (
                <ul className="mt-1 space-y-2 text-sm">
                  {commitmentsByMember(d.commitments).map((g) => (
                    <li key={g.userId}>
                      <span className="font-medium">{g.name}</span>
                      <ul className="ml-4 mt-1 space-y-1">
                        {g.items.map((c) => (
                          <CommitmentItem key={c.id} slug={slug} item={c} userId={userId} canWork={canWork} />
                        ))}
                      </ul>
                    </li>
                  ))}
                </ul>
              )}
              {canWork && isMember ? <CommitForm slug={slug} /> : null}
            </section>
          </div>
        )}
      </QueryState>
    </Card>
  );
}

// ---------------------------------------------------------------- weekly demo

function SubmitDemo({ slug }: { slug: string }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [url, setUrl] = useState('');
  const submitDemo = useMutation({
    mutationFn: () =>
      client.submitDemo({
        params: { slug },
        body: { title, description: description.trim() || null, url: url.trim() || null },
      }),
    onSuccess: () => {
      setTitle('');
      setDescription('');
      setUrl('');
      void queryClient.invalidateQueries({ queryKey: ['demos', slug] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    submitDemo.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Submit a demo" className="mt-4 space-y-3">
      <h3 className="font-semibold">Submit a demo</h3>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField
          label="Demo title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          required
          maxLength={200}
        />
        <TextField
          label="Link"
          type="url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://"
        />
      </div>
      <TextArea
        label="Description"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        rows={2}
      />
      <Button type="submit" disabled={submitDemo.isPending}>
        {submitDemo.isPending ? 'Submitting…' : 'Submit a demo'}
      </Button>
      {submitDemo.isError ? <ErrorNote error={submitDemo.error} title="Could not submit the demo" /> : null}
    </form>
  );
}

function DemoAgenda({ slug, demo, status }: { slug: string; demo: WeeklyDemoDetail; status: PodStatus }) {
  const { me, can } = useSession();
  const agenda = demoAgenda(demo);
  const userId = me?.user?.id ?? null;
  const isMember = userId !== null && status.members.some((m) => m.userId === userId);
  const collecting = demo.status === 'collecting';
  return (
    <>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-500">Week</dt>
        <dd>{demo.week}</dd>
        <dt className="text-slate-500">Status</dt>
        <dd>
          <Badge tone={collecting ? 'teal' : demo.status === 'closed' ? 'slate' : 'amber'}>
            {DEMO_STATUS_TEXT[demo.status]}
          </Badge>
        </dd>
        <dt className="text-slate-500">Cutoff</dt>
        <dd>{formatDate(demo.cutoffAt)}</dd>
      </dl>
      <h3 className="mt-3 font-semibold">{demo.agenda ? 'Agenda' : 'Submissions so far'}</h3>
      {agenda.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing submitted yet.</p>
      ) : (
        <ol className="mt-1 list-decimal space-y-2 pl-5 text-sm">
          {agenda.map((a) => (
            <li key={a.key}>
              {a.url ? (
                <a
                  href={a.url}
                  target="_blank"
                  rel="noreferrer noopener"
                  className="font-medium text-teal-700 underline dark:text-teal-400"
                >
                  {a.title}
                </a>
              ) : (
                <span className="font-medium">{a.title}</span>
              )}{' '}
              — {a.presenter}
              {a.projectId ? (
                <>
                  {' '}
                  (
                  <Link
                    to={`/projects/${a.projectId}`}
                    className="text-teal-700 underline dark:text-teal-400"
                  >
                    project page
                  </Link>
                  )
                </>
              ) : null}
              {a.description ? <p className="text-slate-500">{a.description}</p> : null}
            </li>
          ))}
        </ol>
      )}
      {demo.summary ? (
        <p className="mt-2 text-sm">
          Feedback: {demo.summary.feedbackCount} scores, mean{' '}
          {demo.summary.meanScore === null ? '—' : demo.summary.meanScore.toFixed(1)} / 5
        </p>
      ) : null}
      {collecting && isMember && can('projects:work', status.pod.id) ? <SubmitDemo slug={slug} /> : null}
    </>
  );
}

function Demo({ slug, status }: { slug: string; status: PodStatus }) {
  const { client } = useSession();
  const demo = useQuery({
    queryKey: ['demos', slug, 'current'],
    // 404 is "not opened yet this week", not a failure.
    queryFn: async () => {
      try {
        return await client.getCurrentDemo({ params: { slug } });
      } catch (error) {
        if (error instanceof ClosApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
  return (
    <Card title="This week's demo">
      <QueryState
        query={demo}
        what="this week's demo"
        isEmpty={(d) => d === null}
        empty="This week's demo has not opened yet."
      >
        {(d) => (d ? <DemoAgenda slug={slug} demo={d} status={status} /> : null)}
      </QueryState>
    </Card>
  );
}

// ---------------------------------------------------------------- page

/** One pod: health over time, WIP gauges, members and rotations, today's rhythm, this week's demo. */
export function PodDetail() {
  const { slug = '' } = useParams();
  const { client } = useSession();
  const status = useQuery({
    queryKey: ['pods', slug, 'status'],
    queryFn: () => client.getPodStatus({ params: { slug } }),
  });
  return (
    <Page title={status.data?.pod.name ?? slug}>
      <QueryState query={status} what="the pod">
        {(s) => (
          <>
            <p className="-mt-4 text-sm text-slate-500">
              {s.pod.slug} · {s.pod.timezone}
            </p>
            <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
              <Health slug={slug} status={s} />
              <Wip status={s} />
            </div>
            <Rhythm slug={slug} status={s} />
            <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
              <Members slug={slug} status={s} />
              <Demo slug={slug} status={s} />
            </div>
            <Rotation slug={slug} />
          </>
        )}
      </QueryState>
    </Page>
  );
}
