import { randomUUID } from 'node:crypto';
import type { WorkflowRepository, WorkflowRun, WorkflowStep } from '@clos/core';
import { and, asc, desc, eq, inArray, isNotNull, lt, notInArray, or, sql } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const toRun = (r: typeof t.workflowRuns.$inferSelect): WorkflowRun => ({ ...r, podId: r.podId ?? null });
const toStep = (s: typeof t.workflowSteps.$inferSelect): WorkflowStep => s;

export function workflowRepository(db: Db): WorkflowRepository {
  return {
    async createRun(run, steps) {
      const inserted = await db
        .insert(t.workflowRuns)
        .values({ ...run, input: run.input ?? {}, status: 'queued', attempts: 0 })
        .onConflictDoNothing({ target: t.workflowRuns.key })
        .returning();
      const row = inserted[0];
      if (!row) return null;
      if (steps.length > 0)
        await db.insert(t.workflowSteps).values(
          steps.map((name, position) => ({
            id: randomUUID(),
            runId: row.id,
            name,
            position,
            status: 'pending' as const,
          })),
        );
      return toRun(row);
    },
    async runById(id) {
      const [row] = await db.select().from(t.workflowRuns).where(eq(t.workflowRuns.id, id));
      return row ? toRun(row) : null;
    },
    async runByKey(key) {
      const [row] = await db.select().from(t.workflowRuns).where(eq(t.workflowRuns.key, key));
      return row ? toRun(row) : null;
    },
    async lockRun(id) {
      const [row] = await db.select().from(t.workflowRuns).where(eq(t.workflowRuns.id, id)).for('update');
      return row ? toRun(row) : null;
    },
    async updateRun(id, patch) {
      await db.update(t.workflowRuns).set(patch).where(eq(t.workflowRuns.id, id));
    },
    async list(f, { limit, cursor }) {
      const after = decodeCursor(cursor, ['timestamp', 'uuid']);
      const conditions = [
        f.workflow ? eq(t.workflowRuns.workflow, f.workflow) : undefined,
        f.podId ? eq(t.workflowRuns.podId, f.podId) : undefined,
        f.podIds ? (f.podIds.length ? inArray(t.workflowRuns.podId, f.podIds) : sql`false`) : undefined,
        f.podIds ? isNotNull(t.workflowRuns.podId) : undefined,
        f.status ? eq(t.workflowRuns.status, f.status) : undefined,
        after
          ? or(
              lt(t.workflowRuns.createdAt, after[0]),
              and(eq(t.workflowRuns.createdAt, after[0]), lt(t.workflowRuns.id, after[1])),
            )
          : undefined,
      ];
      const rows = await db
        .select()
        .from(t.workflowRuns)
        .where(and(...conditions))
        .orderBy(desc(t.workflowRuns.createdAt), desc(t.workflowRuns.id))
        .limit(limit + 1);
      return pageOf(rows.map(toRun), limit, (r) => [r.createdAt.toISOString(), r.id]);
    },
    async steps(runId) {
      const rows = await db
        .select()
        .from(t.workflowSteps)
        .where(eq(t.workflowSteps.runId, runId))
        .orderBy(asc(t.workflowSteps.position));
      return rows.map(toStep);
    },
    async markStepRunning(runId, name, at) {
      const rows = await db
        .update(t.workflowSteps)
        .set({
          status: 'running',
          attempts: sql`${t.workflowSteps.attempts} + 1`,
          startedAt: at,
          error: null,
          finishedAt: null,
        })
        .where(
          and(
            eq(t.workflowSteps.runId, runId),
            eq(t.workflowSteps.name, name),
            notInArray(t.workflowSteps.status, ['succeeded', 'skipped']),
          ),
        )
        .returning({ id: t.workflowSteps.id });
      return rows.length === 1;
    },
    async lockStep(runId, name) {
      const [row] = await db
        .select()
        .from(t.workflowSteps)
        .where(and(eq(t.workflowSteps.runId, runId), eq(t.workflowSteps.name, name)))
        .for('update');
      return row ? toStep(row) : null;
    },
    async updateStep(runId, name, patch) {
      await db
        .update(t.workflowSteps)
        .set(patch)
        .where(and(eq(t.workflowSteps.runId, runId), eq(t.workflowSteps.name, name)));
    },
    async addStep(runId, name, position) {
      await db
        .insert(t.workflowSteps)
        .values({ id: randomUUID(), runId, name, position, status: 'pending' })
        .onConflictDoNothing();
    },
    async claimJobKey(key, at) {
      const rows = await db
        .insert(t.jobKeys)
        .values({ key, createdAt: at })
        .onConflictDoNothing()
        .returning();
      return rows.length === 1;
    },
  };
}
