import type { Policy } from '@clos/core';
import type { Importer, Integration, IntegrationContribution, IntegrationLogger } from '../integration.ts';
import { createLinearApi } from './client.ts';
import { linearImporter } from './importer.ts';
import { linearModule } from './linear-module.ts';
import { LINEAR_ENVIRONMENT, type LinearSettings, readLinearSettings } from './settings.ts';
import { linearStatusReporter } from './status.ts';
import { linearWebhookRoute } from './webhook-route.ts';

/**
 * The contribution from the settings: the webhook route, the job module and the status report.
 * `now` is the webhook's clock (epoch ms) for its timestamp window; tests pass their fake clock's.
 */
export function configureLinear(
  settings: LinearSettings,
  policy: Policy,
  logger: IntegrationLogger,
  options: { now?: () => number } = {},
): IntegrationContribution {
  if (Object.keys(policy.linear.teams).length === 0)
    logger.warn({}, 'the Linear integration is configured but linear.teams maps no pod: it creates nothing');
  const api = createLinearApi(settings);
  return {
    routes: [linearWebhookRoute(settings, options)],
    modules: [linearModule(api, settings, logger)],
    status: linearStatusReporter(api, policy),
    importer: linearImporter(api, policy, settings.publicUrl) as Importer,
  };
}

/**
 * Linear (docs/linear.md): a project's stages appear as Linear issues in its pod's team, and their
 * completion feeds the `linear_issues_done` gate criterion. On when its two secrets are set; off (its
 * route answers 404) when neither is; one without the other stops start-up.
 */
export const linearIntegration: Integration = {
  name: 'linear',
  configSections: ['linear', 'pods', 'stages'],
  environment: LINEAR_ENVIRONMENT,
  configure({ policy, env, logger }) {
    const settings = readLinearSettings(env);
    return settings ? configureLinear(settings, policy, logger) : null;
  },
};
