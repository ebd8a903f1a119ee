import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { Idea, Pod, User } from '../entities.ts';
import { ConflictError, DomainError, InvalidInputError } from '../errors.ts';
import { record } from '../events/record.ts';
import { IDEA_WIP_TYPE } from '../ideas/service.ts';
import type { ImportEntityType, ImportRecord } from '../ports/imports.ts';
import type { Repositories } from '../ports/repositories.ts';
import { fail, ok, type Result } from '../result.ts';
import { importProjectInTx, PROJECT_WIP_TYPE } from '../stages/service.ts';
import { acquireInTx, effectiveLimit, type WipLimitExceeded } from '../wip/service.ts';
import {
  checkIdeaRow,
  checkProjectRow,
  type IdeaImportRow,
  type ImportKind,
  type ImportProblem,
  lineOf,
  type ProjectImportRow,
} from './rows.ts';

export * from './rows.ts';

/** Most rows one import request takes: larger files are sent in several requests. */
export const MAX_IMPORT_ROWS = 5000;
export const IMPORT_SOURCE_MAX = 100;

export type ImportOutcome = 'created' | 'would_create' | 'skipped' | 'failed';

/** What happened to one row (or, in a dry run, what would). */
export interface ImportRowResult {
  line: number;
  /** Null only when the row has none (it then failed). */
  externalId: string | null;
  outcome: ImportOutcome;
  /** The project or idea the row created, or the one an earlier import created (`skipped`). */
  id?: string;
  /** Where it goes: the pod's slug and, for a project, its stage. */
  pod?: string;
  stage?: string;
  /** The project key, when created (or when the row names one). */
  key?: string;
  problems?: ImportProblem[];
}

export interface ImportResult {
  dryRun: boolean;
  source: string;
  kind: ImportKind;
  /** Rows created; in a dry run, the rows that would be. */
  created: number;
  skipped: number;
  failed: number;
  rows: ImportRowResult[];
}

export interface ImportInput {
  source: string;
  rows: readonly Record<string, unknown>[];
  dryRun?: boolean | undefined;
}

/**
 * Records, in the caller's transaction, what an imported row became (or claims the row before its
 * entity exists, pointed at it later with `imports.setEntity`). False when another import recorded
 * the row first: the caller must then roll its transaction back. The Linear importer uses it too.
 */
export async function recordImportInTx(repos: Repositories, entry: ImportRecord): Promise<boolean> {
  return repos.imports.insert(entry);
}

/** Thrown inside a row's transaction to roll it back: another import recorded the row first. */
class AlreadyImported extends Error {
  constructor() {
    super('already imported');
  }
}

/** Thrown inside a row's transaction to roll back its claim: the pod had no WIP slot for it. */
class RowRefused extends Error {
  constructor(readonly refusal: WipLimitExceeded) {
    super(refusal.message);
  }
}

/** A conflict the storage raised because a concurrent transaction won a unique value (a derived key). */
const isRace = (error: ConflictError) =>
  !!error.details && typeof error.details === 'object' && 'cause' in error.details;

interface Planned<T> {
  line: number;
  externalId: string | null;
  value: T | null;
  problems: ImportProblem[];
  pod: Pod | null;
  existing?: ImportRecord;
  /** An idea's `submittedBy`, resolved to the user's id. */
  submitterId?: string;
}

const ENTITY: Record<ImportKind, ImportEntityType> = { projects: 'project', ideas: 'idea' };

function wipProblem(error: WipLimitExceeded): ImportProblem {
  return { field: 'pod', code: error.code, message: error.message };
}

/** A fault a use case throws for one row (a taken key, a refused pod) becomes that row's problem. */
function problemOf(error: DomainError): ImportProblem {
  const details = error.details;
  if (Array.isArray(details) && details.length)
    return { field: String(details[0].path ?? 'row'), code: error.code, message: details[0].message };
  const field =
    details && typeof details === 'object' && 'key' in details
      ? 'key'
      : details && typeof details === 'object' && 'pod' in details
        ? 'pod'
        : 'row';
  return { field, code: error.code, message: error.message };
}

