/**
 * Every HTTP route of CLOS in one table: method, path, the Zod schemas of its parameters, query,
 * body and responses, the permission it needs and how it is documented. The server registers each
 * route from its entry and the typed client calls it from the same entry, so a change of shape here
 * changes both, and breaks whichever side no longer fits at compile time.
 */
import type { Permission } from '@clos/core';
import { z } from 'zod';
import {
  acquireBody,
  addMemberBody,
  approvalBody,
  approvalSchema,
  auditEventSchema,
  auditQuery,
  auditVerifySchema,
  ciStatusBody,
  ciStatusListQuery,
  ciStatusSchema,
  closeProjectBody,
  createdTokenSchema,
  createProjectBody,
  createTokenBody,
  createUserBody,
  errorSchema,
  evaluateBody,
  evaluationSchema,
  evidenceBody,
  evidenceSchema,
  gateEvaluationSchema,
  healthBody,
  healthSnapshotSchema,
  ideaDetailSchema,
  ideaListQuery,
  ideaSchema,
  idParam,
  itemTypeParams,
  listQuery,
  memberSchema,
  optionalReasonBody,
  page,
  podSchema,
  podStatusSchema,
  projectDetailSchema,
  projectListQuery,
  projectSchema,
  promoteBody,
  reasonBody,
  registerPodBody,
  rotateBody,
  setLimitBody,
  slugParam,
  submitIdeaBody,
  tokenSchema,
  userSchema,
  wipCheckSchema,
  wipLimitSchema,
  wipLockSchema,
  wipStatusSchema,
} from './api.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes, auditVerifyQuery } from './routes/audit.ts';
import { ts } from './routes/common.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { deploymentRoutes } from './routes/deployments.ts';
import { policyRoutes } from './routes/policy.ts';
import { rhythmRoutes } from './routes/rhythms.ts';
import { rotationRoutes } from './routes/rotation.ts';
import { sessionRoutes } from './routes/session.ts';
import { streamRoutes } from './routes/stream.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { workflowRoutes } from './routes/workflows.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The shape every entry of {@link routes} has. */
export interface RouteDefinition {
  method: HttpMethod;
  /** Full path from the server root; `:name` segments are filled from `params`. */
  path: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Every status the route answers with a body of its own; 2xx ones are its successes. */
  responses: { readonly [status: number]: z.ZodType };
  permission: Permission;
  /** A success answered in another format than JSON (a stream); the handler writes it itself. */
  produces?: 'text/event-stream';
  summary: string;
  tags: readonly string[];
}

/**
 * The route table. Keys are the client's method names and the OpenAPI `operationId`s; paths with
 * `:name` take their values from `params`. Order is the order the routes are documented in.
 */
