/**
 * The operating model a company declares in `clos.config.yaml`, as the domain sees it once the file
 * has been parsed and validated (the Zod schema in `@clos/contract` produces this shape).
 */
import type { Role } from './auth/roles.ts';
import type { AllowPrivateNetworks } from './outbound/address-policy.ts';

/** A JSON Schema document (draft 2020-12 or draft-07) describing required gate evidence. */
export type JsonSchema = Record<string, unknown>;

export interface GatePolicy {
  /** What must be supplied (as one JSON document) to enter the stage. */
  evidence: JsonSchema;
  approvals: { count: number; roles: Role[] };
  /** Criteria the gate opts into beyond evidence and approvals (`linear_issues_done`). */
  criteria?: { kind: 'linear_issues_done' }[];
}

export interface StagePolicy {
  name: string;
  description?: string;
  /**
   * How many days a project is expected to spend in this stage. When set, a gate-stuck alert judges
   * an unmet gate against it (warning past it, critical past twice it) instead of `gateStuckHours`.
   */
  expectedDays?: number;
  /** Absent on the first stage only. */
  gate?: GatePolicy;
}

export interface WipTypePolicy {
  name: string;
  defaultLimit: number;
}

export interface IdeaCriterion {
  key: string;
  label: string;
  weight: number;
}

export interface IdeasPolicy {
  criteria: IdeaCriterion[];
  minEvaluations: number;
  /** On the 0–5 scale of the criteria. */
  promotionThreshold: number;
}

export interface PodMemberPolicy {
  email: string;
  name?: string;
  role: Role;
  podRole: 'lead' | 'member';
}

export interface PodPolicy {
  slug: string;
  name: string;
  timezone: string;
  members: PodMemberPolicy[];
  /** Per-pod overrides of `wip.types[].defaultLimit`, by item type. */
  wipLimits: Record<string, number>;
  /** The pod's Slack channel (an id or a name); null: the default channel, if any. */
  slack: { channel: string | null };
}

/** The Slack app's behaviour; its secrets come from the environment (docs/slack-app.md). */
export interface SlackPolicy {
  /** Company-wide notifications, and pods without a channel; null: not posted. */
  defaultChannel: string | null;
  /** The notification kinds posted (`NOTIFIABLE_EVENT_TYPES` by default). */
  notifications: string[];
  /** A channel per notification kind, for every pod, in place of the pod's and the default. */
  channels: Record<string, string>;
}

export interface HealthPolicy {
  weights: {
    velocity: number;
    wipUtilisation: number;
    blockedItems: number;
    cycleTime: number;
    deploymentSuccess: number;
    /** How long the blocked items have been blocked (metric `blockedDays`). */
    blockedTime: number;
    gateRefusals: number;
    demoParticipation: number;
  };
  /** Cycle time (days) at or under which the cycle-time component scores full marks. */
  cycleTimeTargetDays: number;
  /** Number of blocked items at which the blocked-items component reaches zero. */
  blockedItemsTolerance: number;
  /** Mean days blocked at which the blocked-time component reaches zero. */
  blockedDaysTolerance: number;
  /** The days of history the computed health reads (cycle time, commitments, gates, demos). */
  windowDays: number;
  /** Whether the scheduled job computes each pod's health every day. */
  compute: boolean;
  /** HH:MM in each pod's own time zone at which the job computes it. */
  computeAt: string;
}

export type WeekdayName = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** How the job runner behaves (docs/workflows.md). */
export interface WorkflowsPolicy {
  /** How often each worker looks for scheduled runs that are due. */
  tickSeconds: number;
  /** A scheduled time passed by up to this much (a restart, a slow tick) still fires; older ones are skipped. */
  catchUpMinutes: number;
  /** A job still running after this is presumed dead (its worker killed) and retried. */
  jobTimeoutSeconds: number;
  maintenanceIntervalSeconds: number;
  retryLimit: number;
  retryDelaySeconds: number;
  /** How often an idle worker polls for jobs; new work from this process wakes it at once. */
  pollingIntervalSeconds: number;
}

