import { z } from 'zod';
import type { RouteDefinition } from './definition.ts';

const pullRequestSlot = {
  itemId: z.string().meta({ description: 'the WIP item, `github:owner/name#123`' }),
  label: z.string().nullable().meta({ description: 'the title and author, `Fix checkout (@ada)`' }),
  url: z.string().nullable().meta({ description: "the pull request's page" }),
};

/** `clos linear status` (docs/linear.md#status). */
export const linearStatusSchema = z
  .object({
    configured: z.boolean().meta({
      description: 'whether CLOS_LINEAR_API_KEY and CLOS_LINEAR_WEBHOOK_SECRET are set',
    }),
    teams: z.array(
      z.object({
        pod: z.string(),
        team: z.string().meta({ description: 'the Linear team key' }),
        podExists: z.boolean(),
        teamExists: z.boolean().nullable().meta({ description: 'null when Linear could not be asked' }),
      }),
    ),
    stages: z.array(z.object({ stage: z.string(), issues: z.number().int() })),
    linkedProjects: z.number().int(),
    trackedIssues: z.number().int().meta({ description: 'issues of linked projects not removed in Linear' }),
    lastSyncAt: z.string().nullable().meta({
      description: 'the last time CLOS read or wrote a Linear link (creation, webhook, reconciliation)',
    }),
    reconcileMinutes: z.number().int(),
    problems: z.array(z.string()).meta({ description: 'everything wrong, each a sentence' }),
  })
  .meta({ id: 'LinearStatus' });

export const githubStatusSchema = z
  .object({
    configured: z.boolean().meta({
      description: 'whether the App’s variables are set; when false, `problems` says which to set',
    }),
    app: z
      .object({
        id: z.number().int(),
        slug: z.string().nullable(),
        name: z.string(),
        owner: z.string().nullable().meta({ description: 'the account that owns the App' }),
      })
      .nullable()
      .meta({
        description: 'what GitHub says the App is; null when not configured or GitHub did not answer',
      }),
    installations: z.array(
      z.object({
        id: z.number().int(),
        account: z.string().meta({ description: 'the organisation or user it is installed on' }),
        repositorySelection: z.enum(['all', 'selected']),
        repositories: z
          .array(z.string())
          .nullable()
          .meta({ description: '`owner/name` it may reach; null when it may reach all of the account’s' }),
      }),
    ),
    repositories: z.array(
      z.object({
        repository: z.string(),
        pod: z.string(),
        project: z.string().nullable(),
        requireStage: z.string().nullable(),
        installationId: z.number().int().nullable().meta({
          description: 'the installation covering it; null when none does or GitHub did not answer',
        }),
        problem: z.string().nullable().meta({
          description: 'what is wrong with this mapping (several joined with `; `); null when nothing',
        }),
        holders: z.array(z.object(pullRequestSlot)).meta({ description: 'its pull requests holding a slot' }),
        queue: z
          .array(
            z.object({
              ...pullRequestSlot,
              position: z.number().int().meta({ description: "place in the pod's line, 1 next" }),
            }),
          )
          .meta({ description: "its pull requests waiting in the pod's line, next first" }),
      }),
    ),
    problems: z.array(z.string()).meta({
      description:
        'everything wrong, one sentence each (a repository’s own problems name it); empty when all is well',
    }),
  })
  .meta({ id: 'GithubStatus' });

export const slackUsageSchema = z
  .object({
    days: z.array(
      z.object({
        day: z.string().meta({ description: 'UTC date, YYYY-MM-DD' }),
        total: z.number().int(),
        byMetric: z
          .record(z.string(), z.number().int())
          .meta({ description: 'uses per command, `/clos wip`, `/unblock` …' }),
      }),
    ),
    total: z.number().int(),
  })
  .meta({ id: 'SlackUsage' });

export const integrationRoutes = {
  getGithubStatus: {
    method: 'GET',
    path: '/api/v1/integrations/github/status',
    responses: { 200: githubStatusSchema },
    // Read-only, but it shows how the App is set up (installations, accounts, mappings): for those
    // who run pods (pod leads and admins), as the rotation preview is.
    permission: 'pods:manage',
    summary:
      'The GitHub App: its installations, each mapped repository with its installation, problems, and the pull requests holding or waiting for its pod’s slots',
    tags: ['integrations'],
  },
  getSlackUsage: {
    method: 'GET',
    path: '/api/v1/integrations/slack/usage',
    query: z.strictObject({
      days: z.coerce
        .number<number>()
        .int('must be a whole number')
        .min(1, 'must be 1–366')
        .max(366, 'must be 1–366')
        .default(30)
        .meta({ description: 'how many days back, today included (default 30)' }),
    }),
    responses: { 200: slackUsageSchema },
    permission: 'read',
    summary:
      'Slack command use per UTC day, per command (the adoption figure of seed §9); only counts are kept, never what was typed',
    tags: ['integrations'],
  },
  getLinearStatus: {
    method: 'GET',
    path: '/api/v1/integrations/linear/status',
    responses: { 200: linearStatusSchema },
    // Shows how the workspace is mapped (teams, templates): for those who run pods, as GitHub's is.
    permission: 'pods:manage',
    summary:
      'The Linear integration: teams mapped (and whether the pod and team exist), stage templates, linked projects, tracked issues and the last sync',
    tags: ['integrations'],
  },
} as const satisfies Record<string, RouteDefinition>;
