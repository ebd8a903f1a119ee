import type { DemoRepository, WeeklyDemo } from '@clos/core';
import { and, asc, desc, eq, lt, sql } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const toDemo = (r: typeof t.weeklyDemos.$inferSelect): WeeklyDemo => r;

const submissionColumns = {
  id: t.demoSubmissions.id,
  demoId: t.demoSubmissions.demoId,
  userId: t.demoSubmissions.userId,
  title: t.demoSubmissions.title,
  description: t.demoSubmissions.description,
  projectId: t.demoSubmissions.projectId,
  url: t.demoSubmissions.url,
  position: t.demoSubmissions.position,
  createdAt: t.demoSubmissions.createdAt,
  userEmail: t.users.email,
  userName: t.users.name,
};

/** Weekly demos, their submissions and feedback. */
export function demoRepository(db: Db): DemoRepository {
  return {
    async insertDemo(d) {
      const rows = await db
        .insert(t.weeklyDemos)
        .values(d)
        .onConflictDoNothing({ target: [t.weeklyDemos.podId, t.weeklyDemos.week] })
        .returning({ id: t.weeklyDemos.id });
      return rows.length === 1;
    },
    async demoByWeek(podId, week, forUpdate = false) {
      const query = db
        .select()
        .from(t.weeklyDemos)
        .where(and(eq(t.weeklyDemos.podId, podId), eq(t.weeklyDemos.week, week)));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ? toDemo(row) : null;
    },
    async demoById(id, forUpdate = false) {
      const query = db.select().from(t.weeklyDemos).where(eq(t.weeklyDemos.id, id));
      const [row] = forUpdate ? await query.for('update') : await query;
      return row ? toDemo(row) : null;
    },
    async updateDemo(id, patch) {
      await db.update(t.weeklyDemos).set(patch).where(eq(t.weeklyDemos.id, id));
    },
    async list(podId, { limit, cursor }) {
      const after = decodeCursor(cursor, ['text']);
      const rows = await db
        .select()
        .from(t.weeklyDemos)
        .where(and(eq(t.weeklyDemos.podId, podId), after ? lt(t.weeklyDemos.week, after[0]) : undefined))
        .orderBy(desc(t.weeklyDemos.week))
        .limit(limit + 1);
      return pageOf(rows.map(toDemo), limit, (d) => [d.week]);
    },
    async insertSubmission(s) {
      await db.insert(t.demoSubmissions).values(s);
    },
    async submissionById(id) {
      const [row] = await db
        .select(submissionColumns)
        .from(t.demoSubmissions)
        .innerJoin(t.users, eq(t.users.id, t.demoSubmissions.userId))
        .where(eq(t.demoSubmissions.id, id));
      return row ?? null;
    },
    async submissions(demoId) {
      return db
        .select(submissionColumns)
        .from(t.demoSubmissions)
        .innerJoin(t.users, eq(t.users.id, t.demoSubmissions.userId))
        .where(eq(t.demoSubmissions.demoId, demoId))
        .orderBy(
          sql`${t.demoSubmissions.position} asc nulls last`,
          asc(t.demoSubmissions.createdAt),
          asc(t.demoSubmissions.id),
        );
    },
    async setPosition(submissionId, position) {
      await db.update(t.demoSubmissions).set({ position }).where(eq(t.demoSubmissions.id, submissionId));
    },
    async feedbackBy(submissionId, userId) {
      const [row] = await db
        .select()
        .from(t.demoFeedback)
        .where(and(eq(t.demoFeedback.submissionId, submissionId), eq(t.demoFeedback.userId, userId)));
      return row ?? null;
    },
    async upsertFeedback(f) {
      const [stored] = await db
        .insert(t.demoFeedback)
        .values(f)
        .onConflictDoUpdate({
          target: [t.demoFeedback.submissionId, t.demoFeedback.userId],
          set: { score: f.score, comment: f.comment, createdAt: f.createdAt },
        })
        .returning();
      return stored!;
    },
    async pulseBy(demoId, userId) {
      const [row] = await db
        .select()
        .from(t.demoPulses)
        .where(and(eq(t.demoPulses.demoId, demoId), eq(t.demoPulses.userId, userId)));
      return row ?? null;
    },
    async upsertPulse(p) {
      const [stored] = await db
        .insert(t.demoPulses)
        .values(p)
        .onConflictDoUpdate({
          target: [t.demoPulses.demoId, t.demoPulses.userId],
          set: { score: p.score, createdAt: p.createdAt },
        })
        .returning();
      return stored!;
    },
    async feedbackForDemo(demoId) {
      const rows = await db
        .select({ feedback: t.demoFeedback })
        .from(t.demoFeedback)
        .innerJoin(t.demoSubmissions, eq(t.demoSubmissions.id, t.demoFeedback.submissionId))
        .where(eq(t.demoSubmissions.demoId, demoId))
        .orderBy(asc(t.demoFeedback.createdAt), asc(t.demoFeedback.id));
      return rows.map((r) => r.feedback);
    },
  };
}