export interface DailyRhythmPolicy {
  enabled: boolean;
  days: WeekdayName[];
  /** HH:MM in each pod's time zone. */
  unblock: string;
  commit: string;
  recap: string;
  /** A WIP lock held longer than this is listed as a blocker. */
  staleLockHours: number;
}

export interface WeeklyDemoPolicy {
  enabled: boolean;
  /** Submissions open on this day and time… */
  opens: { day: WeekdayName; time: string };
  /** …close here (the agenda is built and presented)… */
  cutoff: { day: WeekdayName; time: string };
  /** …and feedback closes here. */
  closes: { day: WeekdayName; time: string };
}

export interface RotationPolicy {
  enabled: boolean;
  /** Day of the month (1–28) and time, in `timezone`. */
  dayOfMonth: number;
  time: string;
  timezone: string;
  /** Pairs (or rings) of pod slugs that exchange members. */
  exchanges: string[][];
  /** A move never leaves a pod smaller than this. */
  minPodSize: number;
  /** Emails of members who never rotate. */
  exempt: string[];
  /** Members each pod sends per rotation. */
  movesPerPod: number;
}

export interface AlertsPolicy {
  /** WIP limit exceeded: an acquire refused, or usage above a lowered limit. */
  wipExceeded: boolean;
  /** A project that cannot advance (gate unmet or blocked) for longer than this. */
  gateStuckHours: number;
  /** Pod health below this (0–100). */
  podHealthBelow: number;
  /** Deployment failure rate above this (0–1)… */
  deploymentFailureRate: number;
  /** …over this rolling window… */
  deploymentWindowDays: number;
  /** …once at least this many deployments finished in it. */
  deploymentMinCount: number;
}

export interface NotificationsPolicy {
  /** Write every notification to the server log. */
  log: boolean;
  /** POST notifications as signed JSON to these URLs. */
  webhooks: { url: string; secretEnv?: string | undefined; events: string[] }[];
}

/** Signed checkpoints of the audit log (docs/audit.md#signed-checkpoints). */
export interface AuditPolicy {
  checkpoints: {
    /** Off: no signing key is read or created, and the checkpoint endpoints answer 503. */
    enabled: boolean;
    /** How often the job runner signs the head, if it moved (intervals count from the Unix epoch). */
    intervalMinutes: number;
    /** Where checkpoint files are written; null: `audit-checkpoints` in the data directory. */
    directory: string | null;
    /** Each checkpoint is also POSTed here as JSON, if set. */
    webhookUrl: string | null;
  };
}

/** One repository the GitHub App enforces (docs/configuration.md#github). */
export interface GithubRepositoryPolicy {
  /** `owner/name` as written in the file; GitHub treats it case-insensitively, so compare it that way. */
  repository: string;
  /** The pod whose pull-request WIP limit this repository's pull requests take slots of. */
  pod: string;
  /** The key of the project whose gate this repository's pull requests answer to (`clos/gate`). */
  project?: string;
  /** Code merges only once `project` has reached this stage; set only together with `project`. */
  requireStage?: string;
}

/** The GitHub App's behaviour; its secrets come from the environment (docs/github-app.md). */
export interface GithubPolicy {
  /** Repository names are unique (ignoring case); none mapped: the App enforces nothing. */
  repositories: GithubRepositoryPolicy[];
  pullRequests: {
    /** Whether a draft pull request takes a slot; when false it takes one once ready for review. */
    countDrafts: boolean;
    /** The WIP item type pull requests are counted as (declared in `wip.types`). */
    itemType: string;
  };
  /** How often open pull requests are re-read to repair locks, queue and checks; 0: only at start. */
  reconcileMinutes: number;
  deployments: {
    /** Names of workflows whose completed runs are recorded as deployments. */
    workflowRuns: string[];
  };
  /**
   * The folder, relative to the repository root and without a trailing `/`, holding evidence files
   * `<stage>.json` or `<stage>.yaml`.
   */
  evidencePath: string;
}