const coreRoutes = {
  // ------------------------------------------------------------ system
  healthz: {
    method: 'GET',
    path: '/healthz',
    responses: {
      200: z.object({
        status: z.literal('ok'),
        // Present when load shedding is configured (the server always configures it).
        pressure: z
          .object({
            underPressure: z.boolean(),
            exceeded: z.array(z.enum(['eventLoopDelay', 'heapUsed', 'rss'])),
            eventLoopDelayMs: z.number().nullable(),
            heapUsedBytes: z.number(),
            rssBytes: z.number(),
            limits: z.object({
              eventLoopDelayMs: z.number(),
              heapUsedBytes: z.number(),
              rssBytes: z.number(),
            }),
          })
          .optional(),
      }),
    },
    permission: 'public',
    summary: 'Liveness, with the load figures that make the server shed requests (503) when over a limit',
    tags: ['system'],
  },
  readyz: {
    method: 'GET',
    path: '/readyz',
    responses: {
      200: z.object({ status: z.literal('ready'), engine: z.enum(['pglite', 'postgres']) }),
      503: errorSchema,
    },
    permission: 'public',
    summary: 'Readiness: the database answers and the server is not overloaded',
    tags: ['system'],
  },

  // ------------------------------------------------------------ pods
  registerPod: {
    method: 'POST',
    path: '/api/v1/pods',
    body: registerPodBody,
    responses: { 201: podSchema, 409: errorSchema },
    permission: 'pods:create',
    summary: 'Register a pod',
    tags: ['pods'],
  },
  listPods: {
    method: 'GET',
    path: '/api/v1/pods',
    query: listQuery,
    responses: { 200: page(podSchema) },
    permission: 'read',
    summary: 'List pods',
    tags: ['pods'],
  },
  getPod: {
    method: 'GET',
    path: '/api/v1/pods/:slug',
    params: slugParam,
    responses: { 200: podSchema, 404: errorSchema },
    permission: 'read',
    summary: 'One pod',
    tags: ['pods'],
  },
  getPodStatus: {
    method: 'GET',
    path: '/api/v1/pods/:slug/status',
    params: slugParam,
    responses: { 200: podStatusSchema, 404: errorSchema },
    permission: 'read',
    summary: 'Members, WIP used/limit per type, projects per stage and latest health',
    tags: ['pods'],
  },
  listPodMembers: {
    method: 'GET',
    path: '/api/v1/pods/:slug/members',
    params: slugParam,
    query: z.strictObject({ history: z.enum(['true', 'false']).optional() }),
    responses: { 200: z.object({ items: z.array(memberSchema) }) },
    permission: 'read',
    summary: 'Members; with history=true also those who left or rotated out',
    tags: ['pods'],
  },
  addPodMember: {
    method: 'POST',
    path: '/api/v1/pods/:slug/members',
    params: slugParam,
    body: addMemberBody,
    responses: { 201: memberSchema },
    permission: 'pods:manage',
    summary: 'Add a user to the pod (or change their pod role)',
    tags: ['pods'],
  },
  recordPodHealth: {
    method: 'POST',
    path: '/api/v1/pods/:slug/health',
    params: slugParam,
    body: healthBody,
    responses: { 201: healthSnapshotSchema },
    permission: 'pods:manage',
    summary: 'Record health metrics; returns the computed score',
    tags: ['pods'],
  },
  listPodHealth: {
    method: 'GET',
    path: '/api/v1/pods/:slug/health',
    params: slugParam,
    query: z.strictObject({ limit: z.coerce.number<number>().int().min(1).max(500).default(50) }),
    responses: { 200: z.object({ items: z.array(healthSnapshotSchema) }) },
    permission: 'read',
    summary: 'Health history, newest first',
    tags: ['pods'],
  },
  rotatePodMember: {
    method: 'POST',
    path: '/api/v1/pods/:slug/rotate',
    params: slugParam,
    body: rotateBody,
    responses: { 200: z.object({ email: z.string(), from: z.string(), to: z.string(), rotatedAt: ts }) },
    permission: 'pods:manage',
    summary: 'Move a member to another pod (history is kept)',
    tags: ['pods'],
  },

  // ------------------------------------------------------------ WIP
  setWipLimit: {
    method: 'PUT',
    path: '/api/v1/pods/:slug/wip-limits/:itemType',
    params: itemTypeParams,
    body: setLimitBody,
    responses: { 200: wipLimitSchema },
    permission: 'pods:manage',
    summary: 'Set a WIP limit; lowering it below usage keeps existing locks and admits nothing new',
    tags: ['wip'],
  },
  getWipStatus: {
    method: 'GET',
    path: '/api/v1/pods/:slug/wip',
    params: slugParam,
    responses: { 200: wipStatusSchema },
    permission: 'read',
    summary: 'WIP per item type with holders',
    tags: ['wip'],
  },
  checkWip: {
    method: 'GET',
    path: '/api/v1/pods/:slug/wip/:itemType/check',
    params: itemTypeParams,
    responses: { 200: wipCheckSchema },
    permission: 'read',
    summary: 'Would an acquire succeed now?',
    tags: ['wip'],
  },
  acquireWipLock: {
    method: 'POST',
    path: '/api/v1/pods/:slug/wip/:itemType/locks',
    params: itemTypeParams,
    body: acquireBody,
    responses: { 200: wipLockSchema, 201: wipLockSchema, 409: errorSchema },
    permission: 'wip:use',
    summary:
      'Acquire a WIP slot for an item (201 new, 200 when the item already holds one; 409 over the limit)',
    tags: ['wip'],
  },
  releaseWipLock: {
    method: 'DELETE',
    path: '/api/v1/wip-locks/:id',
    params: idParam,
    responses: { 200: wipLockSchema, 404: errorSchema },
    permission: 'wip:use',
    summary: 'Release a WIP lock (idempotent)',
    tags: ['wip'],
  },

  // ------------------------------------------------------------ projects and gates
  createProject: {
    method: 'POST',
    path: '/api/v1/projects',
    body: createProjectBody,
    responses: { 201: projectSchema, 409: errorSchema },
    permission: 'projects:manage',
    summary: "Create a project at the first stage; it takes one of the pod's `project` WIP slots",
    tags: ['projects'],
  },
  listProjects: {
    method: 'GET',
    path: '/api/v1/projects',
    query: projectListQuery,
    responses: { 200: page(projectSchema) },
    permission: 'read',
    summary: 'List projects, newest first',
    tags: ['projects'],
  },
  getProject: {
    method: 'GET',
    path: '/api/v1/projects/:id',
    params: idParam,
    responses: { 200: projectDetailSchema, 404: errorSchema },
    permission: 'read',
    summary: 'A project with its transitions, evidence, approvals and latest CI status per context',
    tags: ['projects'],
  },
  getProjectGate: {
    method: 'GET',
    path: '/api/v1/projects/:id/gate',
    params: idParam,
    responses: { 200: gateEvaluationSchema },
    permission: 'read',
    summary: "The next stage's gate, criterion by criterion",
    tags: ['projects'],
  },
  submitEvidence: {
    method: 'POST',
    path: '/api/v1/projects/:id/evidence',
    params: idParam,
    body: evidenceBody,
    responses: { 201: z.object({ evidence: evidenceSchema, gate: gateEvaluationSchema }) },
    permission: 'projects:work',
    summary:
      'Submit evidence for the next gate (the latest submission is judged); returns the re-evaluated gate',
    tags: ['projects'],
  },
  decideGate: {
    method: 'POST',
    path: '/api/v1/projects/:id/approvals',
    params: idParam,
    body: approvalBody,
    responses: { 201: z.object({ approval: approvalSchema, gate: gateEvaluationSchema }) },
    permission: 'gates:approve',
    summary: 'Approve or reject the next gate (a reject needs a comment)',
    tags: ['projects'],
  },
  advanceProject: {
    method: 'POST',
    path: '/api/v1/projects/:id/advance',
    params: idParam,
    responses: {
      200: z.object({ project: projectSchema, gate: gateEvaluationSchema }),
      422: errorSchema,
    },
    permission: 'projects:work',
    summary: 'Move to the next stage if its gate is met (422 with the unmet criteria otherwise)',
    tags: ['projects'],
  },
  closeProject: {
    method: 'POST',
    path: '/api/v1/projects/:id/close',
    params: idParam,
    body: closeProjectBody,
    responses: { 200: projectSchema, 409: errorSchema },
    permission: 'projects:manage',
    summary:
      'End the project (shipped from the last stage, or cancelled with a reason) and free its WIP slot',
    tags: ['projects'],
  },
  blockProject: {
    method: 'POST',
    path: '/api/v1/projects/:id/block',
    params: idParam,
    body: reasonBody,
    responses: { 200: projectSchema },
    permission: 'projects:work',
    summary: 'Block the project; a blocked project cannot advance',
    tags: ['projects'],
  },
  unblockProject: {
    method: 'POST',
    path: '/api/v1/projects/:id/unblock',
    params: idParam,
    body: optionalReasonBody,
    responses: { 200: projectSchema },
    permission: 'projects:work',
    summary: 'Clear the block (idempotent)',
    tags: ['projects'],
  },
  recordCiStatus: {
    method: 'POST',
    path: '/api/v1/projects/:id/ci-statuses',
    params: idParam,
    body: ciStatusBody,
    responses: { 201: ciStatusSchema, 409: errorSchema },
    permission: 'projects:work',
    summary: 'Record a CI status (passed, failed, running) on an open project, shown on its page',
    tags: ['projects'],
  },
  listCiStatuses: {
    method: 'GET',
    path: '/api/v1/projects/:id/ci-statuses',
    params: idParam,
    query: ciStatusListQuery,
    responses: { 200: page(ciStatusSchema), 404: errorSchema },
    permission: 'read',
    summary: 'CI statuses reported on the project, newest first',
    tags: ['projects'],
  },

  // ------------------------------------------------------------ ideas
  submitIdea: {
    method: 'POST',
    path: '/api/v1/ideas',
    body: submitIdeaBody,
    responses: { 201: ideaSchema, 404: errorSchema, 409: errorSchema },
    permission: 'ideas:contribute',
    summary: 'Submit an idea to the ledger',
    tags: ['ideas'],
  },
  listIdeas: {
    method: 'GET',
    path: '/api/v1/ideas',
    query: ideaListQuery,
    responses: { 200: page(ideaSchema) },
    permission: 'read',
    summary: 'List ideas, newest first',
    tags: ['ideas'],
  },
  getIdea: {
    method: 'GET',
    path: '/api/v1/ideas/:id',
    params: idParam,
    responses: { 200: ideaDetailSchema, 404: errorSchema },
    permission: 'read',
    summary: 'An idea with its evaluations',
    tags: ['ideas'],
  },
  evaluateIdea: {
    method: 'POST',
    path: '/api/v1/ideas/:id/evaluations',
    params: idParam,
    body: evaluateBody,
    responses: { 201: z.object({ idea: ideaSchema, evaluation: evaluationSchema }) },
    permission: 'ideas:contribute',
    summary: "Score the idea on every criterion (0–5); replaces the caller's earlier evaluation",
    tags: ['ideas'],
  },
  promoteIdea: {
    method: 'POST',
    path: '/api/v1/ideas/:id/promote',
    params: idParam,
    body: promoteBody,
    responses: {
      201: z.object({ idea: ideaSchema, project: projectSchema }),
      409: errorSchema,
      422: errorSchema,
    },
    permission: 'ideas:decide',
    summary:
      "Create a project from the idea in a pod, taking the pod's project WIP slot (409 when full, 422 when not qualified)",
    tags: ['ideas'],
  },
  archiveIdea: {
    method: 'POST',
    path: '/api/v1/ideas/:id/archive',
    params: idParam,
    body: reasonBody,
    responses: { 200: ideaSchema },
    permission: 'ideas:decide',
    summary: 'Archive the idea (idempotent)',
    tags: ['ideas'],
  },

  // ------------------------------------------------------------ users, tokens, audit
  createUser: {
    method: 'POST',
    path: '/api/v1/users',
    body: createUserBody,
    responses: { 201: userSchema },
    permission: 'users:manage',
    summary: 'Create a user',
    tags: ['users'],
  },
  listUsers: {
    method: 'GET',
    path: '/api/v1/users',
    query: listQuery,
    responses: { 200: page(userSchema) },
    permission: 'users:manage',
    summary: 'List users',
    tags: ['users'],
  },
  createToken: {
    method: 'POST',
    path: '/api/v1/tokens',
    body: createTokenBody,
    responses: { 201: createdTokenSchema },
    permission: 'tokens:manage',
    summary: 'Create an API token; its value is returned once',
    tags: ['tokens'],
  },
  listTokens: {
    method: 'GET',
    path: '/api/v1/tokens',
    query: listQuery,
    responses: { 200: page(tokenSchema) },
    permission: 'tokens:manage',
    summary: 'List API tokens (never their values)',
    tags: ['tokens'],
  },
  revokeToken: {
    method: 'DELETE',
    path: '/api/v1/tokens/:id',
    params: idParam,
    responses: { 200: tokenSchema },
    permission: 'tokens:manage',
    summary: 'Revoke an API token (idempotent)',
    tags: ['tokens'],
  },
  listAudit: {
    method: 'GET',
    path: '/api/v1/audit',
    query: auditQuery,
    responses: { 200: page(auditEventSchema) },
    permission: 'read',
    summary: 'Audit events, newest first',
    tags: ['audit'],
  },
  verifyAudit: {
    method: 'GET',
    path: '/api/v1/audit/verify',
    query: auditVerifyQuery,
    responses: { 200: auditVerifySchema, 503: errorSchema },
    permission: 'read',
    summary: "Recompute the audit chain's hashes; with a checkpoint, also prove the log still contains it",
    tags: ['audit'],
  },
} as const satisfies Record<string, RouteDefinition>;

