import { githubIntegration } from './github/github-integration.ts';
import type { Integration } from './integration.ts';
import { linearIntegration } from './linear/linear-integration.ts';
import { logIntegration } from './log/log-integration.ts';
import { slackIntegration } from './slack/slack-integration.ts';
import { webhookIntegration } from './webhook/webhook-integration.ts';

/**
 * Every integration the server may turn on, in the order their notifiers are called. A new
 * integration is one folder under `src/` and one line here (docs/architecture.md#adding-an-integration).
 */
export const INTEGRATIONS: readonly Integration[] = [
  logIntegration,
  webhookIntegration,
  githubIntegration,
  slackIntegration,
  linearIntegration,
];
