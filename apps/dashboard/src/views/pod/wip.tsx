import { useMemo } from 'react';
import { Link } from 'react-router';
import { Chart } from '../../components/chart.tsx';
import { Badge, Card, Empty } from '../../components/ui.tsx';
import { type PodStatus, type WipCell, wipGaugeOption } from '../../lib/pods.ts';

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

/** A gauge per WIP item type, marking the full and the over-limit ones. */
export function Wip({ status }: { status: PodStatus }) {
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
