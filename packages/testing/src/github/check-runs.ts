import { isObject } from './http.ts';
import { isoSeconds } from './wire.ts';

/**
 * Check runs as GitHub's Checks API keeps them: a create or update body is validated whole before
 * anything changes, a conclusion completes the run, and annotations are appended per request (at most
 * 50 per request) rather than replaced.
 */

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunOutput {
  title: string | null;
  summary: string | null;
  text: string | null;
}

/** One request that created or updated a check run, and the run's state after it. */
export interface CheckRunVersion {
  action: 'created' | 'updated';
  at: string;
  request: Record<string, unknown>;
  status: string;
  conclusion: string | null;
  output: CheckRunOutput;
  annotationsAdded: number;
}

export interface StoredRun {
  id: number;
  repo: string;
  headSha: string;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string;
  detailsUrl: string | null;
  output: CheckRunOutput;
  annotations: CheckRunAnnotation[];
  suiteId: number;
  installationId: number | undefined;
  versions: CheckRunVersion[];
}

const CHECK_STATUSES = new Set(['queued', 'in_progress', 'completed']);
const CHECK_CONCLUSIONS = new Set([
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
]);
const ANNOTATION_LEVELS = new Set(['notice', 'warning', 'failure']);

/** What is wrong with a create/update body, in GitHub's 422 wording; undefined when it is acceptable. */
export function checkRunProblem(
  body: Record<string, unknown>,
  creating: boolean,
  current?: StoredRun,
): string | undefined {
  const missing = (field: string) => `"${field}" wasn't supplied.`;
  for (const field of ['name', 'head_sha', 'details_url', 'external_id', 'started_at', 'completed_at']) {
    if (body[field] !== undefined && typeof body[field] !== 'string') {
      return `For '${field}', ${JSON.stringify(body[field])} is not a string.`;
    }
  }
  if (creating && (typeof body.name !== 'string' || body.name === '')) return missing('name');
  if (creating && typeof body.head_sha !== 'string') return missing('head_sha');
  if (body.status !== undefined && !CHECK_STATUSES.has(String(body.status))) {
    return `For 'status', ${JSON.stringify(body.status)} is not a member of ["queued", "in_progress", "completed"].`;
  }
  if (body.conclusion !== undefined && !CHECK_CONCLUSIONS.has(String(body.conclusion))) {
    return `For 'conclusion', ${JSON.stringify(body.conclusion)} is not a valid conclusion.`;
  }
  const completing = body.status === 'completed' || body.completed_at !== undefined;
  if (completing && body.conclusion === undefined && !current?.conclusion) return missing('conclusion');
  for (const field of ['started_at', 'completed_at']) {
    if (typeof body[field] === 'string' && Number.isNaN(Date.parse(body[field] as string))) {
      return `For '${field}', ${JSON.stringify(body[field])} is not a valid date-time.`;
    }
  }
  if (body.output === undefined) return undefined;
  if (!isObject(body.output)) return `For 'output', ${JSON.stringify(body.output)} is not an object.`;
  const output = body.output;
  // Create needs a title and a summary; update needs only the summary (GitHub's schemas).
  if (creating && typeof output.title !== 'string') return missing('title');
  if (typeof output.summary !== 'string') return missing('summary');
  if (output.title !== undefined && typeof output.title !== 'string')
    return `For 'title', it is not a string.`;
  if (output.summary.length > 65535) return `"summary" is too long (maximum is 65535 characters).`;
  if (typeof output.text === 'string' && output.text.length > 65535) {
    return `"text" is too long (maximum is 65535 characters).`;
  }
  if (output.annotations === undefined) return undefined;
  if (!Array.isArray(output.annotations)) return `For 'annotations', it is not an array.`;
  if (output.annotations.length > 50) {
    return `No more than 50 items are allowed; ${output.annotations.length} were supplied.`;
  }
  for (const a of output.annotations as unknown[]) {
    if (!isObject(a)) return 'An annotation is not an object.';
    for (const field of ['path', 'message']) if (typeof a[field] !== 'string') return missing(field);
    for (const field of ['start_line', 'end_line']) {
      if (!Number.isInteger(a[field]) || (a[field] as number) < 1) return missing(field);
    }
    if ((a.end_line as number) < (a.start_line as number))
      return `"end_line" must not be before "start_line".`;
    if (!ANNOTATION_LEVELS.has(String(a.annotation_level))) return missing('annotation_level');
    if ((a.start_column !== undefined || a.end_column !== undefined) && a.start_line !== a.end_line) {
      return 'Annotations only support start_column and end_column on the same line.';
    }
  }
  return undefined;
}

/** Applies a body `checkRunProblem` accepted, and records the request as a version of the run. */
export function applyCheckRun(
  run: StoredRun,
  body: Record<string, unknown>,
  action: 'created' | 'updated',
  nowMs: number,
): void {
  const at = isoSeconds(nowMs);
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  if (typeof body.started_at === 'string') run.startedAt = isoSeconds(body.started_at);
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    // As on GitHub: a conclusion completes the run.
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (typeof body.completed_at === 'string') run.completedAt = isoSeconds(body.completed_at);
  if (run.status === 'completed' && run.completedAt === null) run.completedAt = at;
  if (run.status !== 'queued' && run.startedAt === null) run.startedAt = at;
  let added = 0;
  if (isObject(body.output)) {
    const output = body.output;
    run.output = {
      title: typeof output.title === 'string' ? output.title : run.output.title,
      summary: typeof output.summary === 'string' ? output.summary : run.output.summary,
      text: typeof output.text === 'string' ? output.text : run.output.text,
    };
    // Annotations accumulate across requests: GitHub appends each request's to the run's list.
    const annotations = (Array.isArray(output.annotations) ? output.annotations : []) as CheckRunAnnotation[];
    for (const a of annotations) run.annotations.push({ ...a });
    added = annotations.length;
  }
  run.versions.push({
    action,
    at,
    request: structuredClone(body),
    status: run.status,
    conclusion: run.conclusion,
    output: { ...run.output },
    annotationsAdded: added,
  });
}
