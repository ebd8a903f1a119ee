/**
 * The HTTP contract of `/api/v1`: request and response schemas the server validates with and the
 * OpenAPI document is generated from. Response types follow the domain records with dates as ISO
 * strings (`Json<T>`), checked at compile time against `@clos/core`.
 */
import type {
  ApiToken,
  AuditEvent,
  CiState,
  CiStatus,
  GateEvaluation,
  HealthSnapshot,
  Idea,
  IdeaEvaluation,
  Pod,
  PodMember,
  Project,
  PromotionCriteriaUnmet,
  User,
  UserSession,
  WipLimitExceeded,
  WipLock,
  WipQueueItem,
} from '@clos/core';
import { allowListEntryProblem, CRITERION_KINDS, type GateCriterion, ROLES } from '@clos/core';
import { z } from 'zod';
import {
  email,
  idParam,
  listQuery,
  nonEmpty,
  page,
  projectKey,
  slugParam,
  ts,
  uuid,
} from './routes/common.ts';

export { idParam, listQuery, page, slugParam };

/** A domain record as it crosses the wire: dates become ISO-8601 strings. */
export type Json<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

// A missing field reads "is required" everywhere instead of Zod's "expected string, received undefined".
z.config({
  customError: (issue) =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
});

export const roleSchema = z.enum(ROLES);

// ---------------------------------------------------------------- errors and lists

export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'address_not_allowed',
  'csrf_token_invalid',
  'not_found',
  'conflict',
  'wip_limit_exceeded',
  'gate_criteria_unmet',
  'promotion_criteria_unmet',
  'payload_too_large',
  'unsupported_media_type',
  'uri_too_long',
  'headers_too_large',
  'request_timeout',
  'rate_limited',
  'internal_error',
  'service_unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .meta({ id: 'Error' });

// ---------------------------------------------------------------- pods and users

export const podSchema = z
  .object({ id: uuid, slug: z.string(), name: z.string(), timezone: z.string(), createdAt: ts })
  .meta({ id: 'Pod' });

export const registerPodBody = z.strictObject({
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/, 'must be 2–40 lowercase letters, digits or hyphens'),
  name: nonEmpty(200),
  timezone: z.string().min(1).max(64),
});

export const memberSchema = z
  .object({
    podId: uuid,
    userId: uuid,
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    podRole: z.enum(['lead', 'member']),
    joinedAt: ts,
    leftAt: ts.nullable(),
  })
  .meta({ id: 'PodMember' });

export const addMemberBody = z.strictObject({
  email: email,
  podRole: z.enum(['lead', 'member']).default('member'),
});
export const rotateBody = z.strictObject({ email: email, toPod: z.string().min(1).max(60) });

const metric = (description: string) => z.number().min(0).meta({ description }).optional();
export const healthBody = z.strictObject({
  metrics: z.strictObject({
    velocity: metric('completed ÷ committed work in the period'),
    wipUtilisation: metric('WIP in use ÷ WIP limit'),
    blockedItems: metric('items blocked now'),
    cycleTimeDays: metric('mean cycle time in days'),
    deploymentSuccess: metric('successful ÷ all deployments, 0–1'),
    blockedDays: metric('mean days the blocked items have been blocked'),
    gateRefusals: metric('gate refusals ÷ projects that reached a gate in the period'),
    demoParticipation: metric("share of the pod's members who took part in its weekly demos, 0–1"),
  }),
});

export const healthSnapshotSchema = z
  .object({
    id: uuid,
    podId: uuid,
    metrics: z.record(z.string(), z.number()),
    components: z.record(z.string(), z.number()),
    score: z.number().int(),
    source: z.enum(['manual', 'computed']).meta({
      description:
        '`manual`: posted to this API; `computed`: derived daily from CLOS’s own data (docs/pods.md)',
    }),
    recordedBy: uuid.nullable(),
    recordedAt: ts,
  })
  .meta({ id: 'HealthSnapshot' });

