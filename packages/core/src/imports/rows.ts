/**
 * One import row, checked on its own: every field by name, before anything is looked up. Rows come
 * from other trackers' exports (a CSV through `clos import csv`, or any JSON client), so every value
 * is untrusted: strings are trimmed, an empty one is an absent one, and each problem names its field
 * so the CLI can name the column it came from.
 */
import { PROJECT_KEY_MAX, projectKeyProblem } from '../stages/project-key.ts';

/** What an import creates. */
export type ImportKind = 'projects' | 'ideas';

/** One thing wrong with a row: the field (as named in the row), a stable code and a sentence. */
export interface ImportProblem {
  field: string;
  code: string;
  message: string;
}

export interface ProjectImportRow {
  externalId: string;
  name: string;
  pod: string;
  stage?: string | undefined;
  key?: string | undefined;
  blockedReason?: string | undefined;
  createdAt?: string | undefined;
}

export interface IdeaImportRow {
  externalId: string;
  title: string;
  description?: string | undefined;
  pod?: string | undefined;
  submittedBy?: string | undefined;
}

/** The fields a row of each kind may carry; `line` is the client's own numbering of the row. */
export const IMPORT_FIELDS = {
  projects: ['externalId', 'name', 'pod', 'stage', 'key', 'blockedReason', 'createdAt'],
  ideas: ['externalId', 'title', 'description', 'pod', 'submittedBy'],
} as const satisfies Record<ImportKind, readonly string[]>;

/** Longest accepted value per field (the columns' limits, or the API's for the same field). */
const MAX: Record<string, number> = {
  externalId: 255,
  name: 255,
  pod: 60,
  stage: 100,
  key: PROJECT_KEY_MAX,
  blockedReason: 2000,
  createdAt: 40,
  title: 500,
  description: 20_000,
  submittedBy: 320,
};

const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Checked<T> {
  /** The row, when it has no problem. */
  value: T | null;
  /** Every field that was read without a problem, to look up the rest of the row's problems. */
  fields: Partial<T>;
  externalId: string | null;
  problems: ImportProblem[];
}

/** Reads the row's fields as strings; what is wrong with each is added to `problems`. */
function reader(row: Record<string, unknown>, kind: ImportKind, problems: ImportProblem[]) {
  const allowed = new Set<string>([...IMPORT_FIELDS[kind], 'line']);
  for (const field of Object.keys(row))
    if (!allowed.has(field))
      problems.push({
        field,
        code: 'unknown_field',
        message: `is not a field of an imported ${kind === 'projects' ? 'project' : 'idea'} (fields: ${IMPORT_FIELDS[kind].join(', ')})`,
      });
  return (field: string, required: boolean): string | undefined => {
    const raw = row[field];
    let text: string | undefined;
    // A tracker's numeric id (Plane's sequence numbers) arrives as a JSON number from some clients.
    if (typeof raw === 'number' && field === 'externalId' && Number.isFinite(raw)) text = String(raw);
    else if (typeof raw === 'string') text = raw.trim() || undefined;
    else if (raw !== undefined && raw !== null) {
      problems.push({ field, code: 'invalid', message: 'must be text' });
      return undefined;
    }
    if (text === undefined) {
      if (required) problems.push({ field, code: 'required', message: 'is required' });
      return undefined;
    }
    const max = MAX[field]!;
    if (text.length > max) {
      problems.push({ field, code: 'too_long', message: `must be at most ${max} characters` });
      return undefined;
    }
    return text;
  };
}

/** A project row's fields, or every problem with them. Pods, stages and keys are looked up later. */
export function checkProjectRow(row: Record<string, unknown>): Checked<ProjectImportRow> {
  const problems: ImportProblem[] = [];
  const read = reader(row, 'projects', problems);
  const externalId = read('externalId', true);
  const name = read('name', true);
  const pod = read('pod', true);
  const stage = read('stage', false);
  const key = read('key', false);
  const blockedReason = read('blockedReason', false);
  const createdAt = read('createdAt', false);
  if (key !== undefined) {
    const problem = projectKeyProblem(key);
    if (problem) problems.push({ field: 'key', code: 'invalid', message: problem });
  }
  if (createdAt !== undefined && (!ISO_DATE_TIME.test(createdAt) || Number.isNaN(Date.parse(createdAt))))
    problems.push({
      field: 'createdAt',
      code: 'invalid',
      message: `"${createdAt.slice(0, 40)}" is not an ISO 8601 date or date-time (e.g. 2026-03-02T09:00:00Z)`,
    });
  const fields = { externalId, name, pod, stage, key, blockedReason, createdAt };
  const value = problems.length || !externalId || !name || !pod ? null : { ...fields, externalId, name, pod };
  return { value, fields, externalId: externalId ?? null, problems };
}

/** An idea row's fields, or every problem with them. */
export function checkIdeaRow(row: Record<string, unknown>): Checked<IdeaImportRow> {
  const problems: ImportProblem[] = [];
  const read = reader(row, 'ideas', problems);
  const externalId = read('externalId', true);
  const title = read('title', true);
  const description = read('description', false);
  const pod = read('pod', false);
  const submittedBy = read('submittedBy', false);
  if (submittedBy !== undefined && !EMAIL.test(submittedBy))
    problems.push({ field: 'submittedBy', code: 'invalid', message: 'must be an email address' });
  const fields = { externalId, title, description, pod, submittedBy };
  const value = problems.length || !externalId || !title ? null : { ...fields, externalId, title };
  return { value, fields, externalId: externalId ?? null, problems };
}

/** The line a row reports under: the client's own `line` when it gave a usable one, else its position. */
export function lineOf(row: Record<string, unknown>, index: number): number {
  const line = row.line;
  return typeof line === 'number' && Number.isSafeInteger(line) && line > 0 ? line : index + 1;
}
