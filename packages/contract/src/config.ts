/**
 * The schema of `clos.config.yaml`: the operating model a company declares (stages and their gates,
 * WIP limits, idea scoring, pods, pod health). Parsing yields the domain's `Policy` from `@clos/core`.
 *
 * Every key has a default, so an empty file gives a complete, working model; the defaults are written
 * out in full in `clos.config.example.yaml` at the repository root.
 */
import {
  allowListEntryProblem,
  allowPrivateNetworksAdvice,
  createAddressPolicy,
  forbiddenRangeLabel,
  isDomainEventType,
  literalHostRefusal,
  NOTIFIABLE_EVENT_TYPES,
  type Policy,
  ROLES,
  type Role,
} from '@clos/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { z } from 'zod';
import { email } from './routes/common.ts';

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
const NAME_MESSAGE = 'must be lowercase letters, digits and hyphens, starting with a letter';
const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const nonNegativeInt = () => z.number().int('must be an integer').min(0, 'must be ≥ 0');
const roleSchema = z.enum(ROLES);

function isTimeZone(timeZone: string): boolean {
  try {
    Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

// Defaults are factories: Zod only shallow-copies a default value, and a parsed config that shared
// nested objects with the next parse would let one caller's mutation leak into another's model.
const defaultStages = () => [
  {
    name: 'inception',
    description:
      'An idea has been accepted as a project: it has a name and a pod, nothing more is asked yet.',
  },
  {
    name: 'discovery',
    description: 'Understand the problem before committing people to a solution.',
    gate: {
      evidence: {
        type: 'object',
        required: ['problemStatement', 'owner'],
        properties: {
          problemStatement: {
            type: 'string',
            minLength: 10,
            description: 'The problem, who has it and why it matters now.',
          },
          owner: { type: 'string', format: 'email', description: 'The person accountable for the outcome.' },
        },
        additionalProperties: true,
      },
      approvals: { count: 1, roles: ['pod-lead', 'admin'] as Role[] },
    },
  },
  {
    name: 'build',
    description: 'Build the agreed design.',
    gate: {
      evidence: {
        type: 'object',
        required: ['designDocUrl', 'successMetrics'],
        properties: {
          designDocUrl: {
            type: 'string',
            format: 'uri',
            description: 'Link to the reviewed design document.',
          },
          successMetrics: {
            type: 'array',
            items: { type: 'string' },
            minItems: 1,
            description: 'How we will know the project worked.',
          },
        },
        additionalProperties: true,
      },
      approvals: { count: 1, roles: ['pod-lead', 'admin'] as Role[] },
    },
  },
  {
    name: 'validate',
    description: 'Prove that what was built works, before customers depend on it.',
    gate: {
      evidence: {
        type: 'object',
        required: ['testPlanUrl', 'ciPassing'],
        properties: {
          testPlanUrl: { type: 'string', format: 'uri', description: 'Link to the test plan.' },
          ciPassing: { const: true, description: 'Continuous integration is green on the main branch.' },
        },
        additionalProperties: true,
      },
      approvals: { count: 1, roles: ['pod-lead', 'admin'] as Role[] },
    },
  },
  {
    name: 'shipping',
    description: 'Release to customers.',
    gate: {
      evidence: {
        type: 'object',
        required: ['releaseNotesUrl', 'rollbackPlan', 'validationReportUrl'],
        properties: {
          releaseNotesUrl: { type: 'string', format: 'uri', description: 'Link to the release notes.' },
          rollbackPlan: {
            type: 'string',
            minLength: 10,
            description: 'How to undo the release, and who decides to.',
          },
          validationReportUrl: {
            type: 'string',
            format: 'uri',
            description: 'Link to the results of the validate stage.',
          },
        },
        additionalProperties: true,
      },
      approvals: { count: 2, roles: ['pod-lead', 'admin'] as Role[] },
    },
  },
];

const defaultWipTypes = () => [
  { name: 'project', defaultLimit: 3 },
  { name: 'pull-request', defaultLimit: 5 },
  { name: 'idea', defaultLimit: 10 },
];

const defaultCriteria = () => [
  { key: 'impact', label: 'Impact', weight: 3 },
  { key: 'confidence', label: 'Confidence', weight: 2 },
  { key: 'ease', label: 'Ease (the inverse of effort)', weight: 1 },
  { key: 'strategic-fit', label: 'Strategic fit', weight: 2 },
];

const approvalsSchema = z.strictObject({
  count: nonNegativeInt(),
  roles: z.array(roleSchema).default(() => []),
});

const gateSchema = z.strictObject({
  /** A JSON Schema (draft 2020-12), compiled with Ajv by the cross-field checks below. */
  evidence: z.record(z.string(), z.unknown()),
  approvals: approvalsSchema,
  /** Criteria the gate opts into beyond evidence and approvals (docs/linear.md#the-gate-criterion). */
  criteria: z.array(z.strictObject({ kind: z.enum(['linear_issues_done']) })).optional(),
});

const stageSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, NAME_MESSAGE),
  description: z.string().optional(),
  expectedDays: z.number().gt(0, 'must be > 0').optional(),
  gate: gateSchema.optional(),
});

const wipTypeSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, NAME_MESSAGE),
  defaultLimit: nonNegativeInt(),
});

const criterionSchema = z.strictObject({
  key: z.string().regex(NAME_PATTERN, NAME_MESSAGE),
  label: z.string().min(1, 'must not be empty'),
  weight: z.number().gt(0, 'must be > 0'),
});

const memberSchema = z.strictObject({
  // Lower-cased so that the same person written twice with different case is one member, and so that
  // identities from OIDC and GitHub (which vary in case) match.
  email: z.string().trim().toLowerCase().pipe(email),
  name: z.string().min(1, 'must not be empty').optional(),
  role: roleSchema.default('developer'),
  podRole: z.enum(['lead', 'member']).default('member'),
});

const podSlugSchema = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(40, 'must be at most 40 characters')
  .regex(SLUG_PATTERN, 'must be lowercase kebab-case (letters, digits and single hyphens)');

/**
 * A Slack channel as `chat.postMessage` takes it: its id (`C0123ABCD`, what Slack recommends, since
 * names change) or its name, with or without `#`.
 */
const slackChannelSchema = z
  .string()
  .regex(
    /^(?:[CGD][A-Z0-9]{8,}|#?[a-z0-9][a-z0-9._-]{0,79})$/,
    'must be a Slack channel id (C0123ABCD) or name (#payments: lowercase letters, digits, ".", "_" or "-")',
  );

const podSchema = z.strictObject({
  slug: podSlugSchema,
  name: z.string().min(1, 'must not be empty'),
  timezone: z.string().superRefine((timeZone, ctx) => {
    if (!isTimeZone(timeZone)) ctx.addIssue({ code: 'custom', message: `unknown time zone "${timeZone}"` });
  }),
  members: z.array(memberSchema).default(() => []),
  wipLimits: z.record(z.string(), nonNegativeInt()).default(() => ({})),
  slack: z
    .strictObject({
      /** Where the pod's notifications, digests and approval requests are posted. */
      channel: slackChannelSchema.nullable().default(null),
    })
    .prefault({}),
});

const healthWeightSchema = (value: number) => z.number().min(0, 'must be ≥ 0').default(value);

const healthSchema = z.strictObject({
  weights: z
    .strictObject({
      velocity: healthWeightSchema(0.25),
      wipUtilisation: healthWeightSchema(0.2),
      blockedItems: healthWeightSchema(0.2),
      cycleTime: healthWeightSchema(0.15),
      deploymentSuccess: healthWeightSchema(0.2),
      blockedTime: healthWeightSchema(0.1),
      gateRefusals: healthWeightSchema(0.1),
      demoParticipation: healthWeightSchema(0.1),
    })
    .prefault({}),
  cycleTimeTargetDays: z.number().gt(0, 'must be > 0').default(5),
  blockedItemsTolerance: z.number().int('must be an integer').min(1, 'must be ≥ 1').default(5),
  blockedDaysTolerance: z.number().gt(0, 'must be > 0').default(5),
  windowDays: z
    .number()
    .int('must be an integer')
    .min(1, 'must be ≥ 1')
    .max(365, 'must be ≤ 365')
    .default(14),
  compute: z.boolean().default(true),
  // TIME_PATTERN is declared below this schema (and a const is not hoisted).
  computeAt: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM (24-hour)')
    .default('06:00'),
});

const TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
const timeOfDay = (value: string) =>
  z.string().regex(TIME_PATTERN, 'must be a time HH:MM (24-hour)').default(value);
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const weekTime = (day: 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', time: string) =>
  z.strictObject({ day: weekday, time: timeOfDay(time) }).default({ day, time });
const positive = (value: number) => z.number().gt(0, 'must be > 0').default(value);
const positiveInt = (value: number) =>
  z.number().int('must be an integer').min(1, 'must be ≥ 1').default(value);
const timeZoneSchema = z.string().superRefine((timeZone, ctx) => {
  if (!isTimeZone(timeZone)) ctx.addIssue({ code: 'custom', message: `unknown time zone "${timeZone}"` });
});

const workflowsSchema = z.strictObject({
  tickSeconds: positive(30),
  catchUpMinutes: positive(60),
  jobTimeoutSeconds: positiveInt(900),
  maintenanceIntervalSeconds: positiveInt(60),
  retryLimit: z.number().int('must be an integer').min(0, 'must be ≥ 0').default(5),
  retryDelaySeconds: positiveInt(10),
  pollingIntervalSeconds: z.number().min(0.5, 'must be ≥ 0.5').default(2),
});

const rhythmsSchema = z.strictObject({
  daily: z
    .strictObject({
      enabled: z.boolean().default(true),
      days: z.array(weekday).default((): z.infer<typeof weekday>[] => ['mon', 'tue', 'wed', 'thu', 'fri']),
      unblock: timeOfDay('09:00'),
      commit: timeOfDay('09:30'),
      recap: timeOfDay('17:00'),
      staleLockHours: positive(48),
    })
    .prefault({}),
  weeklyDemo: z
    .strictObject({
      enabled: z.boolean().default(true),
      opens: weekTime('mon', '09:00'),
      cutoff: weekTime('fri', '14:00'),
      closes: weekTime('fri', '18:00'),
    })
    .prefault({}),
});

const rotationSchema = z.strictObject({
  enabled: z.boolean().default(false),
  dayOfMonth: z.number().int('must be an integer').min(1, 'must be 1–28').max(28, 'must be 1–28').default(1),
  time: timeOfDay('10:00'),
  timezone: timeZoneSchema.default('UTC'),
  exchanges: z.array(z.array(z.string()).min(2, 'an exchange needs at least 2 pods')).default(() => []),
  minPodSize: positiveInt(3),
  exempt: z.array(z.string().trim().toLowerCase().pipe(email)).default(() => []),
  movesPerPod: positiveInt(1),
});

const alertsSchema = z.strictObject({
  wipExceeded: z.boolean().default(true),
  gateStuckHours: positive(24),
  podHealthBelow: z.number().min(0, 'must be 0–100').max(100, 'must be 0–100').default(70),
  deploymentFailureRate: z
    .number()
    .min(0, 'must be a rate from 0 to 1')
    .max(1, 'must be a rate from 0 to 1')
    .default(0.1),
  deploymentWindowDays: positive(7),
  deploymentMinCount: positiveInt(3),
});

const notificationsSchema = z.strictObject({
  log: z.boolean().default(true),
  webhooks: z
    .array(
      z.strictObject({
        url: z.url('must be a URL'),
        /** Name of the environment variable holding the signing secret (never the secret itself). */
        secretEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')
          .optional(),
        events: z.array(z.string()).default(() => ['*']),
      }),
    )
    .default(() => []),
});

/**
 * `true`, `false`, or CIDR ranges (each checked here, so a typo fails start-up naming its index rather
 * than silently opening or closing a range).
 */
const allowPrivateNetworksSchema = z.union([
  z.boolean(),
  z.array(
    z.string().superRefine((entry, ctx) => {
      const problem = allowListEntryProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ),
]);

const auditSchema = z.strictObject({
  checkpoints: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMinutes: positiveInt(60),
      /** Relative paths are resolved against the server's working directory, like `--data-dir`. */
      directory: z.string().min(1, 'must not be empty').nullable().default(null),
      // The operator's own receiver: trusted, so any http(s) address is accepted.
      webhookUrl: z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
        .nullable()
        .default(null),
    })
    .prefault({}),
});

/** Scheduled backups (docs/backup.md); the destination and S3 endpoint are the operator's, so trusted. */
const backupsSchema = z
  .strictObject({
    schedule: z
      .strictObject({
        at: z.string().regex(TIME_PATTERN, 'must be a time HH:MM (24-hour)'),
        timezone: timeZoneSchema.default('UTC'),
        days: z.array(weekday).min(1, 'name at least one day, or leave days out for every day').optional(),
      })
      .nullable()
      .default(null),
    to: z.string().trim().min(1, 'must not be empty').nullable().default(null),
    retain: z.strictObject({ count: positiveInt(14) }).prefault({}),
    s3: z
      .strictObject({
        endpoint: z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
          .nullable()
          .default(null),
        region: z.string().min(1, 'must not be empty').nullable().default(null),
      })
      .prefault({}),
  })
  .superRefine((value, ctx) => {
    if (value.schedule && !value.to)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'is required with a schedule: a directory or s3://bucket/prefix',
      });
  });

