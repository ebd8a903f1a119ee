import { jsonb, numeric, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ideas } from './ideas.ts';
import { users } from './users.ts';

export const ideaEvaluations = pgTable(
  'idea_evaluations',
  {
    id: uuid('id').primaryKey(),
    ideaId: uuid('idea_id')
      .notNull()
      .references(() => ideas.id),
    evaluatorId: uuid('evaluator_id')
      .notNull()
      .references(() => users.id),
    scores: jsonb('scores').$type<Record<string, number>>().notNull(),
    score: numeric('score', { precision: 3, scale: 2, mode: 'number' }).notNull(),
    comment: text('comment'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('idea_evaluations_one_per_evaluator_uq').on(t.ideaId, t.evaluatorId)],
);
