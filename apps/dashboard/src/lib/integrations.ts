/** The integrations page's logic: GitHub App status and Slack command use, summarised. */
import type { RouteResponse, Routes } from '@clos/contract';

export type GithubStatus = RouteResponse<Routes['getGithubStatus']>;
export type SlackUsage = RouteResponse<Routes['getSlackUsage']>;

/** One line on the GitHub App's state: not set up, set up with problems, or working. */
export function githubSummary(status: GithubStatus): { text: string; tone: 'green' | 'amber' | 'slate' } {
  if (!status.configured) return { text: 'Not configured', tone: 'slate' };
  if (status.problems.length > 0)
    return {
      text: `${status.problems.length} ${status.problems.length === 1 ? 'problem' : 'problems'}`,
      tone: 'amber',
    };
  return { text: 'Working', tone: 'green' };
}

/** Slack commands by total use over the period, most used first. */
export function slackCommandTotals(usage: SlackUsage): { command: string; uses: number }[] {
  const totals = new Map<string, number>();
  for (const day of usage.days)
    for (const [command, uses] of Object.entries(day.byMetric))
      totals.set(command, (totals.get(command) ?? 0) + uses);
  return [...totals]
    .map(([command, uses]) => ({ command, uses }))
    .sort((a, b) => b.uses - a.uses || a.command.localeCompare(b.command));
}

/** Days on which Slack was used at all. */
export const activeDays = (usage: SlackUsage) => usage.days.filter((d) => d.total > 0).length;