// GitHub's own rules: an account is letters, digits and single hyphens, not at either end, at most 39
// characters (`_` only in Enterprise Managed Users' names); a repository name is letters, digits, `.`,
// `-` and `_`, at most 100 characters.
const GITHUB_REPOSITORY_PATTERN =
  /^[A-Za-z0-9](?:[A-Za-z0-9_]|-(?=[A-Za-z0-9_])){0,38}\/[A-Za-z0-9._-]{1,100}$/;
const GITHUB_REPOSITORY_MESSAGE =
  'must be "owner/name" as GitHub writes it (e.g. acme/payments-api): the owner 1–39 letters, digits or single hyphens, the name 1–100 letters, digits, ".", "-" or "_"';

const githubRepositoryName = z.string().superRefine((value, ctx) => {
  const name = value.slice(value.indexOf('/') + 1);
  if (!GITHUB_REPOSITORY_PATTERN.test(value))
    ctx.addIssue({ code: 'custom', message: GITHUB_REPOSITORY_MESSAGE });
  else if (name === '.' || name === '..')
    ctx.addIssue({ code: 'custom', message: `"${name}" is not a repository name GitHub allows` });
  // A pasted clone URL's suffix: GitHub's API knows the repository without it, and webhooks never carry it.
  else if (name.toLowerCase().endsWith('.git'))
    ctx.addIssue({
      code: 'custom',
      message: `must name the repository without ".git" (${value.slice(0, -4)})`,
    });
});

