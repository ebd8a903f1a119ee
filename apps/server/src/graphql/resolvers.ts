import {
  acquireBody,
  approvalBody,
  closeProjectBody,
  createProjectBody,
  evaluateBody,
  evidenceBody,
  healthBody,
  idParam,
  itemTypeParams,
  projectRef,
  promoteBody,
  reasonBody,
  registerPodBody,
  rotateBody,
  setLimitBody,
  submitIdeaBody,
  timestamp,
} from '@clos/contract';
import {
  type Actor,
  type Ctx,
  can,
  findInputProblems,
  type Idea,
  type IdeaEvaluation,
  type Permission,
  type Pod,
  type Project,
  type Result,
  type Services,
} from '@clos/core';
import { Kind, type ValueNode, valueFromASTUntyped } from 'graphql/index.js';
import { z } from 'zod';
import { toJson } from '../http/json.ts';
import { failureOf, GraphqlFailure, invalidArguments, invalidInput, toFailure } from './errors.ts';

/** What every resolver sees: who asks, and a per-request memo so sibling fields share one read. */
export interface GraphqlContext {
  ctx: Ctx;
  memo: Map<string, Promise<unknown>>;
  /** The operation the request runs, for the depth and cost check. */
  operationName: string | null;
  /** Its kind, known once the document is validated (null before, or if no operation matches). */
  operationType: 'query' | 'mutation' | 'subscription' | null;
}

type Args = Record<string, unknown>;
type Resolver<P> = (parent: P, args: Args, context: GraphqlContext) => Promise<unknown>;

/**
 * The field's permission is checked first, like a REST route's before its body is read, with the
 * same refusal; then its arguments are validated with the REST body's schema; then the use case runs,
 * checking permission and pod scope again as it does for REST.
 */
function field<P, A>(
  permission: Permission,
  schema: z.ZodType<A>,
  run: (parent: P, args: A, ctx: Ctx, context: GraphqlContext) => Promise<unknown>,
): Resolver<P> {
  return async (parent, args, context) => {
    try {
      assertPermission(context.ctx.actor, permission);
      // Inline argument literals never pass the HTTP input guard (it sees only the query's text):
      // the same rules apply here, by argument name.
      const unsafe = findInputProblems(args, '');
      if (unsafe.length) throw invalidInput(unsafe);
      // GraphQL sends an explicit null where REST leaves a field out; the use cases treat both alike.
      const given = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null));
      const parsed = schema.safeParse(given);
      if (!parsed.success) throw invalidArguments(parsed.error);
      return await run(parent, parsed.data, context.ctx, context);
    } catch (error) {
      throw toFailure(error) ?? error;
    }
  };
}

function assertPermission(actor: Actor, permission: Permission): void {
  if (!can(actor, permission))
    throw new GraphqlFailure('forbidden', `role "${actor.role}" lacks the "${permission}" permission`, {
      permission,
      role: actor.role,
    });
}

/** A use case's tagged result: the value, or its failure as the error REST would answer with. */
function unwrap<T, E extends { code: string; message: string }>(result: Result<T, E>): T {
  if (!result.ok) throw failureOf(toJson(result.error));
  return result.value;
}

function memo<T>(context: GraphqlContext, key: string, load: () => Promise<T>): Promise<T> {
  let hit = context.memo.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    context.memo.set(key, hit);
  }
  return hit;
}

const none = z.object({});
const slug = z.string().min(1).max(60);
const id = idParam.shape.id;
/** Project arguments named `id` take the project's id or its key, as the REST paths do. */
const ref = projectRef;
const page = { first: z.number().int().min(1).max(200), after: z.string().max(500).optional() };
const projectFilter = {
  stage: z.string().max(60).optional(),
  blocked: z.boolean().optional(),
  closed: z.boolean().optional(),
};
const date = (v: string | undefined) => (v === undefined ? undefined : new Date(v));

/** Which permission each mutation declares: the permission of the REST route doing the same. */
export const MUTATION_PERMISSIONS = {
  registerPod: 'pods:create',
  setWipLimit: 'pods:manage',
  acquireWipLock: 'wip:use',
  releaseWipLock: 'wip:use',
  createProject: 'projects:manage',
  submitEvidence: 'projects:work',
  decideGate: 'gates:approve',
  advanceProject: 'projects:work',
  blockProject: 'projects:work',
  unblockProject: 'projects:work',
  closeProject: 'projects:manage',
  submitIdea: 'ideas:contribute',
  evaluateIdea: 'ideas:contribute',
  promoteIdea: 'ideas:decide',
  archiveIdea: 'ideas:decide',
  recordPodHealth: 'pods:manage',
  rotatePodMember: 'pods:manage',
} as const satisfies Record<string, Permission>;

const P = MUTATION_PERMISSIONS;

