import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { Badge, Button, Card, ErrorNote, formatDate, QueryState, TextField } from '../../components/ui.tsx';
import { useSession } from '../../lib/auth.tsx';
import type { PodStatus } from '../../lib/pods.ts';
import { type Commitment, commitmentActions, commitmentsByMember, digestSections } from '../../lib/rhythm.ts';

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

/** Today's unblock, commit and recap digests, and the members' commitments with their actions. */
export function Rhythm({ slug, status }: { slug: string; status: PodStatus }) {
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
