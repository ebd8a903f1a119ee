import { createHash } from 'node:crypto';
import {
  type ApiToken,
  type AuditEvent,
  type AuditRepository,
  type CiStatus,
  type ConfigStateRepository,
  ConflictError,
  chainHash,
  type EventRepository,
  eventFromAudit,
  GENESIS_HASH,
  type HealthRepository,
  type HealthSnapshot,
  type Idea,
  type IdeaRepository,
  type PodMember,
  type PodRepository,
  type ProjectRepository,
  type Repositories,
  type TokenRepository,
  type UnitOfWork,
  type UserRepository,
  type WipRepository,
} from '@clos/core';
import { and, asc, count, desc, eq, gt, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { decodeCursor, pageOf } from './cursor.ts';
import type { Database, Db } from './database.ts';
import { alertRepository } from './repos/alerts.ts';
import { auditCheckpointRepository } from './repos/audit-checkpoints.ts';
import { dashboardRepository } from './repos/dashboard.ts';
import { demoRepository } from './repos/demos.ts';
import { deploymentRepository } from './repos/deployments.ts';
import { eventLogRepository } from './repos/event-log.ts';
import { eventRepository } from './repos/events.ts';
import { rhythmRepository } from './repos/rhythms.ts';
import { webhookRepository } from './repos/webhooks.ts';
import { workflowRepository } from './repos/workflows.ts';
import * as t from './schema/index.ts';
import type { SecretBox } from './secret-box.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function podRepository(db: Db): PodRepository {
  const memberColumns = {
    podId: t.podMembers.podId,
    userId: t.podMembers.userId,
    podRole: t.podMembers.podRole,
    joinedAt: t.podMembers.joinedAt,
    leftAt: t.podMembers.leftAt,
    email: t.users.email,
    name: t.users.name,
    role: t.users.role,
  };
  const podColumns = {
    id: t.pods.id,
    slug: t.pods.slug,
    name: t.pods.name,
    timezone: t.pods.timezone,
    createdAt: t.pods.createdAt,
  };
  return {
    async insert(pod) {
      await db.insert(t.pods).values({ ...pod, updatedAt: pod.createdAt });
    },
    async update(id, patch) {
      await db
        .update(t.pods)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(t.pods.id, id));
    },
    async bySlug(slug) {
      return (await db.select(podColumns).from(t.pods).where(eq(t.pods.slug, slug)))[0] ?? null;
    },
    async byId(id) {
      return (await db.select(podColumns).from(t.pods).where(eq(t.pods.id, id)))[0] ?? null;
    },
    async byIds(ids) {
      return ids.length ? db.select(podColumns).from(t.pods).where(inArray(t.pods.id, ids)) : [];
    },
    async list({ limit, cursor }) {
      const after = decodeCursor(cursor, ['text']);
      const rows = await db
        .select(podColumns)
        .from(t.pods)
        .where(after ? gt(t.pods.slug, after[0]) : undefined)
        .orderBy(asc(t.pods.slug))
        .limit(limit + 1);
      return pageOf(rows, limit, (p) => [p.slug]);
    },
    async members(podId, withHistory = false) {
      const rows = await db
        .select(memberColumns)
        .from(t.podMembers)
        .innerJoin(t.users, eq(t.users.id, t.podMembers.userId))
        .where(and(eq(t.podMembers.podId, podId), withHistory ? undefined : isNull(t.podMembers.leftAt)))
        .orderBy(asc(t.podMembers.joinedAt), asc(t.users.email));
      return rows as PodMember[];
    },
    async activeMembership(podId, userId) {
      const rows = await db
        .select(memberColumns)
        .from(t.podMembers)
        .innerJoin(t.users, eq(t.users.id, t.podMembers.userId))
        .where(
          and(eq(t.podMembers.podId, podId), eq(t.podMembers.userId, userId), isNull(t.podMembers.leftAt)),
        );
      return (rows[0] as PodMember | undefined) ?? null;
    },
    async addMember(m) {
      await db.insert(t.podMembers).values(m);
    },
    async endMembership(podId, userId, leftAt) {
      await db
        .update(t.podMembers)
        .set({ leftAt })
        .where(
          and(eq(t.podMembers.podId, podId), eq(t.podMembers.userId, userId), isNull(t.podMembers.leftAt)),
        );
    },
    async setPodRole(podId, userId, podRole) {
      await db
        .update(t.podMembers)
        .set({ podRole })
        .where(
          and(eq(t.podMembers.podId, podId), eq(t.podMembers.userId, userId), isNull(t.podMembers.leftAt)),
        );
    },
    async projectsPerStage(podId) {
      const rows = await db
        .select({ stage: t.projects.currentStage, n: count() })
        .from(t.projects)
        .where(and(eq(t.projects.podId, podId), isNull(t.projects.closedAt)))
        .groupBy(t.projects.currentStage);
      return Object.fromEntries(rows.map((r) => [r.stage, Number(r.n)]));
    },
  };
}