const PROJECT_KEY_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const projectKeySchema = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(40, 'must be at most 40 characters')
  .regex(
    PROJECT_KEY_PATTERN,
    'must be a project key: lowercase letters, digits and single hyphens, starting with a letter',
  );

/**
 * Evidence files are read from pull requests by their path in the repository, so this is compared
 * with the paths GitHub lists: written relative to the repository root with `/`, no `..` (which
 * would leave the repository) and no empty or `.` segments (which GitHub's paths never contain).
 * A leading `./` and trailing `/` are dropped so that the stored value is the bare folder.
 */
const evidencePathSchema = z
  .string()
  .transform((value) => value.replace(/^(\.\/)+/, '').replace(/\/+$/, ''))
  .superRefine((value, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (value === '') return fail('must not be empty (the repository root is not allowed)');
    if (value.startsWith('/') || /^[A-Za-z]:/.test(value))
      return fail('must be relative to the repository root');
    if (value.includes('\\')) return fail('must use "/" between folders');
    const segments = value.split('/');
    if (segments.includes('..')) return fail('must not contain ".." (it would leave the repository)');
    if (segments.some((segment) => segment === '' || segment === '.'))
      return fail('must not contain empty or "." segments');
  });

const slackSchema = z.strictObject({
  /** For company-wide notifications and pods without a channel of their own; null: those are not posted. */
  defaultChannel: slackChannelSchema.nullable().default(null),
  /** The notification kinds posted to Slack (docs/notifications.md); all of them by default. */
  notifications: z
    .array(
      z.string().refine((kind) => (NOTIFIABLE_EVENT_TYPES as readonly string[]).includes(kind), {
        message: `must be one of ${NOTIFIABLE_EVENT_TYPES.join(', ')}`,
      }),
    )
    .default(() => [...NOTIFIABLE_EVENT_TYPES]),
  /**
   * A channel per notification kind, for every pod (alerts to #ops, say): it takes the place of the
   * pod's channel and the default for that kind.
   */
  channels: z.record(z.string(), slackChannelSchema).default(() => ({})),
});

/** An IP address or CIDR range, checked here so a typo fails start-up naming its index. */
const cidrSchema = z.string().superRefine((entry, ctx) => {
  const problem = allowListEntryProblem(entry);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Second-factor `amr` values of RFC 8176 (a one-time code, a hardware or software key, biometrics…). */
const defaultMfaAmr = () => [
  'mfa',
  'mca',
  'otp',
  'hwk',
  'swk',
  'sms',
  'tel',
  'fpt',
  'face',
  'iris',
  'retina',
  'vbm',
  'sc',
];

const authSchema = z.strictObject({
  oidc: z
    .strictObject({
      /** Shown on the sign-in button: "Sign in with <name>". */
      name: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(40, 'must be at most 40 characters')
        .default('SSO'),
      /** The claim carrying group or role values (`groups`, or a namespaced one such as Auth0's). */
      claim: z.string().min(1, 'must not be empty').default('groups'),
      scopes: z
        .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope name (no spaces or quotes)'))
        .refine((s) => s.includes('openid'), { message: 'must include "openid"' })
        .default(() => ['openid', 'email', 'profile']),
      roles: z.record(z.string(), roleSchema).default(() => ({})),
      pods: z
        .record(
          z.string(),
          z.union([podSlugSchema, z.array(podSlugSchema)]).transform((v) => (Array.isArray(v) ? v : [v])),
        )
        .default(() => ({})),
    })
    .prefault({}),
  session: z
    .strictObject({
      absoluteHours: z
        .number()
        .positive('must be > 0')
        .max(24 * 30, 'must be at most 720 (30 days)')
        .default(8),
      idleMinutes: z.number().positive('must be > 0').default(60),
    })
    .prefault({}),
  requireMfa: z.array(roleSchema).default(() => ['admin' as const]),
  mfa: z
    .strictObject({
      amr: z.array(z.string().min(1)).default(defaultMfaAmr),
      acr: z.array(z.string().min(1)).default(() => []),
    })
    .prefault({}),
});

const serverSchema = z.strictObject({
  /** Peers whose X-Forwarded-For is believed (load balancers); nobody's by default. */
  trustProxy: z.array(cidrSchema).default(() => []),
});

const githubSchema = z.strictObject({
  repositories: z
    .array(
      z.strictObject({
        repository: githubRepositoryName,
        pod: podSlugSchema,
        project: projectKeySchema.optional(),
        requireStage: z.string().optional(),
      }),
    )
    .default(() => []),
  pullRequests: z
    .strictObject({
      countDrafts: z.boolean().default(false),
      itemType: z.string().default('pull-request'),
    })
    .prefault({}),
  reconcileMinutes: z
    .number()
    .int('must be an integer')
    .min(0, 'must be 0–1440 (0: only at start)')
    .max(1440, 'must be 0–1440 (0: only at start)')
    .default(5),
  deployments: z
    .strictObject({
      workflowRuns: z
        .array(z.string().refine((name) => name.trim() !== '', 'must not be empty'))
        .default(() => []),
    })
    .prefault({}),
  evidencePath: evidencePathSchema.default('.clos/evidence'),
});

/** One issue a stage creates in Linear (docs/linear.md#templates). */
const linearIssueTemplateSchema = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  description: z.string().max(10_000, 'must be at most 10000 characters').optional(),
  labels: z
    .array(z.string().trim().min(1, 'must not be empty').max(80, 'must be at most 80 characters'))
    .default(() => []),
  estimate: nonNegativeInt().optional(),
});