export const healthChangeSchema = z
  .object({
    input: z.string().meta({ description: 'a metric (`cycleTimeDays`) or a component (`cycleTime`)' }),
    kind: z.enum(['metric', 'component']),
    from: z.number().nullable().meta({ description: 'null: absent from the snapshot before' }),
    to: z.number().nullable().meta({ description: 'null: absent from this snapshot' }),
    points: z.number().nullable().meta({
      description: "components only: score points the component's share of the score moved",
    }),
  })
  .meta({ id: 'HealthChange' });

export const healthHistoryItemSchema = healthSnapshotSchema
  .extend({
    changes: z
      .array(healthChangeSchema)
      .meta({ description: 'what moved against the snapshot before, biggest movers of the score first' }),
  })
  .meta({ id: 'HealthHistoryItem' });

export const podStatusSchema = z
  .object({
    pod: podSchema,
    members: z.array(memberSchema),
    wip: z.array(z.object({ itemType: z.string(), used: z.number().int(), limit: z.number().int() })),
    projectsPerStage: z.record(z.string(), z.number().int()),
    health: healthSnapshotSchema.nullable(),
  })
  .meta({ id: 'PodStatus' });

export const userSchema = z
  .object({
    id: uuid,
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    createdAt: ts,
    active: z.boolean().meta({ description: 'false once deactivated: no token, session or sign-in works' }),
    deactivatedAt: ts.nullable(),
    oidcSubject: z
      .string()
      .nullable()
      .meta({ description: '`<issuer> <sub>` of their SSO account; null before their first SSO sign-in' }),
    lastSignInAt: ts.nullable(),
  })
  .meta({ id: 'User' });
