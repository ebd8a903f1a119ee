import { App } from '@octokit/app';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import type { IntegrationLogger } from '../integration.ts';
import type { GitHubSettings } from './settings.ts';

/** How many times a call that hit a rate limit is retried before the job's own retry takes over. */
const RATE_LIMIT_RETRIES = 2;

/**
 * The GitHub App through the official SDK: `@octokit/app` signs the App's JWT and fetches and caches
 * installation tokens until they expire; the paginate plugin follows `Link` headers; the throttling plugin queues writes and waits out primary
 * and secondary rate limits (`Retry-After`); the retry plugin retries server errors. Everything goes
 * to `settings.apiUrl` (GitHub, an Enterprise Server, or a test's fake).
 */
export function createGitHubApp(
  settings: GitHubSettings,
  logger: IntegrationLogger,
  options: {
    /**
     * Space writes a second apart, as GitHub asks of integrations (default). Tests against a local
     * fake turn it off; the limits' own handling (Retry-After) stays on.
     */
    spaceWrites?: boolean;
  } = {},
) {
  const onLimit =
    (kind: string) =>
    (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      logger.warn(
        { method: options.method, url: options.url, retryAfter, attempt: retryCount + 1 },
        `GitHub ${kind} rate limit`,
      );
      return retryCount < RATE_LIMIT_RETRIES;
    };
  const ClosOctokit = Octokit.plugin(throttling, retry, paginateRest).defaults({
    baseUrl: settings.apiUrl,
    userAgent: 'CLOS-GitHub-App/2',
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(options.spaceWrites === false
        ? { write: new Bottleneck.Group({ maxConcurrent: 10, minTime: 0 }), retryAfterBaseValue: 10 }
        : {}),
    },
    ...(options.spaceWrites === false ? { retry: { retryAfterBaseValue: 10 } } : {}),
  });
  return new App({
    appId: settings.appId,
    privateKey: settings.privateKey,
    webhooks: { secret: settings.webhookSecret },
    Octokit: ClosOctokit,
    log: {
      debug: () => {},
      info: (message: string) => logger.info({}, message),
      warn: (message: string) => logger.warn({}, message),
      error: (message: string) => logger.error({}, message),
    },
  });
}

export type GitHubApp = ReturnType<typeof createGitHubApp>;
