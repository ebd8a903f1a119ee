import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Badge, Card, formatDate, QueryState } from '../../components/ui.tsx';
import { useSession } from '../../lib/auth.tsx';
import { membershipEvents } from '../../lib/pods.ts';
import { runDurationText, statusTone } from '../../lib/runs.ts';

/** Who joined and left the pod when, and the latest company-wide monthly rotation runs. */
export function Rotation({ slug }: { slug: string }) {
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
