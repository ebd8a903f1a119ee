import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useMemo, useState } from 'react';
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

/**
 * The trends (issue 14 §5): cumulative flow, cycle time per stage, throughput, WIP utilisation per
 * pod and the idea funnel, over the last twelve weeks. One column on a phone, two from `lg` up.
 */
export function TrendsSection() {
  const { client } = useSession();
  const dark = useDarkMode();
  const query = useQuery({
    queryKey: ['dashboard', 'trends', TRENDS_WEEKS],
    queryFn: () => client.getDashboardTrends({ query: { weeks: TRENDS_WEEKS } }),
  });
  const [chosenType, setChosenType] = useState<string | null>(null);
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
              <TrendChart title="Cumulative flow" option={charts.flow} label={charts.words.cumulativeFlow} />
              <TrendChart title="Cycle time per stage" option={charts.cycle} label={charts.words.cycleTime} />
              <TrendChart
                title="Throughput per week"
                option={charts.throughput}
                label={charts.words.throughput}
              />
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
              <TrendChart title="Idea funnel" option={charts.ideas} label={charts.words.ideas} />
            </div>
          ) : null
        }
      </QueryState>
    </section>
  );
}
