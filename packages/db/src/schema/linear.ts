import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/** The Linear project a CLOS project is linked to (created on its first stage entry, or imported). */
export const linearProjects = pgTable('linear_projects', {
  projectId: uuid('project_id')
    .primaryKey()
    .references(() => projects.id),
  /** Linear's id of the project (a UUID). */
  linearId: text('linear_id').notNull().unique(),
  /** The team (by key, `RAT`) the project belongs to. */
  teamKey: text('team_key').notNull(),
  name: text('name').notNull(),
  url: text('url'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/**
 * A Linear issue of a linked project, as CLOS last saw it: created from a stage's template (`stage`
 * and `templateIndex` set), or added by hand in Linear (`templateIndex` null; `stage` is the stage
 * the project was in when CLOS first saw it). `stateType` is Linear's workflow state type: `triage`,
 * `backlog`, `unstarted`, `started`, `completed` or `canceled`.
 */
export const linearIssues = pgTable(
  'linear_issues',
  {
    linearId: text('linear_id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    stage: text('stage').notNull(),
    templateIndex: integer('template_index'),
    /** `RAT-12`. */
    identifier: text('identifier').notNull(),
    title: text('title').notNull(),
    url: text('url'),
    stateType: text('state_type').notNull(),
    stateName: text('state_name').notNull(),
    /** Deleted or moved out of the linked project in Linear: no longer counted. */
    removedAt: timestamp('removed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('linear_issues_project_stage_idx').on(t.projectId, t.stage),
    uniqueIndex('linear_issues_template_uq')
      .on(t.projectId, t.stage, t.templateIndex)
      .where(sql`${t.templateIndex} is not null`),
    check(
      'linear_issues_state_type_check',
      sql`${t.stateType} in ('triage', 'backlog', 'unstarted', 'started', 'completed', 'canceled')`,
    ),
  ],
);

/**
 * What an import created, by its source's id (`csv:<file key>` or `linear:<project id>`): a re-run
 * finds the row and skips it instead of creating it twice.
 */
export const importRecords = pgTable(
  'import_records',
  {
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    entityType: text('entity_type', { enum: ['project', 'idea'] }).notNull(),
    entityId: uuid('entity_id').notNull(),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('import_records_source_uq').on(t.source, t.externalId, t.entityType),
    check('import_records_entity_type_check', sql`${t.entityType} in ('project', 'idea')`),
  ],
);
