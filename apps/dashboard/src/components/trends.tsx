import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useSession } from '../lib/auth.tsx';
import { useDarkMode } from '../lib/theme.ts';
import {
  cumulativeFlowOption,
  cycleTimeOption,
  hasHistory,
  ideaFunnelOption,
  throughputOption,
  trendSummaries,
  wipTrendOption,
} from '../lib/trends.ts';
import { Chart, type ChartOption } from './chart.tsx';
import { Card, QueryState, SelectField } from './ui.tsx';

/** Weeks of history the section shows. */
export const TRENDS_WEEKS = 12;
const HEIGHT = 240;

function TrendChart({
  title,
  option,
  label,
  children,
}: {
  title: string;
  option: ChartOption;
  label: string;
  children?: ReactNode;
}) {
  return (
    <Card title={title} className="min-w-0">
      {children}
      {/* chart.tsx fetches ECharts when the first chart mounts: the overview's first load stays small. */}
      <Chart option={option} label={label} height={HEIGHT} />
      <p className="mt-2 text-xs text-slate-600 dark:text-slate-300">{label}</p>
    </Card>
  );
}

/** The charts, in the order the grid shows them; a phone shows the chosen one. */
const TREND_CHARTS = [
  ['flow', 'Cumulative flow'],
  ['cycle', 'Cycle time per stage'],
  ['throughput', 'Throughput per week'],
  ['wip', 'WIP utilisation per pod'],
  ['ideas', 'Idea funnel'],
] as const;
type TrendKey = (typeof TREND_CHARTS)[number][0];

const PHONE = '(max-width: 639px)';

/** True below 640 px, following the window as it is resized or turned. */
function useIsPhone(): boolean {
  const [phone, setPhone] = useState(
    () => typeof window !== 'undefined' && !!window.matchMedia?.(PHONE).matches,
  );
  useEffect(() => {
    const query = window.matchMedia?.(PHONE);
    if (!query) return;
    const changed = () => setPhone(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return phone;
}

/**
 * The trends (issue 14 §5): cumulative flow, cycle time per stage, throughput, WIP utilisation per
 * pod and the idea funnel, over the last twelve weeks. Two columns from `lg` up, one below; on a
 * phone one chart at a time, chosen from a list, so the overview is not a page of charts to scroll.
 */
export function TrendsSection() {
  const { client } = useSession();
  const dark = useDarkMode();
  const query = useQuery({
    queryKey: ['dashboard', 'trends', TRENDS_WEEKS],
    queryFn: () => client.getDashboardTrends({ query: { weeks: TRENDS_WEEKS } }),
  });
  const [chosenType, setChosenType] = useState<string | null>(null);
  const phone = useIsPhone();
  const [shown, setShown] = useState<TrendKey>('flow');
  const t = query.data;
  const itemType = chosenType ?? t?.wip.types[0] ?? '';
  const charts = useMemo(
    () =>
      t
        ? {
            flow: cumulativeFlowOption(t, dark),
            cycle: cycleTimeOption(t, dark),
            throughput: throughputOption(t, dark),
            wip: wipTrendOption(t, itemType, dark),
            ideas: ideaFunnelOption(t, dark),
            words: trendSummaries(t, itemType),
          }
        : null,
    [t, dark, itemType],
  );

  return (
    <section aria-labelledby="trends-heading" className="space-y-4">
      <h2 id="trends-heading" className="text-lg font-semibold">
        Trends{' '}
        <span className="text-sm font-normal text-slate-600 dark:text-slate-300">
          last {TRENDS_WEEKS} weeks
        </span>
      </h2>
      <QueryState
        query={query}
        what="the trends"
        isEmpty={(data) => !hasHistory(data)}
        empty="No history yet: trends appear once projects move between stages, WIP slots are taken and ideas are submitted."
      >
        {(data) =>
          charts ? (
            <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
              {phone ? (
                <div className="max-w-xs">
                  <SelectField
                    label="Chart"
                    value={shown}
                    onChange={(e) => setShown(e.target.value as TrendKey)}
                  >
                    {TREND_CHARTS.map(([key, title]) => (
                      <option key={key} value={key}>
                        {title}
                      </option>
                    ))}
                  </SelectField>
                </div>
              ) : null}
              {!phone || shown === 'flow' ? (
                <TrendChart
                  title="Cumulative flow"
                  option={charts.flow}
                  label={charts.words.cumulativeFlow}
                />
              ) : null}
              {!phone || shown === 'cycle' ? (
                <TrendChart
                  title="Cycle time per stage"
                  option={charts.cycle}
                  label={charts.words.cycleTime}
                />
              ) : null}
              {!phone || shown === 'throughput' ? (
                <TrendChart
                  title="Throughput per week"
                  option={charts.throughput}
                  label={charts.words.throughput}
                />
              ) : null}
              {!phone || shown === 'wip' ? (
                <TrendChart title="WIP utilisation per pod" option={charts.wip} label={charts.words.wip}>
                  {data.wip.types.length > 1 ? (
                    <div className="mb-2 max-w-xs">
                      <SelectField
                        label="Item type"
                        value={itemType}
                        onChange={(e) => setChosenType(e.target.value)}
                      >
                        {data.wip.types.map((type) => (
                          <option key={type} value={type}>
                            {type}
                          </option>
                        ))}
                      </SelectField>
                    </div>
                  ) : null}
                </TrendChart>
              ) : null}
              {!phone || shown === 'ideas' ? (
                <TrendChart title="Idea funnel" option={charts.ideas} label={charts.words.ideas} />
              ) : null}
            </div>
          ) : null
        }
      </QueryState>
    </section>
  );
}