function userRepository(db: Db): UserRepository {
  return {
    async insert(user) {
      await db.insert(t.users).values(user);
    },
    async update(id, patch) {
      await db.update(t.users).set(patch).where(eq(t.users.id, id));
    },
    async byEmail(email) {
      return (await db.select().from(t.users).where(eq(t.users.email, email)))[0] ?? null;
    },
    async byId(id) {
      return (await db.select().from(t.users).where(eq(t.users.id, id)))[0] ?? null;
    },
    async list({ limit, cursor }) {
      const after = decodeCursor(cursor, ['text']);
      const rows = await db
        .select()
        .from(t.users)
        .where(after ? gt(t.users.email, after[0]) : undefined)
        .orderBy(asc(t.users.email))
        .limit(limit + 1);
      return pageOf(rows, limit, (u) => [u.email]);
    },
    async count() {
      return Number((await db.select({ n: count() }).from(t.users))[0]!.n);
    },
  };
}

/** Newest first, keyset on (created_at, id). */
function newestFirst(createdAt: PgColumn, id: PgColumn, cursor: string | undefined) {
  const after = decodeCursor(cursor, ['timestamp', 'uuid']);
  if (!after) return undefined;
  const [at, afterId] = after;
  return or(lt(createdAt, at), and(eq(createdAt, at), lt(id, afterId)));
}