/** One issue a stage's template creates in Linear; text may hold placeholders (docs/linear.md#templates). */
export interface LinearIssueTemplate {
  title: string;
  description?: string;
  /** Label names, besides the stage's own name, which every template issue carries. */
  labels: string[];
  estimate?: number;
}

/** The Linear integration's behaviour; its secrets come from the environment (docs/linear.md). */
export interface LinearPolicy {
  /** Pod slug → Linear team key (`ratio: RAT`): only projects of mapped pods get Linear projects. */
  teams: Record<string, string>;
  /** Per stage name, the issues created when a project enters it. */
  stages: Record<string, { issues: LinearIssueTemplate[] }>;
  /** How often linked projects' issues are re-read (missed webhooks); 0: only at start. */
  reconcileMinutes: number;
}

export interface Policy {
  stages: StagePolicy[];
  wip: { types: WipTypePolicy[] };
  ideas: IdeasPolicy;
  pods: PodPolicy[];
  health: HealthPolicy;
  workflows: WorkflowsPolicy;
  rhythms: { daily: DailyRhythmPolicy; weeklyDemo: WeeklyDemoPolicy };
  rotation: RotationPolicy;
  alerts: AlertsPolicy;
  events: { retentionDays: number };
  webhooks: {
    retryHours: number;
    retryDelaySeconds: number;
    timeoutSeconds: number;
    /**
     * Opens internal ranges to outbound calls whose URL a user or payload chose (webhooks, notification
     * webhooks): `true` for all but cloud metadata endpoints, or a list of CIDR ranges (docs/webhooks.md).
     */
    allowPrivateNetworks: AllowPrivateNetworks;
  };
  notifications: NotificationsPolicy;
  audit: AuditPolicy;
  github: GithubPolicy;
  slack: SlackPolicy;
  linear: LinearPolicy;
  auth: AuthPolicy;
  server: ServerPolicy;
  /** Scheduled backups; absent where the policy is built without them (tests). */
  backups?: BackupsPolicy | undefined;
}

/** Scheduled backups by the job runner (docs/backup.md). */
export interface BackupsPolicy {
  /** When to back up (local time in `timezone`, on `days` or every day); null: no scheduled backups. */
  schedule: { at: string; timezone: string; days?: WeekdayName[] | undefined } | null;
  /** A directory (relative to the server's working directory) or `s3://bucket/prefix`. */
  to: string | null;
  /** After a successful backup, all but the newest `count` backups at `to` are deleted. */
  retain: { count: number };
  /** An S3-compatible endpoint and region (the operator's: trusted); AWS and the SDK's default when null. */
  s3: { endpoint: string | null; region: string | null };
}

/** Sign-in (SSO), sessions and MFA (docs/auth.md). */
export interface AuthPolicy {
  oidc: {
    /** Shown on the sign-in button ("Sign in with Okta"). */
    name: string;
    /** The ID token claim whose values (a string or a list) map to roles and pods. */
    claim: string;
    scopes: string[];
    /** Claim value → role; a user mapped to several takes the highest. */
    roles: Record<string, Role>;
    /** Claim value → pod slugs the user acts in. */
    pods: Record<string, string[]>;
  };
  session: { absoluteHours: number; idleMinutes: number };
  /** Roles that need a second factor; without one such a session acts with the next role down. */
  requireMfa: Role[];
  mfa: {
    /** `amr` values (RFC 8176) that show a second factor. */
    amr: string[];
    /** When set, `acr` decides instead: the values at or above the required assurance level. */
    acr: string[];
  };
}

/** How the HTTP server sits in the network. */
export interface ServerPolicy {
  /** Peers (CIDR ranges) whose `X-Forwarded-For` is believed; empty: nobody's. */
  trustProxy: string[];
}
