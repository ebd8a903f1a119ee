import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Chart } from '../components/chart.tsx';
import { Card, formatPercent, Page, QueryState, Stat } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { stageBarOption } from '../lib/stage-gates.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The executive overview: one figure per area, each linking to the view that explains it. */
export function Overview() {
  const { client } = useSession();
  const query = useQuery({
    queryKey: ['dashboard', 'overview'],
    queryFn: () => client.getDashboardOverview({}),
  });
  const perStage = query.data?.projectsPerStage;
  const option = useMemo(() => stageBarOption(perStage ?? []), [perStage]);

  return (
    <Page title="Overview">
      <QueryState query={query} what="the overview">
        {(o) => {
          const open = o.projectsPerStage.reduce((sum, s) => sum + s.count, 0);
          const scored = o.health.pods.filter((p) => p.score !== null).length;
          return (
            <div className="space-y-6">
              <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
                <Stat
                  label="WIP utilisation"
                  value={formatPercent(o.wip.utilisation)}
                  hint={`${o.wip.used} of ${o.wip.limit} slots used · ${plural(o.wip.fullCells, 'full cell')}`}
                  href="/wip"
                />
                <Stat
                  label="Ideas submitted this week"
                  value={o.ideas.submittedThisWeek}
                  hint={`${o.ideas.pending} waiting for a decision`}
                  href="/ideas"
                />
                <Stat
                  label="Ideas evaluated this week"
                  value={o.ideas.evaluatedThisWeek}
                  hint="evaluations since Monday"
                  href="/ideas"
                />
                <Stat
                  label="Mean pod health"
                  value={o.health.mean === null ? '—' : Math.round(o.health.mean)}
                  hint={`out of 100 · ${scored} of ${plural(o.health.pods.length, 'pod')} scored`}
                  href="/pods"
                />
                <Stat
                  label="Deployment success rate"
                  value={formatPercent(o.deployments.successRate)}
                  hint={`${plural(o.deployments.finished, 'deployment')} finished in the last ${plural(o.deployments.windowDays, 'day')}`}
                  href="/pods"
                />
                <Stat
                  label="Open alerts"
                  value={o.alerts.open}
                  hint={`${o.alerts.critical} critical`}
                  href="/alerts"
                />
                <Stat
                  label="Open projects"
                  value={open}
                  hint="across every stage"
                  href="/projects?closed=false"
                />
                <Stat
                  label="Blocked projects"
                  value={o.blockedProjects}
                  hint="cannot advance until unblocked"
                  href="/projects?blocked=true&closed=false"
                />
              </div>
              <Card title="Projects per stage">
                <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
                  <Chart
                    option={option}
                    label={`Open projects per stage: ${o.projectsPerStage.map((s) => `${s.stage} ${s.count}`).join(', ')}`}
                    height={260}
                  />
                  <div className="grid grid-cols-2 gap-3 self-start sm:grid-cols-3 lg:grid-cols-2">
                    {o.projectsPerStage.map((s) => (
                      <Stat
                        key={s.stage}
                        label={s.stage}
                        value={s.count}
                        href={`/projects?stage=${encodeURIComponent(s.stage)}&closed=false`}
                      />
                    ))}
                  </div>
                </div>
              </Card>
            </div>
          );
        }}
      </QueryState>
    </Page>
  );
}