const linearSchema = z.strictObject({
  /** Pod slug → Linear team key; Linear's keys are upper case, so a key is compared upper-cased. */
  teams: z
    .record(
      z.string().regex(NAME_PATTERN, NAME_MESSAGE),
      z
        .string()
        .regex(/^[A-Za-z0-9]{1,7}$/, 'must be a Linear team key (1–7 letters or digits, e.g. RAT)')
        .transform((key) => key.toUpperCase()),
    )
    .default(() => ({})),
  /** Per stage (by name, checked against `stages`), the issues created when a project enters it. */
  stages: z
    .record(z.string(), z.strictObject({ issues: z.array(linearIssueTemplateSchema).default(() => []) }))
    .default(() => ({})),
  reconcileMinutes: z
    .number()
    .int('must be an integer')
    .min(0, 'must be 0–1440 (0: only at start)')
    .max(1440, 'must be 0–1440 (0: only at start)')
    .default(15),
});

/** The Zod schema of `clos.config.yaml`. Parse with {@link parseConfig} to get every problem as a line. */
export const closConfigSchema = z
  .strictObject({
    stages: z.array(stageSchema).min(2, 'at least 2 stages are required').default(defaultStages),
    wip: z.strictObject({ types: z.array(wipTypeSchema).default(defaultWipTypes) }).prefault({}),
    ideas: z
      .strictObject({
        criteria: z
          .array(criterionSchema)
          .min(1, 'at least 1 criterion is required')
          .default(defaultCriteria),
        minEvaluations: z.number().int('must be an integer').min(1, 'must be ≥ 1').default(2),
        promotionThreshold: z
          .number()
          .min(0, 'must be between 0 and 5')
          .max(5, 'must be between 0 and 5')
          .default(3.5),
      })
      .prefault({}),
    pods: z.array(podSchema).default(() => []),
    health: healthSchema.prefault({}),
    workflows: workflowsSchema.prefault({}),
    rhythms: rhythmsSchema.prefault({}),
    rotation: rotationSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    events: z.strictObject({ retentionDays: positive(7) }).prefault({}),
    webhooks: z
      .strictObject({
        retryHours: positive(24),
        retryDelaySeconds: positiveInt(30),
        timeoutSeconds: positive(10),
        allowPrivateNetworks: allowPrivateNetworksSchema.default(false),
      })
      .prefault({}),
    notifications: notificationsSchema.prefault({}),
    audit: auditSchema.prefault({}),
    github: githubSchema.prefault({}),
    slack: slackSchema.prefault({}),
    linear: linearSchema.prefault({}),
    auth: authSchema.prefault({}),
    server: serverSchema.prefault({}),
    backups: backupsSchema.prefault({}),
  })
  // Runs even when fields above failed (`when`), so one pass reports every problem; the value may
  // therefore still hold raw, unvalidated input in places, and the checks read it defensively.
  .superRefine(checkCrossFieldRules, { when: (payload) => isRecord(payload.value) });

/** The parsed configuration: the domain's `Policy`, with every default filled in. */
export type ClosConfig = z.infer<typeof closConfigSchema>;
/** What may be written in `clos.config.yaml` (every key optional where a default exists). */
export type ClosConfigInput = z.input<typeof closConfigSchema>;

type AssertTrue<T extends true> = T;
// Compile-time proof that the parsed config is usable as the domain's Policy: if the two drift apart,
// this stops type-checking.
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, never used as a type
type ConfigIsPolicy = AssertTrue<ClosConfig extends Policy ? true : false>;

