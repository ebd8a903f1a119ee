import type { IdeaRepository } from '@clos/core';
import { and, asc, desc, eq } from 'drizzle-orm';
import { newestFirst, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

export function ideaRepository(db: Db): IdeaRepository {
  return {
    async insert(idea) {
      await db.insert(t.ideas).values(idea);
    },
    async lockById(id) {
      return (await db.select().from(t.ideas).where(eq(t.ideas.id, id)).for('update'))[0] ?? null;
    },
    async byId(id) {
      return (await db.select().from(t.ideas).where(eq(t.ideas.id, id)))[0] ?? null;
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
      return pageOf(rows, limit, (i) => [i.createdAt.toISOString(), i.id]);
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
