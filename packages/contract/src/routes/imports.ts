/**
 * Imports from other trackers (seed §10): projects and ideas as rows of fields, from `clos import csv`
 * or any client. The request is refused (400) only when it is malformed as a whole; each row is
 * checked by the use case and reported on its own, so one bad row never refuses the others.
 */
import { IMPORT_FIELDS, IMPORT_SOURCE_MAX, MAX_IMPORT_ROWS } from '@clos/core';
import { z } from 'zod';
import { errorSchema } from '../api.ts';
import type { RouteDefinition } from './definition.ts';

const d = (description: string) => ({ description });

const row = (kind: 'projects' | 'ideas') =>
  z.record(z.string().max(100), z.unknown()).meta({
    description: `one ${kind === 'projects' ? 'project' : 'idea'}: ${IMPORT_FIELDS[kind].join(', ')} (text), and optionally \`line\`, the number the row is reported under (default: its position, from 1). Unknown fields, missing or invalid values are that row's problems, not a refusal of the request`,
  });

const importBody = (kind: 'projects' | 'ideas') =>
  z.strictObject({
    source: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(IMPORT_SOURCE_MAX, `must be at most ${IMPORT_SOURCE_MAX} characters`)
      .meta(
        d('where the rows come from (e.g. the CSV file name); a row already imported from it is skipped'),
      ),
    dryRun: z.boolean().default(false).meta(d('check and report what would happen; write nothing')),
    rows: z
      .array(row(kind))
      .max(MAX_IMPORT_ROWS, `at most ${MAX_IMPORT_ROWS} rows per request; send the rest in another`),
  });

export const importProjectsBody = importBody('projects');
export const importIdeasBody = importBody('ideas');

export const importProblemSchema = z.object({
  field: z.string().meta(d('the row field at fault (`row` for the row as a whole)')),
  code: z
    .string()
    .meta(
      d(
        'required, invalid, too_long, unknown_field, unknown_pod, unknown_stage, unknown_user, duplicate, conflict, forbidden, wip_limit_exceeded',
      ),
    ),
  message: z.string(),
});

export const importRowResultSchema = z.object({
  line: z.number().int(),
  externalId: z.string().nullable(),
  outcome: z.enum(['created', 'would_create', 'skipped', 'failed']),
  id: z.uuid().optional().meta(d('the project or idea created, or created by an earlier import (skipped)')),
  pod: z.string().optional(),
  stage: z.string().optional().meta(d("a project's stage")),
  key: z.string().optional().meta(d("a project's key")),
  problems: z.array(importProblemSchema).optional().meta(d('why the row failed; nothing of it was written')),
});

export const importResultSchema = z.object({
  dryRun: z.boolean(),
  source: z.string(),
  kind: z.enum(['projects', 'ideas']),
  created: z.number().int().meta(d('rows created (in a dry run: rows that would be)')),
  skipped: z.number().int(),
  failed: z.number().int(),
  rows: z.array(importRowResultSchema),
});

export const LINEAR_PROJECT_STATES = [
  'backlog',
  'planned',
  'started',
  'paused',
  'completed',
  'canceled',
] as const;

export const importLinearBody = z.strictObject({
  team: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{1,10}$/, 'must be a Linear team key (letters and digits, e.g. RAT)')
    .meta(d('the Linear team whose projects are imported, by key')),
  pod: z.string().trim().min(1, 'must not be empty').meta(d('the pod the projects are imported into')),
  stageMap: z
    .record(z.string(), z.string().trim().min(1, 'must not be empty'))
    .optional()
    .meta(
      d(
        'Linear project state (backlog, planned, started, paused, completed, canceled) → CLOS stage, or `skip`; over the defaults (docs/linear.md#import)',
      ),
    ),
  dryRun: z.boolean().default(false).meta(d('check and report what would happen; write nothing')),
});

export const importLinearResultSchema = importResultSchema.extend({
  team: z.string(),
  stateMap: z
    .record(z.string(), z.string().nullable())
    .meta(d('the mapping used: state → stage (null: skipped)')),
  skippedByState: z
    .array(z.object({ externalId: z.string(), name: z.string(), state: z.string() }))
    .meta(d('Linear projects not imported because their state maps to no stage')),
});

export const importRoutes = {
  importLinear: {
    method: 'POST',
    path: '/api/v1/imports/linear',
    body: importLinearBody,
    responses: { 200: importLinearResultSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema },
    permission: 'projects:manage',
    summary:
      "Import a Linear team's projects into a pod, linked both ways (404 when the Linear integration is off); per-project results",
    tags: ['imports'],
  },
  importProjects: {
    method: 'POST',
    path: '/api/v1/imports/projects',
    body: importProjectsBody,
    responses: { 200: importResultSchema, 400: errorSchema, 403: errorSchema },
    permission: 'projects:manage',
    summary:
      'Import projects from another tracker, each at its stage (gates not evaluated); per-row results, 200 even when rows failed',
    tags: ['imports'],
  },
  importIdeas: {
    method: 'POST',
    path: '/api/v1/imports/ideas',
    body: importIdeasBody,
    responses: { 200: importResultSchema, 400: errorSchema, 403: errorSchema },
    permission: 'ideas:contribute',
    summary: 'Import ideas into the ledger from another tracker; per-row results, 200 even when rows failed',
    tags: ['imports'],
  },
} as const satisfies Record<string, RouteDefinition>;