/** One problem found in a configuration: where (as a path into the file) and what. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

type Path = (string | number)[];
type AddIssue = (path: Path, message: string) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): [number, Record<string, unknown>][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, index): [number, Record<string, unknown>][] =>
    isRecord(item) ? [[index, item]] : [],
  );
}

function checkCrossFieldRules(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const add: AddIssue = (path, message) => ctx.addIssue({ code: 'custom', path, message });
  checkStages(config.stages, add);
  const declaredTypes = checkWipTypes(config.wip, add);
  checkPods(config.pods, declaredTypes, add);
  checkIdeas(config.ideas, add);
  checkHealth(config.health, add);
  checkRotation(config.rotation, add);
  checkEventRetention(config.events, config.webhooks, add);
  checkNotificationEvents(config.notifications, add);
  checkNotificationTargets(config.notifications, config.webhooks, add);
  checkGithub(config, add);
  checkSlack(config, add);
  checkLinear(config, add);
}

/**
 * `linear.stages` is keyed by stage name: a misspelt stage would create nothing, silently. Pods in
 * `linear.teams` are checked where they are used (a pod created through the API is not in the file).
 */
function checkLinear(config: Record<string, unknown>, add: AddIssue): void {
  const linear = config.linear;
  if (!isRecord(linear) || !isRecord(linear.stages)) return;
  const stages = namesOf(config.stages, 'name') ?? namesOf(defaultStages(), 'name') ?? [];
  for (const stage of Object.keys(linear.stages))
    if (!stages.includes(stage))
      add(['linear', 'stages', stage], `unknown stage "${stage}" (one of ${stages.join(', ')})`);
}

/** `slack.channels` is keyed by notification kind: a misspelt kind would route nothing, silently. */
function checkSlack(config: Record<string, unknown>, add: AddIssue): void {
  const slack = config.slack;
  if (!isRecord(slack) || !isRecord(slack.channels)) return;
  for (const kind of Object.keys(slack.channels))
    if (!(NOTIFIABLE_EVENT_TYPES as readonly string[]).includes(kind))
      add(
        ['slack', 'channels', kind],
        `unknown notification kind (one of ${NOTIFIABLE_EVENT_TYPES.join(', ')})`,
      );
}

/** Names of the entries of a list in the file (the strings only: malformed entries are reported elsewhere). */
function namesOf(items: unknown, key: string): string[] | undefined {
  if (!Array.isArray(items)) return undefined;
  return records(items).flatMap(([, item]) => (typeof item[key] === 'string' ? [item[key]] : []));
}

/**
 * The `github` section refers to pods, stages and WIP item types declared elsewhere in the file.
 * Pods are checked only when the file declares some: a pod created through the API cannot be known
 * here, and the server warns at start about one that does not exist. The item type is checked only
 * once a repository is mapped, so a file that removed `pull-request` from `wip.types` and does not
 * use GitHub is not refused for the section's default.
 */
function checkGithub(config: Record<string, unknown>, add: AddIssue): void {
  const github = config.github;
  if (!isRecord(github)) return;
  const repositories = records(github.repositories);
  // GitHub names ignore case: two spellings of one repository would give its pull requests two pods.
  const firstRepository = new Map<string, number>();
  for (const [index, entry] of repositories) {
    if (typeof entry.repository !== 'string') continue;
    const key = entry.repository.toLowerCase();
    const earlier = firstRepository.get(key);
    if (earlier === undefined) firstRepository.set(key, index);
    else
      add(
        ['github', 'repositories', index, 'repository'],
        `duplicate repository "${entry.repository}" (already mapped at github.repositories[${earlier}]; GitHub ignores case)`,
      );
  }
  const pods = namesOf(config.pods, 'slug');
  const stages = namesOf(config.stages, 'name');
  for (const [index, entry] of repositories) {
    const path = ['github', 'repositories', index];
    // A malformed slug is already reported by its own rule.
    if (
      pods &&
      pods.length > 0 &&
      typeof entry.pod === 'string' &&
      podSlugSchema.safeParse(entry.pod).success
    ) {
      if (!pods.includes(entry.pod))
        add(
          [...path, 'pod'],
          `unknown pod "${entry.pod}": this file declares pods (${pods.join(', ')}), so it must declare every pod it maps`,
        );
    }
    if (typeof entry.requireStage !== 'string') continue;
    if (stages && !stages.includes(entry.requireStage))
      add(
        [...path, 'requireStage'],
        `unknown stage "${entry.requireStage}" (stages: ${stages.join(', ') || 'none'})`,
      );
    if (entry.project === undefined)
      add(
        [...path, 'requireStage'],
        'needs project: a stage is reached by a project, so name the project (its key) whose stage this repository waits for',
      );
  }
  const pullRequests = github.pullRequests;
  const types = isRecord(config.wip) ? namesOf(config.wip.types, 'name') : undefined;
  if (
    repositories.length > 0 &&
    types &&
    isRecord(pullRequests) &&
    typeof pullRequests.itemType === 'string'
  ) {
    if (!types.includes(pullRequests.itemType))
      add(
        ['github', 'pullRequests', 'itemType'],
        `unknown item type "${pullRequests.itemType}": declare it in wip.types (declared: ${types.join(', ') || 'none'})`,
      );
  }
  if (isRecord(github.deployments) && Array.isArray(github.deployments.workflowRuns)) {
    const first = new Map<string, number>();
    github.deployments.workflowRuns.forEach((name, index) => {
      if (typeof name !== 'string') return;
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, index);
      else
        add(
          ['github', 'deployments', 'workflowRuns', index],
          `duplicate workflow name "${name}" (already used at github.deployments.workflowRuns[${earlier}])`,
        );
    });
  }
}