function projectRepository(db: Db): ProjectRepository {
  return {
    async insert(project) {
      await db.insert(t.projects).values(project);
    },
    async lockById(id) {
      return (await db.select().from(t.projects).where(eq(t.projects.id, id)).for('update'))[0] ?? null;
    },
    async byId(id) {
      return (await db.select().from(t.projects).where(eq(t.projects.id, id)))[0] ?? null;
    },
    async list(filter, { limit, cursor }) {
      const rows = await db
        .select()
        .from(t.projects)
        .where(
          and(
            filter.podId ? eq(t.projects.podId, filter.podId) : undefined,
            filter.stage ? eq(t.projects.currentStage, filter.stage) : undefined,
            filter.blocked === undefined
              ? undefined
              : filter.blocked
                ? sql`${t.projects.blockedReason} is not null`
                : isNull(t.projects.blockedReason),
            filter.closed === undefined
              ? undefined
              : filter.closed
                ? sql`${t.projects.closedAt} is not null`
                : isNull(t.projects.closedAt),
            newestFirst(t.projects.createdAt, t.projects.id, cursor),
          ),
        )
        .orderBy(desc(t.projects.createdAt), desc(t.projects.id))
        .limit(limit + 1);
      return pageOf(rows, limit, (p) => [p.createdAt.toISOString(), p.id]);
    },
    async update(id, patch) {
      await db.update(t.projects).set(patch).where(eq(t.projects.id, id));
    },
    async insertEvidence(e) {
      await db.insert(t.evidence).values(e);
    },
    async latestEvidence(projectId, stage) {
      return (
        (
          await db
            .select()
            .from(t.evidence)
            .where(and(eq(t.evidence.projectId, projectId), eq(t.evidence.stage, stage)))
            .orderBy(desc(t.evidence.createdAt), desc(t.evidence.id))
            .limit(1)
        )[0] ?? null
      );
    },
    async evidence(projectId) {
      return db
        .select()
        .from(t.evidence)
        .where(eq(t.evidence.projectId, projectId))
        .orderBy(asc(t.evidence.createdAt));
    },
    async insertApproval(a) {
      await db.insert(t.approvals).values(a);
    },
    async approvals(projectId, stage) {
      return db
        .select({
          id: t.approvals.id,
          projectId: t.approvals.projectId,
          stage: t.approvals.stage,
          userId: t.approvals.userId,
          decision: t.approvals.decision,
          comment: t.approvals.comment,
          createdAt: t.approvals.createdAt,
          userRole: t.users.role,
          userEmail: t.users.email,
        })
        .from(t.approvals)
        .innerJoin(t.users, eq(t.users.id, t.approvals.userId))
        .where(and(eq(t.approvals.projectId, projectId), stage ? eq(t.approvals.stage, stage) : undefined))
        .orderBy(asc(t.approvals.createdAt));
    },
    async insertTransition(tr) {
      await db.insert(t.stageTransitions).values(tr);
    },
    async transitions(projectId) {
      return db
        .select()
        .from(t.stageTransitions)
        .where(eq(t.stageTransitions.projectId, projectId))
        .orderBy(asc(t.stageTransitions.createdAt));
    },
    async insertCiStatus(status) {
      await db.insert(t.projectCiStatuses).values(status);
    },
    async ciStatuses(projectId, filter, { limit, cursor }) {
      const c = t.projectCiStatuses;
      const rows = await db
        .select()
        .from(c)
        .where(
          and(
            eq(c.projectId, projectId),
            filter.context ? eq(c.context, filter.context) : undefined,
            newestFirst(c.createdAt, c.id, cursor),
          ),
        )
        .orderBy(desc(c.createdAt), desc(c.id))
        .limit(limit + 1);
      return pageOf(rows as CiStatus[], limit, (r) => [r.createdAt.toISOString(), r.id]);
    },
    async latestCiStatuses(projectId) {
      const c = t.projectCiStatuses;
      const rows = (await db
        .selectDistinctOn([c.context])
        .from(c)
        .where(eq(c.projectId, projectId))
        .orderBy(c.context, desc(c.createdAt), desc(c.id))) as CiStatus[];
      // DISTINCT ON needs the context first in ORDER BY; the page wants the newest first.
      return rows.sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.context.localeCompare(b.context),
      );
    },
  };
}

