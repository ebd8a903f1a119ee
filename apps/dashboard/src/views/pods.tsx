import type { RouteResponse, Routes } from '@clos/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { Badge, Button, Card, ErrorNote, Loading, Page, QueryState, TextField } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { usePodList } from '../lib/pod-list.ts';
import { defaultTimezone, healthTone, type Pod, wipUsage } from '../lib/pods.ts';

function RegisterPod() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState(defaultTimezone);
  const register = useMutation({
    mutationFn: () => client.registerPod({ body: { slug: slug.trim(), name, timezone: timezone.trim() } }),
    onSuccess: () => {
      setSlug('');
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['pods'] });
      void queryClient.invalidateQueries({ queryKey: ['dashboard'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    register.mutate();
  };
  return (
    <Card title="Register a pod">
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-3" aria-label="Register a pod">
        <TextField
          label="Slug"
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          required
          autoComplete="off"
          hint="2–40 lowercase letters, digits or hyphens"
        />
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} required />
        <TextField
          label="Timezone"
          value={timezone}
          onChange={(e) => setTimezone(e.target.value)}
          required
          hint="IANA name, e.g. Europe/Berlin"
        />
        <div className="sm:col-span-3 flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={register.isPending}>
            {register.isPending ? 'Registering…' : 'Register a pod'}
          </Button>
          {register.isSuccess ? (
            <p role="status" className="text-sm text-green-700 dark:text-green-400">
              Registered <Link to={`/pods/${register.data.slug}`}>{register.data.name}</Link>.
            </p>
          ) : null}
        </div>
        {register.isError ? (
          <div className="sm:col-span-3">
            <ErrorNote error={register.error} title="Could not register the pod" />
          </div>
        ) : null}
      </form>
    </Card>
  );
}

type PodSummary = RouteResponse<Routes['getDashboardPods']>['pods'][number];

function PodRow({ pod, summary, pending }: { pod: Pod; summary: PodSummary | undefined; pending: string }) {
  const usage = summary ? wipUsage(summary.cells) : null;
  const score = summary?.health ?? null;
  return (
    <tr className="border-t border-slate-200 dark:border-slate-800">
      <th scope="row" className="px-3 py-2 text-left font-medium">
        <Link
          to={`/pods/${pod.slug}`}
          className="text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
        >
          {pod.name}
        </Link>
        <div className="text-xs font-normal text-slate-500">{pod.slug}</div>
      </th>
      <td className="px-3 py-2">
        {summary ? (
          <Badge tone={healthTone(score)}>{score === null ? 'no score yet' : `${score} / 100`}</Badge>
        ) : (
          pending
        )}
      </td>
      <td className="px-3 py-2 tabular-nums">{summary ? summary.members : pending}</td>
      <td className="px-3 py-2">
        {usage ? (
          <>
            <span
              className={`tabular-nums ${usage.full ? 'font-semibold text-amber-700 dark:text-amber-400' : ''}`}
            >
              {usage.used} of {usage.limit} used
            </span>
            <div className="text-xs text-slate-500">{usage.text}</div>
          </>
        ) : (
          pending
        )}
      </td>
      <td className="px-3 py-2 text-xs text-slate-500">{pod.timezone}</td>
    </tr>
  );
}

function PodTable({ pods }: { pods: Pod[] }) {
  const { client } = useSession();
  // One answer for every pod's members, health and WIP: not one status request per pod, which the
  // list would repeat for every pod on each live update.
  const summaries = useQuery({
    queryKey: ['pods', 'summaries'],
    queryFn: () => client.getDashboardPods(),
  });
  const byId = new Map((summaries.data?.pods ?? []).map((p) => [p.id, p]));
  const loading = summaries.isPending;
  const pending = summaries.isPending ? '…' : summaries.isError ? 'unavailable' : '—';
  return (
    <div className="space-y-2">
      {loading ? <Loading what="Loading pod figures" /> : null}
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full min-w-[40rem] text-sm">
          <caption className="sr-only">Pods with their latest health score, members and WIP usage</caption>
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-800/50">
            <tr>
              <th scope="col" className="px-3 py-2">
                Pod
              </th>
              <th scope="col" className="px-3 py-2">
                Health
              </th>
              <th scope="col" className="px-3 py-2">
                Members
              </th>
              <th scope="col" className="px-3 py-2">
                WIP
              </th>
              <th scope="col" className="px-3 py-2">
                Timezone
              </th>
            </tr>
          </thead>
          <tbody>
            {pods.map((pod) => (
              <PodRow key={pod.id} pod={pod} summary={byId.get(pod.id)} pending={pending} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Every pod with its latest health, members and WIP usage; a form to register one. */
export function Pods() {
  const { can } = useSession();
  const pods = usePodList();
  return (
    <Page title="Pods">
      <QueryState
        query={pods}
        what="pods"
        isEmpty={(d) => d.items.length === 0}
        empty={can('pods:create') ? 'No pods yet. Register the first one below.' : 'No pods yet.'}
      >
        {(d) => <PodTable pods={[...d.items].sort((a, b) => a.name.localeCompare(b.name))} />}
      </QueryState>
      {can('pods:create') ? <RegisterPod /> : null}
    </Page>
  );
}