/**
 * A notification URL that is literally an internal address (`http://127.0.0.1/…`, `localhost`) would
 * be refused at every send: say so at start-up, where the operator can fix it. Names are resolved
 * only when sending.
 */
function checkNotificationTargets(notifications: unknown, webhooks: unknown, add: AddIssue): void {
  if (!isRecord(notifications)) return;
  const allow = isRecord(webhooks) ? webhooks.allowPrivateNetworks : undefined;
  // Invalid entries are reported on their own (and ignored by the policy, which opens nothing for them).
  const policy = createAddressPolicy(
    allow === true ? true : Array.isArray(allow) ? allow.filter((e) => typeof e === 'string') : false,
  );
  for (const [index, hook] of records(notifications.webhooks)) {
    if (typeof hook.url !== 'string') continue;
    const refusal = literalHostRefusal(hook.url, policy);
    if (refusal)
      add(
        ['notifications', 'webhooks', index, 'url'],
        `is ${forbiddenRangeLabel(refusal.range)} (${refusal.address}), where CLOS does not send; ${allowPrivateNetworksAdvice(refusal.range)}`,
      );
  }
}

/**
 * A delivery retried for `webhooks.retryHours` reads its event each time: events must be kept at least
 * that long, or late retries find nothing to send.
 */
function checkEventRetention(events: unknown, webhooks: unknown, add: AddIssue): void {
  const retentionDays =
    isRecord(events) && typeof events.retentionDays === 'number' ? events.retentionDays : 7;
  const retryHours = isRecord(webhooks) && typeof webhooks.retryHours === 'number' ? webhooks.retryHours : 24;
  if (retentionDays * 24 < retryHours)
    add(
      ['events', 'retentionDays'],
      `must cover webhooks.retryHours (${retryHours} h = ${retryHours / 24} days): webhook retries read their event from the retained log`,
    );
}

/** A notification filter naming a type that does not exist would silently never match. */
function checkNotificationEvents(notifications: unknown, add: AddIssue): void {
  if (!isRecord(notifications)) return;
  for (const [index, hook] of records(notifications.webhooks)) {
    if (!Array.isArray(hook.events)) continue;
    hook.events.forEach((type, position) => {
      if (typeof type === 'string' && type !== '*' && !isDomainEventType(type))
        add(
          ['notifications', 'webhooks', index, 'events', position],
          `unknown event type "${type}" (docs/events.md lists them; "*" means all)`,
        );
    });
  }
}

/** Reports each repeated string value of `key` at its later occurrences. */
function checkUnique(
  items: [number, Record<string, unknown>][],
  key: string,
  path: Path,
  what: string,
  add: AddIssue,
  normalise: (value: string) => string = (value) => value,
): Set<string> {
  const first = new Map<string, number>();
  for (const [index, item] of items) {
    const raw = item[key];
    if (typeof raw !== 'string') continue;
    const value = normalise(raw);
    const earlier = first.get(value);
    if (earlier === undefined) first.set(value, index);
    else
      add(
        [...path, index, key],
        `duplicate ${what} "${value}" (already used at ${formatConfigPath([...path, earlier])})`,
      );
  }
  return new Set(first.keys());
}

function checkStages(value: unknown, add: AddIssue): void {
  const stages = records(value);
  checkUnique(stages, 'name', ['stages'], 'stage name', add);
  const evidenceSchemaProblems = createEvidenceSchemaChecker();
  for (const [index, stage] of stages) {
    const gate = stage.gate;
    if (index === 0 && gate !== undefined) {
      add(['stages', 0, 'gate'], 'the first stage is where projects enter, so it cannot have a gate');
    }
    if (index > 0 && gate === undefined) {
      add(['stages', index, 'gate'], 'required: every stage after the first must have a gate');
    }
    if (!isRecord(gate)) continue;
    const approvals = gate.approvals;
    if (
      isRecord(approvals) &&
      typeof approvals.count === 'number' &&
      approvals.count > 0 &&
      Array.isArray(approvals.roles) &&
      approvals.roles.length === 0
    ) {
      add(['stages', index, 'gate', 'approvals', 'roles'], 'must list at least one role when count > 0');
    }
    if (isRecord(gate.evidence)) {
      for (const message of evidenceSchemaProblems(gate.evidence)) {
        add(['stages', index, 'gate', 'evidence'], message);
      }
    }
  }
}

/**
 * Compiles gate evidence schemas the way `GateValidators` in core will (Ajv 2020-12, one instance for
 * all gates, non-strict), so a schema that would break gate evaluation fails at start-up instead.
 */
