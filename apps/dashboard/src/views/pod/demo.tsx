import { isoWeek } from '@clos/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import {
  Badge,
  Button,
  Card,
  ErrorNote,
  formatDate,
  QueryState,
  TextArea,
  TextField,
} from '../../components/ui.tsx';
import { useSession } from '../../lib/auth.tsx';
import { DEMO_STATUS_TEXT, demoAgenda, type PodStatus, type WeeklyDemoDetail } from '../../lib/pods.ts';

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

/** This week's demo: status, cutoff, the agenda (or submissions so far) and, while it collects, a form. */
export function Demo({ slug, status }: { slug: string; status: PodStatus }) {
  const { client } = useSession();
  const demo = useQuery({
    queryKey: ['demos', slug, 'current'],
    // "Not opened yet this week" is a normal state, not a failure. Asking for `current` would answer it
    // with a 404, which the browser logs as an error on every pod page; the newest demo (its week, or
    // still running) tells the same without one.
    queryFn: async () => {
      const [newest] = (await client.listDemos({ params: { slug }, query: { limit: 1 } })).items;
      const thisWeek = isoWeek(new Date().toLocaleDateString('sv'));
      if (!newest || (newest.status === 'closed' && newest.week !== thisWeek)) return null;
      return client.getDemo({ params: { id: newest.id } });
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
