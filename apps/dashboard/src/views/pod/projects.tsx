import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Badge, Card, Empty, ErrorNote, formatDate, QueryState } from '../../components/ui.tsx';
import { WipItem } from '../../components/wip-item.tsx';
import { useSession } from '../../lib/auth.tsx';
import { gateLabel, gateTone, type PodStatus, PR_ITEM_TYPE } from '../../lib/pods.ts';
import { TABLE, TD, TH } from './table.ts';

/** The pod's open projects with their stage, next gate's status and days in stage, longest first. */
export function Projects({ slug }: { slug: string }) {
  const { client } = useSession();
  const gates = useQuery({
    queryKey: ['dashboard', 'gates', slug],
    queryFn: () => client.getDashboardGates({ query: { pod: slug } }),
  });
  return (
    <Card title="Projects">
      <QueryState
        query={gates}
        what="the pod's projects"
        isEmpty={(d) => d.items.length === 0}
        empty="No open projects in this pod."
      >
        {(data) => (
          <div className="overflow-x-auto">
            <table className={TABLE}>
              <caption className="sr-only">Open projects, longest in their stage first</caption>
              <thead>
                <tr>
                  <th scope="col" className={TH}>
                    Project
                  </th>
                  <th scope="col" className={TH}>
                    Stage
                  </th>
                  <th scope="col" className={TH}>
                    Gate
                  </th>
                  <th scope="col" className={`${TH} text-right`}>
                    Days in stage
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((p) => (
                  <tr key={p.projectId}>
                    <td className={TD}>
                      <Link
                        to={`/projects/${p.projectId}`}
                        className="font-medium text-teal-700 underline-offset-2 hover:underline dark:text-teal-400"
                      >
                        {p.name}
                      </Link>
                    </td>
                    <td className={TD}>
                      {p.currentStage}
                      {p.nextStage ? (
                        <span className="text-xs text-slate-600 dark:text-slate-400"> → {p.nextStage}</span>
                      ) : null}
                    </td>
                    <td className={TD}>
                      <Badge tone={gateTone(p.state)}>{gateLabel(p)}</Badge>
                      {p.blockedReason ? (
                        <span className="ml-2 text-xs text-slate-600 dark:text-slate-400">
                          {p.blockedReason}
                        </span>
                      ) : null}
                    </td>
                    <td className={`${TD} text-right tabular-nums`}>
                      <span title={`since ${formatDate(p.stageEnteredAt)}`}>{p.daysInStage}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <p className="mt-3 text-sm">
        <Link
          to={`/projects?pod=${encodeURIComponent(slug)}`}
          className="text-teal-700 underline dark:text-teal-400"
        >
          All of this pod's projects, closed ones too
        </Link>
      </p>
    </Card>
  );
}

/**
 * The pod's pull requests: those holding its PR slots and those waiting in line for one, by title and
 * linked to GitHub where the App recorded them.
 */
export function PrQueue({ status }: { status: PodStatus }) {
  const { client } = useSession();
  const slug = status.pod.slug;
  // The same query as the WIP panel and the WIP page, so all three stay in step.
  const detail = useQuery({
    queryKey: ['wip', slug],
    queryFn: () => client.getWipStatus({ params: { slug } }),
  });
  const cell = detail.data?.types.find((t) => t.itemType === PR_ITEM_TYPE);
  return (
    <Card title="Pull requests">
      {detail.isError ? <ErrorNote error={detail.error} title="Could not load the pull requests" /> : null}
      {detail.data && !cell ? <Empty>This pod has no “{PR_ITEM_TYPE}” WIP limit.</Empty> : null}
      {cell ? (
        <div className="space-y-4 text-sm">
          <section aria-labelledby={`${slug}-pr-open`}>
            <h3 id={`${slug}-pr-open`} className="font-semibold">
              In progress ({cell.used} of {cell.limit})
            </h3>
            {cell.holders.length === 0 ? (
              <p className="mt-1 text-slate-600 dark:text-slate-400">No pull request holds a slot.</p>
            ) : (
              <ul className="mt-1 space-y-2">
                {cell.holders.map((h) => (
                  <li key={h.lockId}>
                    <WipItem itemType={PR_ITEM_TYPE} itemId={h.itemId} label={h.label} url={h.url} />
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby={`${slug}-pr-queue`}>
            <h3 id={`${slug}-pr-queue`} className="font-semibold">
              Queue ({cell.queue.length})
            </h3>
            {cell.queue.length === 0 ? (
              <p className="mt-1 text-slate-600 dark:text-slate-400">Nobody is waiting for a slot.</p>
            ) : (
              <ol className="mt-1 list-decimal space-y-2 pl-5">
                {cell.queue.map((q) => (
                  <li key={q.itemId}>
                    <WipItem itemType={PR_ITEM_TYPE} itemId={q.itemId} label={q.label} url={q.url} />
                    <span className="text-xs text-slate-600 dark:text-slate-400">
                      {' '}
                      waiting since {formatDate(q.enqueuedAt)}
                    </span>
                  </li>
                ))}
              </ol>
            )}
          </section>
          <p>
            <Link
              to={`/wip?pod=${encodeURIComponent(slug)}&type=${encodeURIComponent(PR_ITEM_TYPE)}`}
              className="text-teal-700 underline dark:text-teal-400"
            >
              Manage the queue on the WIP page
            </Link>
          </p>
        </div>
      ) : null}
    </Card>
  );
}
