import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';
import { users } from './users.ts';

export const stageTransitions = pgTable(
  'stage_transitions',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    fromStage: text('from_stage'),
    toStage: text('to_stage').notNull(),
    /** The evidence the gate accepted, frozen at the moment of the transition. */
    evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull(),
    approvedBy: uuid('approved_by').array().notNull(),
    actorId: uuid('actor_id').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('stage_transitions_project_idx').on(t.projectId, t.createdAt)],
);
