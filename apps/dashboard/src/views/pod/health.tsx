import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Chart } from '../../components/chart.tsx';
import { Badge, Card, formatDate, QueryState } from '../../components/ui.tsx';
import { useSession } from '../../lib/auth.tsx';
import { healthChartOption, healthMovers, healthTone, type PodStatus } from '../../lib/pods.ts';
import { TABLE, TD, TH } from './table.ts';

/** The pod's latest health score and its history, as a chart and as a table. */
export function Health({ slug, status }: { slug: string; status: PodStatus }) {
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
            <span className="text-slate-500">
              {latest.source === 'computed' ? 'computed' : 'recorded by hand'} {formatDate(latest.recordedAt)}
            </span>
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
                      <th scope="col" className={TH}>
                        Source
                      </th>
                      <th scope="col" className={TH}>
                        Moved most (score points)
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.items.map((h) => (
                      <tr key={h.id}>
                        <td className={TD}>{formatDate(h.recordedAt)}</td>
                        <td className={`${TD} tabular-nums`}>{h.score}</td>
                        <td className={TD}>{h.source}</td>
                        <td className={TD}>{healthMovers(h) || '—'}</td>
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
