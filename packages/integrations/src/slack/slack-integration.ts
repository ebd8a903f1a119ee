import { WebClient } from '@slack/web-api';
import type { Integration } from '../integration.ts';
import { slackNotifier } from './notifier.ts';
import { slackRoute } from './route.ts';
import { readSlackSettings, SLACK_ENVIRONMENT, type SlackSettings } from './settings.ts';
import { slackModule } from './slack-module.ts';

/** The Web API client every Slack call goes through: the configured root, Slack's own retry policy. */
export function slackClient(settings: SlackSettings, retries = 5) {
  return new WebClient(settings.botToken, {
    slackApiUrl: settings.apiUrl,
    // Rate limits (429 + Retry-After) are waited out by the SDK; other failures retried this often.
    retryConfig: { retries, factor: 2, minTimeout: 200, maxTimeout: 5_000 },
  });
}

/**
 * The Slack app (docs/slack-app.md): `/clos` and `/unblock` answered as the CLOS user with the Slack
 * user's email, and notifications posted to pod channels. On when its two secrets are set; off (its
 * route answers 404) when neither is; one without the other stops start-up.
 */
export const slackIntegration: Integration = {
  name: 'slack',
  configSections: ['slack', 'pods'],
  environment: SLACK_ENVIRONMENT,
  configure({ policy, env, logger }) {
    const settings = readSlackSettings(env);
    if (!settings) return null;
    return {
      routes: [slackRoute(settings)],
      modules: [slackModule(settings, logger)],
      notifiers: [slackNotifier(slackClient(settings), policy)],
    };
  },
};