export const createUserBody = z.strictObject({ email: email, name: nonEmpty(200), role: roleSchema });
export const updateUserBody = z
  .strictObject({
    name: nonEmpty(200).optional(),
    role: roleSchema.optional().meta({ description: "ends the user's sessions" }),
    pods: z
      .array(z.string().min(1).max(60))
      .max(100)
      .optional()
      .meta({ description: 'pod slugs the user is a member of (joins the new ones, leaves the rest)' }),
    active: z
      .boolean()
      .optional()
      .meta({ description: 'false deactivates (tokens revoked, sessions ended); true reactivates' }),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one of name, role, pods, active' });

export const userSessionSchema = z
  .object({
    id: uuid,
    userId: uuid,
    role: roleSchema.meta({ description: 'the role in force' }),
    mappedRole: roleSchema.meta({ description: "the role the provider's claims map to" }),
    podIds: z.array(uuid),
    mfa: z.boolean(),
    amr: z.array(z.string()),
    acr: z.string().nullable(),
    downgradeReason: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    createdAt: ts,
    lastSeenAt: ts,
    expiresAt: ts,
    endedAt: ts.nullable(),
    endReason: z.string().nullable(),
  })
  .meta({ id: 'UserSession' });

export const tokenSchema = z
  .object({
    id: uuid,
    name: z.string(),
    userId: uuid,
    role: roleSchema,
    podIds: z.array(uuid),
    prefix: z.string(),
    allowedCidrs: z
      .array(z.string())
      .meta({ description: 'where the token may be used from; empty: anywhere' }),
    expiresAt: ts.nullable(),
    revokedAt: ts.nullable(),
    lastUsedAt: ts.nullable(),
    createdAt: ts,
  })
  .meta({ id: 'ApiToken' });

export const createTokenBody = z.strictObject({
  name: nonEmpty(200),
  role: roleSchema,
  pods: z.array(z.string().min(1).max(60)).max(100).optional(),
  expiresAt: ts.nullable().optional(),
  allowedCidrs: z
    .array(
      z.string().superRefine((entry, ctx) => {
        const problem = allowListEntryProblem(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    )
    .max(50)
    .optional()
    .meta({
      description: 'IPv4/IPv6 CIDR ranges (or addresses) the token may be used from; anywhere when absent',
    }),
  user: z
    .email()
    .optional()
    .meta({ description: 'email of the user the token acts as; defaults to the caller' }),
});
export const createdTokenSchema = z.object({
  token: tokenSchema,
  value: z.string().meta({ description: 'shown once; store it now' }),
});

// ---------------------------------------------------------------- WIP

export const itemTypeParams = z.strictObject({
  slug: z.string().min(1).max(60),
  itemType: z.string().min(1).max(60),
});
export const setLimitBody = z.strictObject({
  limit: z.number().int('must be a whole number').min(0, 'must be ≥ 0').max(10_000),
});
export const acquireBody = z.strictObject({
  itemId: nonEmpty(255),
  queue: z
    .boolean()
    .optional()
    .meta({ description: 'when the pod is full, wait in its queue (202) instead of being refused (409)' }),
  label: z
    .string()
    .trim()
    .max(300, 'must be at most 300 characters')
    .optional()
    .meta({ description: 'what the item is, for people: e.g. a pull request title and author' }),
  // Shown as a link on the WIP pages: http(s) only, never `javascript:`.
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000, 'must be at most 2000 characters')
    .optional()
    .meta({ description: "the item's page" }),
});
export const wipItemParams = itemTypeParams.extend({ itemId: nonEmpty(255) });

export const wipLockSchema = z
  .object({
    id: uuid,
    podId: uuid,
    itemType: z.string(),
    itemId: z.string(),
    acquiredBy: uuid.nullable(),
    acquiredAt: ts,
    releasedAt: ts.nullable(),
    releasedBy: uuid.nullable(),
    label: z.string().nullable(),
    url: z.string().nullable(),
  })
  .meta({ id: 'WipLock' });

const holderSchema = z.object({
  lockId: uuid,
  itemId: z.string(),
  acquiredBy: uuid.nullable(),
  acquiredAt: ts,
  label: z.string().nullable(),
  url: z.string().nullable(),
});
export const wipQueueItemSchema = z
  .object({
    itemId: z.string(),
    label: z.string().nullable(),
    url: z.string().nullable(),
    position: z.number().int().meta({ description: 'place in line, 1 for the next to be admitted' }),
    enqueuedAt: ts,
    enqueuedBy: uuid.nullable(),
  })
  .meta({ id: 'WipQueueItem' });
export const wipStatusSchema = z
  .object({
    pod: z.string(),
    types: z.array(
      z.object({
        itemType: z.string(),
        limit: z.number().int(),
        used: z.number().int(),
        available: z.number().int(),
        holders: z.array(holderSchema),
        queue: z.array(wipQueueItemSchema),
      }),
    ),
  })
  .meta({ id: 'WipStatus' });
export const wipQueueSchema = z
  .object({
    pod: z.string(),
    types: z.array(z.object({ itemType: z.string(), queue: z.array(wipQueueItemSchema) })),
  })
  .meta({ id: 'WipQueue' });
/** An acquire with `queue: true` that found the pod full (HTTP 202). */
export const wipQueuedSchema = z
  .object({
    queued: z.literal(true),
    pod: z.string(),
    itemType: z.string(),
    itemId: z.string(),
    position: z.number().int().meta({ description: 'place in line, 1-based' }),
    ahead: z.number().int().meta({ description: 'how many wait before it' }),
    label: z.string().nullable(),
    url: z.string().nullable(),
    enqueuedAt: ts,
  })
  .meta({ id: 'WipQueued' });
export const wipItemReleaseSchema = z.object({
  pod: z.string(),
  itemType: z.string(),
  itemId: z.string(),
  outcome: z.enum(['released', 'left_queue', 'not_held']).meta({
    description: 'its slot was released, it left the queue, or it held neither',
  }),
  lock: wipLockSchema.nullable().meta({ description: 'the released lock' }),
});
export const wipCheckSchema = z.object({
  pod: z.string(),
  itemType: z.string(),
  limit: z.number().int(),
  used: z.number().int(),
  available: z.number().int(),
  allowed: z.boolean(),
});
export const wipLimitSchema = z.object({
  pod: z.string(),
  itemType: z.string(),
  limit: z.number().int(),
  used: z.number().int(),
  available: z.number().int(),
});

// ---------------------------------------------------------------- projects and gates

export const projectSchema = z
  .object({
    id: uuid,
    key: z.string().meta({ description: 'short unique handle accepted wherever the id is' }),
    name: z.string(),
    podId: uuid,
    currentStage: z.string(),
    stageEnteredAt: ts,
    blockedReason: z.string().nullable(),
    blockedAt: ts.nullable(),
    ideaId: uuid.nullable(),
    wipLockId: uuid.nullable(),
    closedAt: ts.nullable(),
    outcome: z.enum(['shipped', 'cancelled']).nullable(),
    closeReason: z.string().nullable(),
    createdAt: ts,
    updatedAt: ts,
  })
  .meta({ id: 'Project' });

export const createProjectBody = z.strictObject({
  name: nonEmpty(255),
  pod: z.string().min(1).max(60),
  key: projectKey
    .optional()
    .meta({ description: 'derived from the name when absent (`-2`, `-3`… if taken)' }),
});
export const projectListQuery = listQuery.extend({
  pod: z.string().max(60).optional(),
  stage: z.string().max(60).optional(),
  closed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  blocked: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const gateCriterionSchema = z.object({
  // The kinds of core's criterion registry (packages/core/src/stages/criteria/registry.ts).
  kind: z.enum(CRITERION_KINDS),
  met: z.boolean(),
  message: z.string(),
  path: z.string().optional(),
  required: z.number().int().optional(),
  received: z.number().int().optional(),
  roles: z.array(z.string()).optional(),
  approvers: z.array(z.string()).optional(),
  by: z.string().optional(),
  comment: z.string().nullable().optional(),
  issues: z
    .array(
      z.object({ identifier: z.string(), title: z.string(), url: z.string().nullable(), state: z.string() }),
    )
    .optional()
    .meta({ description: '`linear_issues_done`: the Linear issues still open' }),
});
export const gateEvaluationSchema = z
  .object({
    projectId: uuid,
    currentStage: z.string(),
    nextStage: z.string().nullable(),
    ready: z.boolean(),
    criteria: z.array(gateCriterionSchema),
  })
  .meta({ id: 'GateEvaluation' });

export const evidenceBody = z.strictObject({
  evidence: z
    .record(z.string(), z.unknown())
    .meta({ description: "one JSON document checked against the next gate's evidence schema" }),
});
export const evidenceSchema = z.object({
  id: uuid,
  projectId: uuid,
  stage: z.string(),
  data: z.record(z.string(), z.unknown()),
  submittedBy: uuid.nullable(),
  source: z
    .string()
    .nullable()
    .meta({ description: 'the pull request an evidence file merged with; null when submitted here' }),
  createdAt: ts,
});
export const approvalBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(5000).nullable().optional(),
});
export const approvalSchema = z.object({
  id: uuid,
  projectId: uuid,
  stage: z.string(),
  userId: uuid,
  userEmail: z.string(),
  userRole: roleSchema,
  decision: z.enum(['approve', 'reject']),
  comment: z.string().nullable(),
  createdAt: ts,
});
export const transitionSchema = z.object({
  id: uuid,
  projectId: uuid,
  fromStage: z.string().nullable(),
  toStage: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  approvedBy: z.array(uuid),
  actorId: uuid.nullable(),
  createdAt: ts,
});
export const closeProjectBody = z.strictObject({
  outcome: z.enum(['shipped', 'cancelled']),
  reason: z.string().max(2000).nullable().optional(),
});
export const reasonBody = z.strictObject({ reason: nonEmpty(2000) });
// Fastify hands an absent body to the validator as null.
export const optionalReasonBody = z.strictObject({ reason: z.string().max(2000).optional() }).nullish();

const CI_STATE_VALUES = ['passed', 'failed', 'running'] as const;
export const ciStateSchema = z.enum(CI_STATE_VALUES);
export const ciStatusSchema = z
  .object({
    id: uuid,
    projectId: uuid,
    status: ciStateSchema,
    url: z.string().nullable(),
    context: z.string(),
    reportedBy: uuid.nullable(),
    createdAt: ts,
  })
  .meta({ id: 'CiStatus' });
export const ciStatusBody = z.strictObject({
  status: ciStateSchema,
  // Shown as a link on the project's page: http(s) only, never `javascript:`.
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .max(2000, 'must be at most 2000 characters')
    .nullable()
    .optional(),
  context: nonEmpty(100)
    .optional()
    .meta({ description: 'the reporting check, e.g. the workflow name; defaults to "ci"' }),
});
export const ciStatusListQuery = listQuery.extend({ context: z.string().max(100).optional() });

export const projectDetailSchema = projectSchema.extend({
  transitions: z.array(transitionSchema),
  evidence: z.array(evidenceSchema),
  approvals: z.array(approvalSchema),
  ciStatus: z
    .array(ciStatusSchema)
    .meta({ description: 'the newest CI report of each context, newest first' }),
  linear: z
    .object({
      project: z.object({ url: z.string().nullable(), name: z.string() }),
      issues: z.array(
        z.object({
          identifier: z.string(),
          title: z.string(),
          url: z.string().nullable(),
          stage: z.string(),
          state: z.string(),
          stateType: z.enum(['triage', 'backlog', 'unstarted', 'started', 'completed', 'canceled']),
        }),
      ),
    })
    .nullable()
    .meta({ description: 'its Linear project and issues (docs/linear.md); null when it has none' }),
});

// ---------------------------------------------------------------- ideas

export const ideaSchema = z
  .object({
    id: uuid,
    title: z.string(),
    description: z.string().nullable(),
    submittedBy: uuid.nullable(),
    podId: uuid
      .nullable()
      .meta({ description: 'the pod it was submitted for; holds an idea WIP slot while pending' }),
    evaluationScore: z.number().nullable(),
    evaluationCount: z.number().int(),
    status: z.enum(['pending', 'promoted', 'archived']),
    promotedToProjectId: uuid.nullable(),
    archivedReason: z.string().nullable(),
    createdAt: ts,
    updatedAt: ts,
  })
  .meta({ id: 'Idea' });
export const evaluationSchema = z.object({
  id: uuid,
  ideaId: uuid,
  evaluatorId: uuid,
  scores: z.record(z.string(), z.number()),
  score: z.number(),
  comment: z.string().nullable(),
  createdAt: ts,
});
export const ideaDetailSchema = ideaSchema.extend({ evaluations: z.array(evaluationSchema) });
export const submitIdeaBody = z.strictObject({
  title: nonEmpty(500),
  description: z.string().max(20_000).nullable().optional(),
  pod: z.string().min(1).max(60).optional().meta({
    description: "slug of the pod to evaluate it; takes one of the pod's idea WIP slots while pending",
  }),
});
export const ideaListQuery = listQuery.extend({
  status: z.enum(['pending', 'promoted', 'archived']).optional(),
});
export const evaluateBody = z.strictObject({
  scores: z.record(z.string(), z.number().min(0, 'must be ≥ 0').max(5, 'must be ≤ 5')),
  comment: z.string().max(5000).nullable().optional(),
});
export const promoteBody = z.strictObject({
  pod: z.string().min(1).max(60),
  name: nonEmpty(255).optional(),
  key: projectKey
    .optional()
    .meta({ description: "the new project's key; derived from its name when absent" }),
});

// ---------------------------------------------------------------- audit

export const auditEventSchema = z
  .object({
    sequence: z.number().int(),
    id: uuid,
    occurredAt: ts,
    actorId: uuid.nullable(),
    actorLabel: z.string(),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });
export const auditQuery = listQuery.extend({
  subjectType: z.string().max(60).optional(),
  subjectId: z.string().max(255).optional(),
  actorId: uuid.optional(),
  action: z.string().max(100).optional(),
  from: ts.optional(),
  to: ts.optional(),
});
// With checkpoints (routes/audit.ts): how many were checked, and the first one the log no longer contains.
const unsealed = z
  .number()
  .int()
  .optional()
  .meta({ description: 'committed audit events not yet sealed into the chain (moments behind, normally)' });
export const auditVerifySchema = z.union([
  z.object({
    ok: z.literal(true),
    count: z.number().int(),
    checkpoints: z.number().int().optional(),
    unsealed,
  }),
  z.object({
    ok: z.literal(false),
    brokenAt: z.number().int(),
    reason: z.string(),
    count: z.number().int(),
    checkpoints: z.number().int().optional(),
    unsealed,
    checkpoint: z.object({ sequence: z.number().int(), hash: z.string(), time: z.string() }).optional(),
  }),
]);

// ---------------------------------------------------------------- error details

// What `error.details` holds for the codes whose details have a fixed shape (see docs/api.md).
export const fieldProblemSchema = z.object({ path: z.string(), message: z.string() });
export const errorDetailSchemas = {
  invalid_request: z.array(fieldProblemSchema),
  wip_limit_exceeded: z.object({
    pod: z.string(),
    itemType: z.string(),
    limit: z.number().int(),
    used: z.number().int(),
    holders: z.array(holderSchema),
  }),
  gate_criteria_unmet: z.object({ evaluation: gateEvaluationSchema }),
  promotion_criteria_unmet: z.object({
    blockers: z.array(
      z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('evaluations'),
          required: z.number().int(),
          received: z.number().int(),
          message: z.string(),
        }),
        z.object({
          kind: z.literal('score'),
          threshold: z.number(),
          score: z.number().nullable(),
          message: z.string(),
        }),
      ]),
    ),
  }),
} as const;
/** The shape of `error.details` for `code`; `unknown` for codes without a fixed one. */
export type ErrorDetails<C extends ErrorCode = ErrorCode> = C extends keyof typeof errorDetailSchemas
  ? z.infer<(typeof errorDetailSchemas)[C]>
  : unknown;