function createEvidenceSchemaChecker(): (schema: Record<string, unknown>) => string[] {
  let warnings: string[] = [];
  // Unknown formats are only a warning for Ajv in non-strict mode, but they silently disable the
  // check (a typo such as `format: emial` would accept anything), so they are reported as problems.
  const logger = { log() {}, error() {}, warn: (...args: unknown[]) => warnings.push(args.join(' ')) };
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger });
  ajvFormats.default(ajv);
  return (schema) => {
    warnings = [];
    try {
      ajv.compile(schema);
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)];
    }
    return [...new Set(warnings.map((warning) => warning.replace(' ignored in schema', ' in schema')))];
  };
}

function checkWipTypes(value: unknown, add: AddIssue): Set<string> | undefined {
  if (!isRecord(value) || !Array.isArray(value.types)) return undefined;
  return checkUnique(records(value.types), 'name', ['wip', 'types'], 'WIP item type', add);
}

function checkPods(value: unknown, declaredTypes: Set<string> | undefined, add: AddIssue): void {
  const pods = records(value);
  checkUnique(pods, 'slug', ['pods'], 'pod slug', add);
  for (const [index, pod] of pods) {
    checkUnique(records(pod.members), 'email', ['pods', index, 'members'], 'member email', add, (email) =>
      email.trim().toLowerCase(),
    );
    if (declaredTypes === undefined || !isRecord(pod.wipLimits)) continue;
    for (const itemType of Object.keys(pod.wipLimits)) {
      if (!declaredTypes.has(itemType)) {
        const known = [...declaredTypes].join(', ') || 'none';
        add(
          ['pods', index, 'wipLimits', itemType],
          `unknown item type "${itemType}": declare it in wip.types (declared: ${known})`,
        );
      }
    }
  }
}

function checkIdeas(value: unknown, add: AddIssue): void {
  if (!isRecord(value)) return;
  checkUnique(records(value.criteria), 'key', ['ideas', 'criteria'], 'criterion key', add);
}

function checkHealth(value: unknown, add: AddIssue): void {
  if (!isRecord(value) || !isRecord(value.weights)) return;
  const weights = Object.values(value.weights);
  if (weights.every((weight) => typeof weight === 'number') && !weights.some((weight) => weight > 0)) {
    add(['health', 'weights'], 'at least one weight must be > 0');
  }
}

/**
 * Exchanges name pods by slug. Pods may also be registered through the API, so a slug need not be
 * declared in this file: only its form is checked, and a pod named twice in one ring (which would
 * send members to itself) is refused.
 */
function checkRotation(value: unknown, add: AddIssue): void {
  if (!isRecord(value) || !Array.isArray(value.exchanges)) return;
  value.exchanges.forEach((exchange, index) => {
    if (!Array.isArray(exchange)) return;
    const first = new Map<string, number>();
    exchange.forEach((slug, position) => {
      if (typeof slug !== 'string') return;
      const path = ['rotation', 'exchanges', index, position];
      if (!SLUG_PATTERN.test(slug) || slug.length < 2 || slug.length > 40) {
        add(path, 'must be a pod slug (2–40 characters of lowercase kebab-case)');
        return;
      }
      const earlier = first.get(slug);
      if (earlier === undefined) first.set(slug, position);
      else
        add(
          path,
          `pod "${slug}" appears twice in this exchange (already at ${formatConfigPath(['rotation', 'exchanges', index, earlier])})`,
        );
    });
  });
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/**
 * Renders a path into the file as people write it: `stages[2].gate.approvals.count`. Keys that could
 * not be read back unambiguously (dots, spaces) are quoted in brackets; the empty path is `(root)`.
 */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let rendered = '';
  for (const segment of path) {
    if (typeof segment === 'number') rendered += `[${segment}]`;
    else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) rendered += rendered === '' ? key : `.${key}`;
      else rendered += `[${JSON.stringify(key)}]`;
    }
  }
  return rendered === '' ? '(root)' : rendered;
}

/**
 * Lists the problems of a failed parse, one per offending location. An unknown key becomes a problem
 * at that key's own path, so it can be found in the file.
 */
export function listConfigProblems(error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [...path, key], message: 'unknown key' });
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return problems;
}

/** Formats a failed parse as `path: message` lines, e.g. `stages[2].gate.approvals.count: must be ≥ 0`. */
export function formatConfigIssues(error: z.ZodError): string[] {
  return listConfigProblems(error).map((problem) => `${formatConfigPath(problem.path)}: ${problem.message}`);
}

/** Parses with messages meant for people editing the file ("required" rather than "received undefined"). */
export function safeParseConfig(input: unknown): z.ZodSafeParseResult<ClosConfig> {
  return closConfigSchema.safeParse(input, {
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined),
  });
}

/**
 * Validates a configuration (the YAML file already turned into plain data) and fills in defaults.
 * On failure, lists every problem found, one `path: message` line each.
 */
export function parseConfig(
  input: unknown,
): { ok: true; config: ClosConfig } | { ok: false; problems: string[] } {
  const result = safeParseConfig(input);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: formatConfigIssues(result.error) };
}