/** Every route: the core API above, then one table per feature (each in `routes/`). */
export const routes = {
  ...coreRoutes,
  ...workflowRoutes,
  ...rhythmRoutes,
  ...deploymentRoutes,
  ...alertRoutes,
  ...auditRoutes,
  ...streamRoutes,
  ...rotationRoutes,
  ...webhookRoutes,
  ...policyRoutes,
  ...sessionRoutes,
  ...dashboardRoutes,
} as const satisfies Record<string, RouteDefinition>;

export type Routes = typeof routes;
export type RouteKey = keyof Routes;

type SuccessStatus = 200 | 201 | 202 | 203 | 204;

/** The 2xx statuses a route answers with. */
export type RouteSuccessStatus<R extends RouteDefinition> = Extract<keyof R['responses'], SuccessStatus>;

/** What a route's handler hands back and the client receives, per success status. */
export type RouteResponse<
  R extends RouteDefinition,
  S extends RouteSuccessStatus<R> = RouteSuccessStatus<R>,
> = z.output<R['responses'][S]>;

/** Parsed (output) or sent (input) form of one part of a request; `undefined` when the route has none. */
export type RoutePart<
  R extends RouteDefinition,
  K extends 'params' | 'query' | 'body',
  Side extends 'input' | 'output' = 'output',
> = R extends { readonly [P in K]: infer S extends z.ZodType }
  ? Side extends 'input'
    ? z.input<S>
    : z.output<S>
  : undefined;