// ---------------------------------------------------------------- compile-time ties to the domain

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
// A drift between a domain record and its wire schema fails `tsc` here.
export type _ContractChecks = [
  Check<Same<z.infer<typeof podSchema>, Json<Pod>>>,
  Check<Same<z.infer<typeof userSchema>, Json<User>>>,
  Check<Same<z.infer<typeof memberSchema>, Json<PodMember>>>,
  Check<Same<z.infer<typeof projectSchema>, Json<Project>>>,
  Check<Same<z.infer<typeof wipLockSchema>, Json<WipLock>>>,
  Check<Same<z.infer<typeof wipQueueItemSchema>, Json<WipQueueItem>>>,
  Check<Same<z.infer<typeof ideaSchema>, Json<Idea>>>,
  Check<Same<z.infer<typeof evaluationSchema>, Json<IdeaEvaluation>>>,
  Check<Same<z.infer<typeof tokenSchema>, Json<ApiToken>>>,
  Check<Same<z.infer<typeof userSessionSchema>, Json<UserSession>>>,
  Check<Same<z.infer<typeof auditEventSchema>['sequence'], Json<AuditEvent>['sequence']>>,
  Check<Same<z.infer<typeof healthSnapshotSchema>['score'], Json<HealthSnapshot>['score']>>,
  Check<Same<z.infer<typeof gateEvaluationSchema>['nextStage'], Json<GateEvaluation>['nextStage']>>,
  Check<Same<z.infer<typeof ciStatusSchema>, Json<CiStatus>>>,
  Check<Same<z.infer<typeof ciStateSchema>, CiState>>,
  Check<Same<z.infer<typeof gateCriterionSchema>['kind'], GateCriterion['kind']>>,
  Check<Same<ErrorDetails<'wip_limit_exceeded'>, Json<Omit<WipLimitExceeded, 'code' | 'message'>>>>,
  Check<
    Same<ErrorDetails<'promotion_criteria_unmet'>, Json<Omit<PromotionCriteriaUnmet, 'code' | 'message'>>>
  >,
];
