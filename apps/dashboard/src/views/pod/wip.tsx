import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { Chart } from '../../components/chart.tsx';
import { Badge, Card, Empty, ErrorNote } from '../../components/ui.tsx';
import { WipItem } from '../../components/wip-item.tsx';
import { useSession } from '../../lib/auth.tsx';
import { type PodStatus, type WipCell, wipGaugeOption } from '../../lib/pods.ts';
import type { WipStatus } from '../../lib/wip.ts';

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

/** Per item type with anyone in it: who holds the slots and who waits in line, next first. */
function Occupants({ types, names }: { types: WipStatus['types']; names: ReadonlyMap<string, string> }) {
  const busy = types.filter((t) => t.holders.length > 0 || t.queue.length > 0);
  if (busy.length === 0) return null;
  return (
    <div className="mt-4 space-y-3">
      {busy.map((t) => (
        <section key={t.itemType} aria-label={`${t.itemType} holders and queue`} className="text-sm">
          <h3 className="font-semibold">{t.itemType}</h3>
          <ul className="mt-1 space-y-1">
            {t.holders.map((h) => (
              <li key={h.lockId}>
                <WipItem
                  itemType={t.itemType}
                  itemId={h.itemId}
                  label={h.label}
                  url={h.url}
                  projectName={names.get(h.itemId)}
                />
              </li>
            ))}
          </ul>
          {t.queue.length > 0 ? (
            <>
              <p className="mt-2 text-xs font-medium text-slate-500">Waiting ({t.queue.length})</p>
              <ol className="mt-1 list-decimal space-y-1 pl-5">
                {t.queue.map((q) => (
                  <li key={q.itemId}>
                    <WipItem
                      itemType={t.itemType}
                      itemId={q.itemId}
                      label={q.label}
                      url={q.url}
                      projectName={names.get(q.itemId)}
                    />
                  </li>
                ))}
              </ol>
            </>
          ) : null}
        </section>
      ))}
    </div>
  );
}

/** A gauge per WIP item type, marking the full and the over-limit ones; then holders and the queue. */
export function Wip({ status }: { status: PodStatus }) {
  const { client } = useSession();
  const slug = status.pod.slug;
  // The same query the WIP page uses for a pod's cells, so both stay in step.
  const detail = useQuery({
    queryKey: ['wip', slug],
    queryFn: () => client.getWipStatus({ params: { slug } }),
  });
  // Project slots are held under project ids: the Projects panel's query (shared) names them.
  const gates = useQuery({
    queryKey: ['dashboard', 'gates', slug],
    queryFn: () => client.getDashboardGates({ query: { pod: slug } }),
  });
  const names = useMemo(
    () => new Map((gates.data?.items ?? []).map((p) => [p.projectId, p.name])),
    [gates.data],
  );
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
      {detail.data ? <Occupants types={detail.data.types} names={names} /> : null}
      {detail.isError ? <ErrorNote error={detail.error} title="Could not load the holders" /> : null}
      <p className="mt-2 text-sm">
        <Link to="/wip" className="text-teal-700 underline dark:text-teal-400">
          Holders and limits on the WIP page
        </Link>
      </p>
    </Card>
  );
}
