import type { LinearIssueLink, LinearProjectLink, LinearRepository, LinearStateType } from '@clos/core';
import { and, asc, count, eq, isNull, max } from 'drizzle-orm';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const p = t.linearProjects;
const i = t.linearIssues;

const toIssue = (row: typeof i.$inferSelect): LinearIssueLink => ({
  ...row,
  stateType: row.stateType as LinearStateType,
});

export function linearRepository(db: Db): LinearRepository {
  return {
    async projectLink(projectId) {
      const [row] = await db.select().from(p).where(eq(p.projectId, projectId));
      return row ?? null;
    },
    async projectLinkByLinearId(linearId) {
      const [row] = await db.select().from(p).where(eq(p.linearId, linearId));
      return row ?? null;
    },
    async projectLinks() {
      return db.select().from(p).orderBy(asc(p.createdAt), asc(p.projectId));
    },
    async insertProjectLink(link: LinearProjectLink) {
      const rows = await db.insert(p).values(link).onConflictDoNothing().returning({ id: p.projectId });
      return rows.length > 0;
    },
    async touchProjectLink(projectId, at) {
      await db.update(p).set({ updatedAt: at }).where(eq(p.projectId, projectId));
    },
    async issues(projectId, options = {}) {
      const rows = await db
        .select()
        .from(i)
        .where(
          and(
            eq(i.projectId, projectId),
            options.stage === undefined ? undefined : eq(i.stage, options.stage),
            options.includeRemoved ? undefined : isNull(i.removedAt),
          ),
        )
        .orderBy(asc(i.createdAt), asc(i.templateIndex), asc(i.identifier));
      return rows.map(toIssue);
    },
    async issue(linearId) {
      const [row] = await db.select().from(i).where(eq(i.linearId, linearId));
      return row ? toIssue(row) : null;
    },
    async lockIssue(linearId) {
      const [row] = await db.select().from(i).where(eq(i.linearId, linearId)).for('update');
      return row ? toIssue(row) : null;
    },
    async templateIssue(projectId, stage, templateIndex) {
      const [row] = await db
        .select()
        .from(i)
        .where(and(eq(i.projectId, projectId), eq(i.stage, stage), eq(i.templateIndex, templateIndex)));
      return row ? toIssue(row) : null;
    },
    async insertIssue(issue) {
      // Either key may be taken: the issue's id (seen before) or its template slot (created before).
      const rows = await db.insert(i).values(issue).onConflictDoNothing().returning({ id: i.linearId });
      return rows.length > 0;
    },
    async updateIssue(linearId, patch) {
      await db.update(i).set(patch).where(eq(i.linearId, linearId));
    },
    async summary() {
      const [projects] = await db.select({ n: count(), last: max(p.updatedAt) }).from(p);
      const [issues] = await db
        .select({ n: count(), last: max(i.updatedAt) })
        .from(i)
        .where(isNull(i.removedAt));
      const times = [projects?.last, issues?.last].filter((d): d is Date => d instanceof Date);
      return {
        projects: Number(projects?.n ?? 0),
        issues: Number(issues?.n ?? 0),
        lastSyncAt: times.length ? new Date(Math.max(...times.map((d) => d.getTime()))) : null,
      };
    },
  };
}
