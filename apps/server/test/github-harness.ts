import type { Policy } from '@clos/core';
import { configureGitHub, configureIntegrations, type Integration } from '@clos/integrations';
import {
  defaultPolicy,
  type Engine,
  type FakeGitHub,
  type FakeInstallation,
  generateAppKey,
  signedDelivery,
  startFakeGitHub,
} from '@clos/testing';
import type { LightMyRequestResponse } from 'fastify';
import { type Harness, startHarness } from './harness.ts';

export const GITHUB_APP_ID = 4242;
export const GITHUB_INSTALLATION = 77;
export const GITHUB_SECRET = 'github-webhook-secret-0123456789';
export const GITHUB_WEBHOOK = '/api/v1/integrations/github/webhook';
const silent = { info() {}, warn() {}, error() {} };
const keys = generateAppKey();

export interface GitHubHarness {
  h: Harness;
  gh: FakeGitHub;
  policy: Policy;
  /** Signs `payload` as GitHub does and posts it to the running server's webhook route. */
  deliver(
    event: string,
    payload: unknown,
    options?: { deliveryId?: string; secret?: string },
  ): Promise<LightMyRequestResponse>;
  /**
   * Empties the database and the fake's call log, then creates pod `ratio` and, with `project`, the
   * project "Payments" with that key in it.
   */
  reset(options?: { project?: string }): Promise<void>;
  close(): Promise<void>;
}

/**
 * A server with the real GitHub integration (the SDK, the webhook route, the job module) talking to a
 * fake GitHub on 127.0.0.1, installed on `repositories`; the job runner runs when a test drains it.
 */
export async function startGitHubHarness(
  engine: Engine,
  policyOverrides: Record<string, unknown>,
  repositories: readonly string[],
  options: {
    /** More installations than the one (`GITHUB_INSTALLATION`, account acme) on `repositories`. */
    moreInstallations?: readonly FakeInstallation[];
    appSlug?: string;
    appOwner?: string;
    /** How long the status report waits for GitHub per call. */
    statusDeadlineMs?: number;
  } = {},
): Promise<GitHubHarness> {
  const installation: FakeInstallation = {
    id: GITHUB_INSTALLATION,
    account: { login: 'acme' },
    repositories: [...repositories],
  };
  const gh = await startFakeGitHub({
    appId: GITHUB_APP_ID,
    publicKey: keys.publicKey,
    installations: [installation, ...(options.moreInstallations ?? [])],
    ...(options.appSlug ? { appSlug: options.appSlug } : {}),
    ...(options.appOwner ? { appOwner: options.appOwner } : {}),
  });
  const settings = {
    appId: String(GITHUB_APP_ID),
    privateKey: keys.privateKey,
    webhookSecret: GITHUB_SECRET,
    apiUrl: gh.url,
  };
  const policy = defaultPolicy(policyOverrides);
  // The real integration, with writes not spaced a second apart (GitHub asks it; a local fake does not).
  const github: Integration = {
    name: 'github',
    configSections: ['github'],
    configure: ({ logger }) =>
      configureGitHub(settings, policy, logger, {
        spaceWrites: false,
        statusDeadlineMs: options.statusDeadlineMs,
      }),
  };
  const on = await configureIntegrations([github], { policy, env: {}, logger: silent });
  const h = await startHarness(engine, {}, policy, {
    runtime: true,
    extraModules: on.modules,
    inbound: on.routes,
    integrationStatus: on.status,
  });
  return {
    h,
    gh,
    policy,
    async deliver(event, payload, options = {}) {
      const d = await signedDelivery(options.secret ?? GITHUB_SECRET, event, payload, options.deliveryId);
      return h.app.inject({ method: 'POST', url: GITHUB_WEBHOOK, payload: d.body, headers: d.headers });
    },
    async reset(options = {}) {
      await h.reset();
      gh.clearCalls();
      const pod = await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
      if (pod.statusCode !== 201) throw new Error(`pod: ${pod.body}`);
      if (!options.project) return;
      const body = { name: 'Payments', pod: 'ratio', key: options.project };
      const project = await h.call('POST', '/api/v1/projects', body);
      if (project.statusCode !== 201) throw new Error(`project: ${project.body}`);
    },
    async close() {
      await h.close();
      await gh.close();
    },
  };
}