/**
 * Imports projects and ideas exported from another tracker (seed §10). Every row is checked
 * completely first; a row with a problem is reported and not imported, and each valid row is created
 * in a transaction of its own (the entity, its WIP slot, its audit entry and its `import_records`
 * row), so a bad row never leaves part of itself behind and never stops the others. A row already
 * imported from the same source is skipped, which makes a re-run safe. A dry run checks and reports
 * the same way and writes nothing at all.
 */
export function createImportService(deps: Deps) {
  const { uow, clock, ids, policy } = deps;
  const stageNames = () => policy.stages.map((s) => s.name);

  function checkRequest(input: ImportInput): string {
    const source = typeof input.source === 'string' ? input.source.trim() : '';
    const problems = [];
    if (!source || source.length > IMPORT_SOURCE_MAX)
      problems.push({ path: 'source', message: `must be 1–${IMPORT_SOURCE_MAX} characters` });
    if (!Array.isArray(input.rows)) problems.push({ path: 'rows', message: 'must be an array of rows' });
    else if (input.rows.length > MAX_IMPORT_ROWS)
      problems.push({
        path: 'rows',
        message: `at most ${MAX_IMPORT_ROWS} rows per request (got ${input.rows.length}); send the rest in another`,
      });
    if (problems.length) throw new InvalidInputError(problems);
    return source;
  }

  /** Pods by slug, each read once per import; null for a slug no pod has. */
  function podCache() {
    const pods = new Map<string, Pod | null>();
    return async (slug: string) => {
      if (!pods.has(slug)) pods.set(slug, await uow.read.pods.bySlug(slug));
      return pods.get(slug)!;
    };
  }

  /** The pod a row names, or its problem: unknown, or outside the caller's pods. */
  async function resolvePod(
    ctx: Ctx,
    podOf: (slug: string) => Promise<Pod | null>,
    slug: string,
    problems: ImportProblem[],
  ): Promise<Pod | null> {
    const pod = await podOf(slug);
    if (!pod) {
      problems.push({ field: 'pod', code: 'unknown_pod', message: `no pod has the slug "${slug}"` });
      return null;
    }
    try {
      assertPodScope(ctx.actor, pod.id, pod.slug);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      problems.push({ field: 'pod', code: 'forbidden', message: `you may not import into pod "${slug}"` });
      return null;
    }
    return pod;
  }

  /** Marks rows a previous import created (skipped) and repeated external ids within the batch. */
  async function markKnown<T>(source: string, kind: ImportKind, planned: Planned<T>[]) {
    const existing = await uow.read.imports.findMany(
      source,
      ENTITY[kind],
      planned.flatMap((p) => (p.externalId ? [p.externalId] : [])),
    );
    const firstLine = new Map<string, number>();
    for (const p of planned) {
      if (!p.externalId) continue;
      const earlier = firstLine.get(p.externalId);
      if (earlier !== undefined)
        p.problems.push({
          field: 'externalId',
          code: 'duplicate',
          message: `"${p.externalId}" is also on line ${earlier}; each row needs its own id`,
        });
      else firstLine.set(p.externalId, p.line);
      const found = existing.get(p.externalId);
      if (found && earlier === undefined) p.existing = found;
    }
  }

  /**
   * How many more items of `itemType` each pod would take, for the dry run's prediction: the free
   * slots less those owed to items already waiting in the pod's queue.
   */
  function capacity(itemType: string) {
    const left = new Map<string, number>();
    const typed = policy.wip.types.some((t) => t.name === itemType);
    return async (pod: Pod): Promise<boolean> => {
      if (!typed) return true;
      if (!left.has(pod.id)) {
        const limit = effectiveLimit(deps, await uow.read.wip.storedLimits(pod.id), itemType);
        const used = await uow.read.wip.openCount(pod.id, itemType);
        const queued = (await uow.read.wip.countQueued(pod.id))[itemType] ?? 0;
        left.set(pod.id, limit - used - queued);
      }
      const n = left.get(pod.id)!;
      left.set(pod.id, n - 1);
      return n > 0;
    };
  }

  function summarise(source: string, kind: ImportKind, dryRun: boolean, rows: ImportRowResult[]) {
    const count = (o: ImportOutcome) => rows.filter((r) => r.outcome === o).length;
    return {
      dryRun,
      source,
      kind,
      created: count(dryRun ? 'would_create' : 'created'),
      skipped: count('skipped'),
      failed: count('failed'),
      rows,
    } satisfies ImportResult;
  }

  async function complete(ctx: Ctx, result: ImportResult): Promise<ImportResult> {
    if (result.dryRun) return result;
    const { source, kind, created, skipped, failed, dryRun } = result;
    await uow.run((repos) =>
      record(repos, ctx, clock.now(), {
        action: 'import.completed',
        subjectType: 'import',
        subjectId: source,
        after: { source, kind, created, skipped, failed, dryRun },
      }),
    );
    return result;
  }

  /**
   * Runs one row's transaction: the row is claimed first (its import record, whose unique index makes
   * a concurrent import of the same row wait for this transaction and then find it taken), then
   * `create` makes the entity, its slot and audit entry, and the record is pointed at it. A row
   * taken by another import is rolled back and reported skipped; one that lost a race on something
   * else (two new projects deriving the same key) is tried once more.
   */
  async function importRow(
    source: string,
    entityType: ImportEntityType,
    externalId: string,
    create: (repos: Repositories) => Promise<Result<{ id: string; key?: string }, WipLimitExceeded>>,
  ): Promise<
    | { outcome: 'created'; id: string; key?: string }
    | { outcome: 'skipped'; id?: string }
    | { outcome: 'failed'; problem: ImportProblem }
  > {
    for (let attempt = 1; ; attempt++) {
      try {
        const created = await uow.run(async (repos) => {
          const claim = { source, externalId, entityType, entityId: ids.uuid(), importedAt: clock.now() };
          if (!(await recordImportInTx(repos, claim))) throw new AlreadyImported();
          const result = await create(repos);
          // Nothing is kept of a refused row: its claim goes with the rollback.
          if (!result.ok) throw new RowRefused(result.error);
          await repos.imports.setEntity(source, externalId, entityType, result.value.id);
          return result.value;
        });
        return { outcome: 'created', ...created };
      } catch (error) {
        if (error instanceof AlreadyImported) {
          const existing = await uow.read.imports.find(source, externalId, entityType);
          return { outcome: 'skipped', ...(existing ? { id: existing.entityId } : {}) };
        }
        if (error instanceof RowRefused) return { outcome: 'failed', problem: wipProblem(error.refusal) };
        if (error instanceof ConflictError && attempt === 1 && isRace(error)) continue;
        if (error instanceof DomainError) return { outcome: 'failed', problem: problemOf(error) };
        throw error;
      }
    }
  }

  function failedRow(p: Planned<unknown>, extra: Partial<ImportRowResult> = {}): ImportRowResult {
    return { line: p.line, externalId: p.externalId, outcome: 'failed', ...extra, problems: p.problems };
  }

  return {
    /**
     * Projects from another tracker, each placed at its stage there (see `importProjectInTx`: gates
     * are not evaluated). Needs `projects:manage`; a pod-scoped caller (a pod lead) imports into
     * their own pods only, and a row for another pod fails on its own.
     */
    /** Where a project was imported from (source and the tracker's id), or null: integrations link on it. */
    async origin(projectId: string): Promise<{ source: string; externalId: string } | null> {
      const record = await uow.read.imports.byEntity('project', projectId);
      return record ? { source: record.source, externalId: record.externalId } : null;
    },

    async importProjects(ctx: Ctx, input: ImportInput): Promise<ImportResult> {
      assertCan(ctx.actor, 'projects:manage');
      const source = checkRequest(input);
      const dryRun = input.dryRun === true;
      const podOf = podCache();
      const names = stageNames();
      const keyLine = new Map<string, number>();
      const planned: Planned<ProjectImportRow>[] = [];
      for (const [index, row] of input.rows.entries()) {
        const checked = checkProjectRow(row);
        const line = lineOf(row, index);
        const { problems, fields } = checked;
        const pod = fields.pod ? await resolvePod(ctx, podOf, fields.pod, problems) : null;
        if (fields.stage && !names.includes(fields.stage))
          problems.push({
            field: 'stage',
            code: 'unknown_stage',
            message: `unknown stage "${fields.stage}" (stages: ${names.join(', ')})`,
          });
        const key = problems.some((p) => p.field === 'key') ? undefined : fields.key;
        if (key) {
          const earlier = keyLine.get(key);
          if (earlier !== undefined)
            problems.push({
              field: 'key',
              code: 'duplicate',
              message: `key "${key}" is also on line ${earlier}`,
            });
          else {
            keyLine.set(key, line);
            if (await uow.read.projects.byKey(key))
              problems.push({
                field: 'key',
                code: 'conflict',
                message: `project key "${key}" is already taken; choose another key`,
              });
          }
        }
        planned.push({ line, externalId: checked.externalId, value: checked.value, problems, pod });
      }
      await markKnown(source, 'projects', planned);

      const fits = capacity(PROJECT_WIP_TYPE);
      const rows: ImportRowResult[] = [];
      for (const p of planned) {
        const where = p.value ? { pod: p.value.pod, stage: p.value.stage ?? names[0]! } : {};
        if (p.existing) {
          // A row imported before is skipped even if it changed since: the import creates, never updates.
          rows.push({
            line: p.line,
            externalId: p.externalId,
            outcome: 'skipped',
            id: p.existing.entityId,
            ...where,
          });
          continue;
        }
        if (p.problems.length || !p.value || !p.pod) {
          rows.push(failedRow(p, where));
          continue;
        }
        const keyOf = p.value.key ? { key: p.value.key } : {};
        if (dryRun) {
          if (!(await fits(p.pod))) {
            p.problems.push({
              field: 'pod',
              code: 'wip_limit_exceeded',
              message: `pod "${p.pod.slug}" would be at its ${PROJECT_WIP_TYPE} WIP limit before this row`,
            });
            rows.push(failedRow(p, where));
          } else
            rows.push({
              line: p.line,
              externalId: p.externalId,
              outcome: 'would_create',
              ...where,
              ...keyOf,
            });
          continue;
        }
        const value = p.value;
        const pod = p.pod;
        const done = await importRow(source, 'project', value.externalId, async (repos) => {
          const created = await importProjectInTx(deps, repos, ctx, pod, {
            name: value.name,
            key: value.key,
            stage: value.stage,
            blockedReason: value.blockedReason,
            source,
            externalId: value.externalId,
            createdAt: value.createdAt,
          });
          return created.ok ? ok({ id: created.value.id, key: created.value.key }) : created;
        });
        if (done.outcome === 'failed') rows.push(failedRow({ ...p, problems: [done.problem] }, where));
        else rows.push({ line: p.line, externalId: p.externalId, ...where, ...keyOf, ...done });
      }
      return complete(ctx, summarise(source, 'projects', dryRun, rows));
    },

    /**
     * Ideas from another tracker, into the ledger as pending ideas. Needs `ideas:contribute`;
     * `submittedBy` credits an existing user (the importer when absent); a row for a pod takes one of
     * its idea WIP slots, as a submission does.
     */
    async importIdeas(ctx: Ctx, input: ImportInput): Promise<ImportResult> {
      assertCan(ctx.actor, 'ideas:contribute');
      const source = checkRequest(input);
      const dryRun = input.dryRun === true;
      const podOf = podCache();
      const users = new Map<string, User | null>();
      const planned: Planned<IdeaImportRow>[] = [];
      for (const [index, row] of input.rows.entries()) {
        const checked = checkIdeaRow(row);
        const line = lineOf(row, index);
        const { problems, value, fields } = checked;
        const pod = fields.pod ? await resolvePod(ctx, podOf, fields.pod, problems) : null;
        let submitterId: string | undefined;
        if (fields.submittedBy) {
          const email = fields.submittedBy.toLowerCase();
          if (!users.has(email)) users.set(email, await uow.read.users.byEmail(email));
          const user = users.get(email);
          if (!user)
            problems.push({
              field: 'submittedBy',
              code: 'unknown_user',
              message: `no user has the email "${fields.submittedBy}"`,
            });
          else submitterId = user.id;
        }
        planned.push({
          line,
          externalId: checked.externalId,
          value,
          problems,
          pod,
          ...(submitterId ? { submitterId } : {}),
        });
      }
      await markKnown(source, 'ideas', planned);

      const fits = capacity(IDEA_WIP_TYPE);
      const holdsSlots = policy.wip.types.some((t) => t.name === IDEA_WIP_TYPE);
      const rows: ImportRowResult[] = [];
      for (const p of planned) {
        const where = p.pod ? { pod: p.pod.slug } : {};
        if (p.existing) {
          rows.push({
            line: p.line,
            externalId: p.externalId,
            outcome: 'skipped',
            id: p.existing.entityId,
            ...where,
          });
          continue;
        }
        if (p.problems.length || !p.value) {
          rows.push(failedRow(p, where));
          continue;
        }
        if (dryRun) {
          if (p.pod && !(await fits(p.pod))) {
            p.problems.push({
              field: 'pod',
              code: 'wip_limit_exceeded',
              message: `pod "${p.pod.slug}" would be at its ${IDEA_WIP_TYPE} WIP limit before this row`,
            });
            rows.push(failedRow(p, where));
          } else rows.push({ line: p.line, externalId: p.externalId, outcome: 'would_create', ...where });
          continue;
        }
        const value = p.value;
        const pod = p.pod;
        const submittedBy = p.submitterId ?? ctx.actor.userId;
        const done = await importRow(source, 'idea', value.externalId, async (repos) => {
          const now = clock.now();
          const idea: Idea = {
            id: ids.uuid(),
            title: value.title,
            description: value.description ?? null,
            submittedBy,
            podId: pod?.id ?? null,
            evaluationScore: null,
            evaluationCount: 0,
            status: 'pending',
            promotedToProjectId: null,
            archivedReason: null,
            createdAt: now,
            updatedAt: now,
          };
          // As a submission: a pod evaluates only so many ideas at once (ideas/service.ts `submit`).
          if (pod && holdsSlots) {
            const slot = await acquireInTx(deps, repos, ctx, pod, IDEA_WIP_TYPE, idea.id);
            if (!slot.ok) return fail(slot.error);
          }
          await repos.ideas.insert(idea);
          await record(repos, ctx, now, {
            podId: pod?.id ?? null,
            action: 'idea.submitted',
            subjectType: 'idea',
            subjectId: idea.id,
            after: { title: idea.title, ...(pod ? { pod: pod.slug } : {}) },
            reason: `imported from ${source} (${value.externalId})`,
          });
          return ok({ id: idea.id });
        });
        if (done.outcome === 'failed') rows.push(failedRow({ ...p, problems: [done.problem] }, where));
        else rows.push({ line: p.line, externalId: p.externalId, ...where, ...done });
      }
      return complete(ctx, summarise(source, 'ideas', dryRun, rows));
    },
  };
}

export type ImportService = ReturnType<typeof createImportService>;
