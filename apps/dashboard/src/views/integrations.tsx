import { useQuery } from '@tanstack/react-query';
import { Badge, Card, Page, QueryState } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { activeDays, githubSummary, slackCommandTotals } from '../lib/integrations.ts';

const TH = 'px-3 py-2 font-medium';
const TD = 'px-3 py-2 align-top';
const SLACK_DAYS = 30;

function GithubCard() {
  const { client } = useSession();
  const status = useQuery({
    queryKey: ['integrations', 'github'],
    queryFn: () => client.getGithubStatus({}),
  });
  return (
    <Card title="GitHub App">
      <QueryState query={status} what="the GitHub App's status">
        {(s) => {
          const summary = githubSummary(s);
          return (
            <div className="space-y-3 text-sm">
              <p className="flex flex-wrap items-center gap-2">
                <Badge tone={summary.tone}>{summary.text}</Badge>
                {s.app ? (
                  <span>
                    {s.app.name}
                    {s.app.owner ? ` (owned by ${s.app.owner})` : ''} · {s.installations.length}{' '}
                    {s.installations.length === 1 ? 'installation' : 'installations'}
                  </span>
                ) : null}
              </p>
              {s.problems.length > 0 ? (
                <ul className="list-disc space-y-1 pl-5 text-amber-900 dark:text-amber-200">
                  {s.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              ) : null}
              {s.repositories.length > 0 ? (
                <div className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
                  <table className="w-full min-w-[36rem] text-sm">
                    <caption className="sr-only">Mapped repositories</caption>
                    <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600 dark:bg-slate-800/60 dark:text-slate-300">
                      <tr>
                        <th scope="col" className={TH}>
                          Repository
                        </th>
                        <th scope="col" className={TH}>
                          Pod
                        </th>
                        <th scope="col" className={TH}>
                          Pull requests
                        </th>
                        <th scope="col" className={TH}>
                          State
                        </th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                      {s.repositories.map((r) => (
                        <tr key={r.repository}>
                          <td className={TD}>
                            <span className="font-mono text-xs">{r.repository}</span>
                          </td>
                          <td className={TD}>{r.pod}</td>
                          <td className={`${TD} tabular-nums`}>
                            {r.holders.length} holding · {r.queue.length} waiting
                          </td>
                          <td className={TD}>
                            {r.problem ? (
                              <span className="text-amber-900 dark:text-amber-200">{r.problem}</span>
                            ) : (
                              <Badge tone="green">OK</Badge>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p className="text-slate-600 dark:text-slate-400">
                  No repositories mapped: add them under <code>github.repositories</code> in clos.config.yaml.
                </p>
              )}
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}

function SlackCard() {
  const { client } = useSession();
  const usage = useQuery({
    queryKey: ['integrations', 'slack', SLACK_DAYS],
    queryFn: () => client.getSlackUsage({ query: { days: SLACK_DAYS } }),
  });
  return (
    <Card title="Slack">
      <QueryState query={usage} what="Slack usage">
        {(u) => {
          const commands = slackCommandTotals(u);
          return (
            <div className="space-y-3 text-sm">
              <p>
                <span className="text-2xl font-semibold tabular-nums">{u.total}</span> command
                {u.total === 1 ? '' : 's'} in the last {SLACK_DAYS} days, on {activeDays(u)} of them.
              </p>
              {commands.length ? (
                <ul className="space-y-1">
                  {commands.map((c) => (
                    <li key={c.command} className="flex justify-between gap-4">
                      <code>{c.command}</code>
                      <span className="tabular-nums">{c.uses}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-slate-600 dark:text-slate-400">
                  No Slack commands used yet. Install the Slack app and try <code>/clos wip</code> in a
                  channel.
                </p>
              )}
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}

/** Integrations (admin): whether the GitHub App is set up and working, and how much Slack is used. */
export function Integrations() {
  const { can } = useSession();
  return (
    <Page title="Integrations">
      <div className="grid gap-4 lg:grid-cols-2">
        {can('pods:manage') ? <GithubCard /> : null}
        <SlackCard />
      </div>
    </Page>
  );
}
