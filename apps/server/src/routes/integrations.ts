import { type RouteResponse, routes } from '@clos/contract';
import {
  type GitHubStatusReport,
  githubStatusNotConfigured,
  type LinearStatusReport,
  linearStatusNotConfigured,
  SLACK_COMMAND_METRIC,
  type StatusReporter,
} from '@clos/integrations';
import type { FastifyInstance } from 'fastify';
import { ctxOf, type RouteDeps } from '../http/context.ts';
import { route } from './route.ts';

// The report GitHub's integration builds must be what the contract documents; this fails to compile otherwise.
const asResponse = (report: GitHubStatusReport): RouteResponse<typeof routes.getGithubStatus> => report;
const asLinearResponse = (report: LinearStatusReport): RouteResponse<typeof routes.getLinearStatus> => report;

/**
 * Status of the configured integrations. The route exists whether or not the App is configured
 * (unlike its webhook, which is not mounted then): "not configured" is an answer, with what to set.
 */
export function integrationRoutes(
  app: FastifyInstance,
  { services }: RouteDeps,
  status: Readonly<Record<string, StatusReporter>>,
) {
  route(app, routes.getGithubStatus, async () => {
    const reporter = status.github;
    if (!reporter) return githubStatusNotConfigured();
    // The GitHub integration's reporter builds a GitHubStatusReport (github/status.ts); the response
    // serializer checks it against the contract's schema as well.
    return asResponse((await reporter(services)) as GitHubStatusReport);
  });

  route(app, routes.getLinearStatus, async () => {
    const reporter = status.linear;
    if (!reporter) return linearStatusNotConfigured();
    return asLinearResponse((await reporter(services)) as LinearStatusReport);
  });

  // Counted by the Slack app's job whether or not this process runs it; zeros when Slack is off.
  route(app, routes.getSlackUsage, async (req) => {
    const days = await services.usage.daily(ctxOf(req), SLACK_COMMAND_METRIC, req.query.days);
    return { days, total: days.reduce((n, d) => n + d.total, 0) };
  });
}