const dateTime = {
  serialize: (value: unknown) => (value instanceof Date ? value.toISOString() : value),
  parseValue: (value: unknown) => {
    const parsed = timestamp.safeParse(value);
    if (!parsed.success) throw new TypeError('must be an ISO-8601 timestamp with offset');
    return parsed.data;
  },
  parseLiteral: (ast: ValueNode) => dateTime.parseValue(ast.kind === Kind.STRING ? ast.value : undefined),
};

const json = {
  serialize: (value: unknown) => toJson(value),
  parseValue: (value: unknown) => value,
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) =>
    valueFromASTUntyped(ast, variables),
};

/** Every resolver calls a use case of `services` with the request's actor; none holds business logic. */
export function createResolvers(services: Services) {
  const timeline = (context: GraphqlContext, projectId: string) =>
    memo(context, `timeline:${projectId}`, () => services.stages.timeline(context.ctx, projectId));
  const ideaWithEvaluations = (context: GraphqlContext, ideaId: string) =>
    memo(context, `idea:${ideaId}`, () => services.ideas.get(context.ctx, ideaId));

  const Query = {
    pods: field('read', z.object(page), (_, a, ctx) =>
      services.pods.list(ctx, { limit: a.first, cursor: a.after }),
    ),
    pod: field('read', z.object({ slug }), (_, a, ctx) => services.pods.get(ctx, a.slug)),
    projects: field('read', z.object({ ...page, ...projectFilter, pod: slug.optional() }), (_, a, ctx) => {
      const { first, after, ...filter } = a;
      return services.stages.list(ctx, filter, { limit: first, cursor: after });
    }),
    project: field('read', z.object({ id: ref }), (_, a, ctx) => services.stages.get(ctx, a.id)),
    ideas: field(
      'read',
      z.object({ ...page, status: z.enum(['pending', 'promoted', 'archived']).optional() }),
      (_, a, ctx) => services.ideas.list(ctx, { status: a.status }, { limit: a.first, cursor: a.after }),
    ),
    idea: field('read', z.object({ id }), (_, a, _ctx, context) => ideaWithEvaluations(context, a.id)),
    wipLocks: field(
      'read',
      z.object({ pod: slug, itemType: itemTypeParams.shape.itemType.optional() }),
      async (_, a, ctx) => {
        const pod = await services.pods.get(ctx, a.pod);
        const status = await services.wip.getStatus(ctx, a.pod);
        if (a.itemType !== undefined && !status.types.some((t) => t.itemType === a.itemType))
          throw new GraphqlFailure('invalid_request', `itemType: unknown item type "${a.itemType}"`, [
            { path: 'itemType', message: `unknown item type "${a.itemType}"` },
          ]);
        return status.types
          .filter((t) => a.itemType === undefined || t.itemType === a.itemType)
          .flatMap((t) =>
            t.holders.map((h) => ({
              id: h.lockId,
              podId: pod.id,
              itemType: t.itemType,
              itemId: h.itemId,
              acquiredBy: h.acquiredBy,
              acquiredAt: h.acquiredAt,
              releasedAt: null,
              releasedBy: null,
              label: h.label,
              url: h.url,
            })),
          );
      },
    ),
    auditEvents: field(
      'read',
      z.object({
        ...page,
        subjectType: z.string().max(60).optional(),
        subjectId: z.string().max(255).optional(),
        actorId: id.optional(),
        action: z.string().max(100).optional(),
        from: timestamp.optional(),
        to: timestamp.optional(),
      }),
      (_, a, ctx) => {
        const { first, after, from, to, ...filter } = a;
        return services.audit.list(
          ctx,
          { ...filter, from: date(from), to: date(to) },
          { limit: first, cursor: after },
        );
      },
    ),
  };

  const Pod = {
    status: field('read', none, async (pod: Pod, _a, ctx) => {
      const status = await services.pods.getStatus(ctx, pod.slug);
      return {
        members: status.members,
        wip: status.wip,
        projectsPerStage: Object.entries(status.projectsPerStage).map(([stage, count]) => ({ stage, count })),
        health: status.health,
      };
    }),
    wip: field(
      'read',
      none,
      async (pod: Pod, _a, ctx) => (await services.wip.getStatus(ctx, pod.slug)).types,
    ),
    members: field('read', z.object({ history: z.boolean().optional() }), (pod: Pod, a, ctx) =>
      services.pods.members(ctx, pod.slug, a.history ?? false),
    ),
    health: field('read', z.object({ first: z.number().int().min(1).max(500) }), (pod: Pod, a, ctx) =>
      services.pods.healthHistory(ctx, pod.slug, a.first),
    ),
    projects: field('read', z.object({ ...page, ...projectFilter }), (pod: Pod, a, ctx) => {
      const { first, after, ...filter } = a;
      return services.stages.list(ctx, { ...filter, pod: pod.slug }, { limit: first, cursor: after });
    }),
  };

  const Project = {
    stageHistory: field(
      'read',
      none,
      async (p: Project, _a, _ctx, context) => (await timeline(context, p.id)).transitions,
    ),
    evidence: field(
      'read',
      none,
      async (p: Project, _a, _ctx, context) => (await timeline(context, p.id)).evidence,
    ),
    approvals: field(
      'read',
      none,
      async (p: Project, _a, _ctx, context) => (await timeline(context, p.id)).approvals,
    ),
    gate: field('read', none, (p: Project, _a, ctx) => services.stages.evaluate(ctx, p.id)),
    idea: field('read', none, (p: Project, _a, _ctx, context) =>
      p.ideaId ? ideaWithEvaluations(context, p.ideaId) : Promise.resolve(null),
    ),
  };

  const Idea = {
    evaluations: field(
      'read',
      none,
      async (idea: Idea & { evaluations?: IdeaEvaluation[] }, _a, _ctx, context) =>
        idea.evaluations ?? (await ideaWithEvaluations(context, idea.id)).evaluations,
    ),
    project: field('read', none, (idea: Idea, _a, ctx) =>
      idea.promotedToProjectId ? services.stages.get(ctx, idea.promotedToProjectId) : Promise.resolve(null),
    ),
  };

  const Mutation = {
    registerPod: field(P.registerPod, registerPodBody, (_, a, ctx) => services.pods.register(ctx, a)),
    setWipLimit: field(
      P.setWipLimit,
      z.object({ pod: slug, itemType: itemTypeParams.shape.itemType, limit: setLimitBody.shape.limit }),
      (_, a, ctx) => services.wip.setLimit(ctx, a.pod, a.itemType, a.limit),
    ),
    acquireWipLock: field(
      P.acquireWipLock,
      z.object({ pod: slug, itemType: itemTypeParams.shape.itemType, itemId: acquireBody.shape.itemId }),
      async (_, a, ctx) => unwrap(await services.wip.acquire(ctx, a.pod, a.itemType, a.itemId)),
    ),
    releaseWipLock: field(P.releaseWipLock, z.object({ id }), (_, a, ctx) => services.wip.release(ctx, a.id)),
    createProject: field(P.createProject, createProjectBody, async (_, a, ctx) =>
      unwrap(await services.stages.create(ctx, a)),
    ),
    submitEvidence: field(P.submitEvidence, evidenceBody.extend({ id: ref }), (_, a, ctx) =>
      services.stages.submitEvidence(ctx, a.id, a.evidence),
    ),
    decideGate: field(P.decideGate, approvalBody.extend({ id: ref }), (_, { id: projectId, ...input }, ctx) =>
      services.stages.decide(ctx, projectId, input),
    ),
    advanceProject: field(P.advanceProject, z.object({ id: ref }), async (_, a, ctx) =>
      unwrap(await services.stages.advance(ctx, a.id)),
    ),
    blockProject: field(P.blockProject, reasonBody.extend({ id: ref }), (_, a, ctx) =>
      services.stages.block(ctx, a.id, a.reason),
    ),
    unblockProject: field(
      P.unblockProject,
      z.object({ id: ref, reason: z.string().max(2000).optional() }),
      (_, a, ctx) => services.stages.unblock(ctx, a.id, a.reason ?? null),
    ),
    closeProject: field(
      P.closeProject,
      closeProjectBody.extend({ id: ref }),
      (_, { id: projectId, ...input }, ctx) => services.stages.close(ctx, projectId, input),
    ),
    submitIdea: field(P.submitIdea, submitIdeaBody, async (_, a, ctx) =>
      unwrap(await services.ideas.submit(ctx, a)),
    ),
    evaluateIdea: field(P.evaluateIdea, evaluateBody.extend({ id }), (_, { id: ideaId, ...input }, ctx) =>
      services.ideas.evaluate(ctx, ideaId, input),
    ),
    promoteIdea: field(P.promoteIdea, promoteBody.extend({ id }), async (_, { id: ideaId, ...input }, ctx) =>
      unwrap(await services.ideas.promote(ctx, ideaId, input)),
    ),
    archiveIdea: field(P.archiveIdea, reasonBody.extend({ id }), (_, a, ctx) =>
      services.ideas.archive(ctx, a.id, a.reason),
    ),
    recordPodHealth: field(
      P.recordPodHealth,
      z.object({ pod: slug, metrics: healthBody.shape.metrics }),
      (_, a, ctx) => services.pods.updateHealth(ctx, a.pod, a.metrics),
    ),
    rotatePodMember: field(P.rotatePodMember, rotateBody.extend({ pod: slug }), (_, { pod, ...input }, ctx) =>
      services.pods.rotate(ctx, pod, input),
    ),
  };

  return { DateTime: dateTime, JSON: json, Query, Mutation, Pod, Project, Idea };
}
