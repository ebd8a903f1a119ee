import type { Policy } from '@clos/core';
import type { Integration, IntegrationContribution, IntegrationLogger } from '../integration.ts';
import { createGitHubApp } from './client.ts';
import { githubModule } from './github-module.ts';
import { GITHUB_ENVIRONMENT, type GitHubSettings, readGitHubSettings } from './settings.ts';
import { githubStatusReporter } from './status.ts';
import { githubWebhookRoute } from './webhook-route.ts';

/** The App's contribution from its settings: its webhook route, its job module and its status report. */
export function configureGitHub(
  settings: GitHubSettings,
  policy: Policy,
  logger: IntegrationLogger,
  options: {
    spaceWrites?: boolean;
    /** How long `clos github status` waits for GitHub per call (tests shorten it). */
    statusDeadlineMs?: number | undefined;
  } = {},
): IntegrationContribution {
  if (policy.github.repositories.length === 0)
    logger.warn(
      {},
      'the GitHub App is configured but github.repositories maps no repository: it enforces nothing',
    );
  const app = createGitHubApp(settings, logger, options);
  return {
    routes: [githubWebhookRoute(app, { workflowRuns: policy.github.deployments.workflowRuns })],
    modules: [githubModule(app, logger)],
    status: githubStatusReporter(app, policy, { deadlineMs: options.statusDeadlineMs }),
  };
}

/**
 * The GitHub App (docs/github-app.md): pull requests of the repositories `github.repositories` maps
 * take their pod's WIP slots or wait in line, and the `clos/wip` check run says which. On when the
 * App's variables are set; off (its route answers 404) when none is; a partial set stops start-up.
 */
export const githubIntegration: Integration = {
  name: 'github',
  configSections: ['github'],
  environment: GITHUB_ENVIRONMENT,
  configure({ policy, env, logger }) {
    const settings = readGitHubSettings(env);
    return settings ? configureGitHub(settings, policy, logger) : null;
  },
};