function wipRepository(db: Db): WipRepository {
  const open = (podId: string, itemType?: string) =>
    and(
      eq(t.wipLocks.podId, podId),
      itemType ? eq(t.wipLocks.itemType, itemType) : undefined,
      isNull(t.wipLocks.releasedAt),
    );
  return {
    async lockScope(podId, itemType) {
      // A transaction-scoped advisory lock per (pod, type): works the same on PGlite and PostgreSQL,
      // needs no row to exist, and is released by COMMIT or ROLLBACK.
      await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`wip:${podId}:${itemType}`}, 0))`);
    },
    async openLocks(podId, itemType) {
      return db.select().from(t.wipLocks).where(open(podId, itemType)).orderBy(asc(t.wipLocks.acquiredAt));
    },
    async openCount(podId, itemType) {
      return Number((await db.select({ n: count() }).from(t.wipLocks).where(open(podId, itemType)))[0]!.n);
    },
    async openLockForItem(podId, itemType, itemId) {
      return (
        (
          await db
            .select()
            .from(t.wipLocks)
            .where(and(open(podId, itemType), eq(t.wipLocks.itemId, itemId)))
        )[0] ?? null
      );
    },
    async insertLock(lock) {
      await db.insert(t.wipLocks).values(lock);
    },
    async lockById(id) {
      return (await db.select().from(t.wipLocks).where(eq(t.wipLocks.id, id)))[0] ?? null;
    },
    async release(id, at, by) {
      await db
        .update(t.wipLocks)
        .set({ releasedAt: at, releasedBy: by })
        .where(and(eq(t.wipLocks.id, id), isNull(t.wipLocks.releasedAt)));
    },
    async storedLimits(podId) {
      const rows = await db
        .select({ itemType: t.wipLimits.itemType, limit: t.wipLimits.limit })
        .from(t.wipLimits)
        .where(eq(t.wipLimits.podId, podId));
      return Object.fromEntries(rows.map((r) => [r.itemType, r.limit]));
    },
    async setLimit(podId, itemType, limit, at, by) {
      await db
        .insert(t.wipLimits)
        .values({ podId, itemType, limit, updatedAt: at, updatedBy: by })
        .onConflictDoUpdate({
          target: [t.wipLimits.podId, t.wipLimits.itemType],
          set: { limit, updatedAt: at, updatedBy: by },
        });
    },
    async countOpen(podId) {
      const rows = await db
        .select({ itemType: t.wipLocks.itemType, n: count() })
        .from(t.wipLocks)
        .where(open(podId))
        .groupBy(t.wipLocks.itemType);
      return Object.fromEntries(rows.map((r) => [r.itemType, Number(r.n)]));
    },
  };
}

function ideaRepository(db: Db): IdeaRepository {
  return {
    async insert(idea) {
      await db.insert(t.ideas).values(idea);
    },
    async lockById(id) {
      return (
        ((await db.select().from(t.ideas).where(eq(t.ideas.id, id)).for('update'))[0] as Idea | undefined) ??
        null
      );
    },
    async byId(id) {
      return ((await db.select().from(t.ideas).where(eq(t.ideas.id, id)))[0] as Idea | undefined) ?? null;
    },
    async list(filter, { limit, cursor }) {
      const rows = await db
        .select()
        .from(t.ideas)
        .where(
          and(
            filter.status ? eq(t.ideas.status, filter.status) : undefined,
            newestFirst(t.ideas.createdAt, t.ideas.id, cursor),
          ),
        )
        .orderBy(desc(t.ideas.createdAt), desc(t.ideas.id))
        .limit(limit + 1);
      return pageOf(rows as Idea[], limit, (i) => [i.createdAt.toISOString(), i.id]);
    },
    async update(id, patch) {
      await db.update(t.ideas).set(patch).where(eq(t.ideas.id, id));
    },
    async upsertEvaluation(e) {
      const [stored] = await db
        .insert(t.ideaEvaluations)
        .values(e)
        .onConflictDoUpdate({
          target: [t.ideaEvaluations.ideaId, t.ideaEvaluations.evaluatorId],
          set: { scores: e.scores, score: e.score, comment: e.comment, createdAt: e.createdAt },
        })
        .returning();
      return stored!;
    },
    async evaluations(ideaId) {
      return db
        .select()
        .from(t.ideaEvaluations)
        .where(eq(t.ideaEvaluations.ideaId, ideaId))
        .orderBy(asc(t.ideaEvaluations.createdAt));
    },
  };
}

function healthRepository(db: Db): HealthRepository {
  return {
    async insert(s) {
      await db.insert(t.podHealthSnapshots).values({ ...s, metrics: s.metrics as Record<string, number> });
    },
    async latest(podId) {
      return (
        ((
          await db
            .select()
            .from(t.podHealthSnapshots)
            .where(eq(t.podHealthSnapshots.podId, podId))
            .orderBy(desc(t.podHealthSnapshots.recordedAt))
            .limit(1)
        )[0] as HealthSnapshot | undefined) ?? null
      );
    },
    async history(podId, limit) {
      return (await db
        .select()
        .from(t.podHealthSnapshots)
        .where(eq(t.podHealthSnapshots.podId, podId))
        .orderBy(desc(t.podHealthSnapshots.recordedAt))
        .limit(limit)) as HealthSnapshot[];
    },
  };
}

function auditRepository(db: Db, ids: () => string, events: EventRepository): AuditRepository {
  return {
    async append(e) {
      // Locking the head row serialises appenders (across processes on PostgreSQL) until commit.
      const head = (await db.select().from(t.auditHead).where(eq(t.auditHead.id, 1)).for('update'))[0];
      const prevHash = head?.hash ?? GENESIS_HASH;
      const fields = {
        sequence: (head?.sequence ?? 0) + 1,
        id: ids(),
        occurredAt: e.at,
        actorId: e.actorId,
        actorLabel: e.actorLabel,
        action: e.action,
        subjectType: e.subjectType,
        subjectId: e.subjectId,
        // Round-trip through JSON so the hashed form equals what JSONB gives back (dates → strings).
        before: e.before === undefined ? null : JSON.parse(JSON.stringify(e.before)),
        after: e.after === undefined ? null : JSON.parse(JSON.stringify(e.after)),
        reason: e.reason ?? null,
        requestId: e.requestId,
      };
      const hash = chainHash(sha256, prevHash, fields);
      const event: AuditEvent = { ...fields, prevHash, hash };
      await db.insert(t.auditEvents).values(event);
      // Every audited change that is a domain event reaches the outbox in this same transaction: a
      // change cannot be recorded without being published, nor published without being recorded.
      const published = eventFromAudit({
        ...e,
        before: fields.before ?? undefined,
        after: fields.after ?? undefined,
      });
      if (published) await events.emit(published);
      await db
        .insert(t.auditHead)
        .values({ id: 1, sequence: event.sequence, hash })
        .onConflictDoUpdate({ target: t.auditHead.id, set: { sequence: event.sequence, hash } });
      return event;
    },
    async list(f, { limit, cursor }) {
      const after = decodeCursor(cursor, ['int']);
      const rows = await db
        .select()
        .from(t.auditEvents)
        .where(
          and(
            f.subjectType ? eq(t.auditEvents.subjectType, f.subjectType) : undefined,
            f.subjectId ? eq(t.auditEvents.subjectId, f.subjectId) : undefined,
            f.actorId ? eq(t.auditEvents.actorId, f.actorId) : undefined,
            f.action ? eq(t.auditEvents.action, f.action) : undefined,
            f.from ? gte(t.auditEvents.occurredAt, f.from) : undefined,
            f.to ? lte(t.auditEvents.occurredAt, f.to) : undefined,
            after ? lt(t.auditEvents.sequence, after[0]) : undefined,
          ),
        )
        .orderBy(desc(t.auditEvents.sequence))
        .limit(limit + 1);
      return pageOf(rows, limit, (r) => [r.sequence]);
    },
    async *iterate(after = 0) {
      let from = after;
      for (;;) {
        const batch = await db
          .select()
          .from(t.auditEvents)
          .where(gt(t.auditEvents.sequence, from))
          .orderBy(asc(t.auditEvents.sequence))
          .limit(1000);
        yield* batch;
        if (batch.length < 1000) return;
        from = batch[batch.length - 1]!.sequence;
      }
    },
    async head() {
      return (
        (
          await db
            .select({ sequence: t.auditHead.sequence, hash: t.auditHead.hash })
            .from(t.auditHead)
            .where(eq(t.auditHead.id, 1))
        )[0] ?? null
      );
    },
  };
}

function tokenRepository(db: Db): TokenRepository {
  const columns = {
    id: t.apiTokens.id,
    name: t.apiTokens.name,
    userId: t.apiTokens.userId,
    role: t.apiTokens.role,
    podIds: t.apiTokens.podIds,
    prefix: t.apiTokens.prefix,
    expiresAt: t.apiTokens.expiresAt,
    revokedAt: t.apiTokens.revokedAt,
    lastUsedAt: t.apiTokens.lastUsedAt,
    createdAt: t.apiTokens.createdAt,
  };
  return {
    async insert(token) {
      await db.insert(t.apiTokens).values(token);
    },
    async byHash(hash) {
      const row = (
        await db
          .select({ token: columns, user: t.users })
          .from(t.apiTokens)
          .innerJoin(t.users, eq(t.users.id, t.apiTokens.userId))
          .where(eq(t.apiTokens.tokenHash, hash))
      )[0];
      return row ? { ...row.token, user: row.user } : null;
    },
    async byId(id) {
      return (
        ((await db.select(columns).from(t.apiTokens).where(eq(t.apiTokens.id, id)))[0] as
          | ApiToken
          | undefined) ?? null
      );
    },
    async list({ limit, cursor }) {
      const rows = await db
        .select(columns)
        .from(t.apiTokens)
        .where(newestFirst(t.apiTokens.createdAt, t.apiTokens.id, cursor))
        .orderBy(desc(t.apiTokens.createdAt), desc(t.apiTokens.id))
        .limit(limit + 1);
      return pageOf(rows, limit, (r) => [r.createdAt.toISOString(), r.id]);
    },
    async revoke(id, at) {
      await db.update(t.apiTokens).set({ revokedAt: at }).where(eq(t.apiTokens.id, id));
    },
    async touch(id, at) {
      await db.update(t.apiTokens).set({ lastUsedAt: at }).where(eq(t.apiTokens.id, id));
    },
    async count() {
      return Number((await db.select({ n: count() }).from(t.apiTokens))[0]!.n);
    },
    async activeAdminCount(now) {
      const rows = await db
        .select({ n: count() })
        .from(t.apiTokens)
        .innerJoin(t.users, eq(t.users.id, t.apiTokens.userId))
        .where(
          and(
            eq(t.apiTokens.role, 'admin'),
            eq(t.users.role, 'admin'),
            isNull(t.apiTokens.revokedAt),
            or(isNull(t.apiTokens.expiresAt), gt(t.apiTokens.expiresAt, now)),
          ),
        );
      return Number(rows[0]!.n);
    },
  };
}

function configStateRepository(db: Db): ConfigStateRepository {
  return {
    async get(key) {
      return (
        await db.select({ value: t.configState.value }).from(t.configState).where(eq(t.configState.key, key))
      )[0]?.value;
    },
    async lockStartup() {
      await db.execute(sql`select pg_advisory_xact_lock(hashtextextended('clos:startup', 0))`);
    },
    async set(key, value, at) {
      await db
        .insert(t.configState)
        .values({ key, value, appliedAt: at })
        .onConflictDoUpdate({ target: t.configState.key, set: { value, appliedAt: at } });
    },
  };
}

/** `secretBox` seals and opens stored secrets; without it, storing one is refused (see secret-box.ts). */
export function createRepositories(
  db: Db,
  ids: () => string,
  onEmit?: () => void,
  secretBox?: SecretBox,
): Repositories {
  const events = eventRepository(db, onEmit);
  return {
    events,
    pods: podRepository(db),
    users: userRepository(db),
    projects: projectRepository(db),
    wip: wipRepository(db),
    ideas: ideaRepository(db),
    health: healthRepository(db),
    audit: auditRepository(db, ids, events),
    auditCheckpoints: auditCheckpointRepository(db),
    tokens: tokenRepository(db),
    configState: configStateRepository(db),
    workflows: workflowRepository(db),
    rhythms: rhythmRepository(db),
    demos: demoRepository(db),
    eventLog: eventLogRepository(db),
    deployments: deploymentRepository(db),
    alerts: alertRepository(db),
    webhooks: webhookRepository(db, secretBox),
    dashboard: dashboardRepository(db),
  };
}

const UNIQUE_VIOLATION = '23505';

function pgCode(error: unknown): string | undefined {
  let e: unknown = error;
  // Drizzle wraps driver errors; the SQLSTATE sits on the cause.
  for (let i = 0; i < 3 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** One transaction per unit of work; a unique violation that slipped past a check becomes a conflict. */
export interface UnitOfWorkOptions {
  /** Called after a transaction that wrote domain events has committed (the outbox relay's cue). */
  afterCommitWithEvents?: () => void;
  /** Seals and opens stored secrets (webhook signing secrets). */
  secretBox?: SecretBox | undefined;
}

export function createUnitOfWork(
  database: Database,
  ids: () => string,
  options: UnitOfWorkOptions = {},
): UnitOfWork {
  return {
    read: createRepositories(database.db, ids, undefined, options.secretBox),
    writeVersion: () => database.writes?.version ?? null,
    async run(work, runOptions) {
      // Bumped before and after: a read racing this transaction never caches under the final version.
      if (database.writes && !runOptions?.snapshot) database.writes.version += 1;
      try {
        let emitted = false;
        const result = await database.db.transaction(
          (tx) =>
            work(
              createRepositories(
                tx as unknown as Db,
                ids,
                () => {
                  emitted = true;
                },
                options.secretBox,
              ),
            ),
          runOptions?.snapshot ? { isolationLevel: 'repeatable read', accessMode: 'read only' } : undefined,
        );
        if (emitted) options.afterCommitWithEvents?.();
        return result;
      } catch (error) {
        if (pgCode(error) === UNIQUE_VIOLATION)
          throw new ConflictError('a concurrent change made this request conflict; retry it', {
            cause: (error as Error).message,
          });
        throw error;
      } finally {
        if (database.writes && !runOptions?.snapshot) database.writes.version += 1;
      }
    },
  };
}
