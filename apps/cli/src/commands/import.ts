import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { EXIT, usageError } from '@clos/cli-kit';
import { IMPORT_FIELDS } from '@clos/core';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { action, collect, type Runtime, type Session } from '../context.ts';
import { CsvError, parseCsv } from '../csv.ts';

type Kind = 'projects' | 'ideas';

/**
 * Column headers read without `--map`, per field, first match wins: Jira's CSV export (`Issue key`,
 * `Summary`, `Status`, `Description`, `Created`), Plane's (`ID`, `Name`, `State`, `Description`,
 * `Created At`), and the field names themselves (as written, first). A tracker's header matches in
 * any case, ignoring surrounding spaces.
 */
export const DEFAULT_COLUMNS: Record<Kind, Record<string, readonly string[]>> = {
  projects: {
    externalId: ['externalId', 'Issue key', 'ID', 'External ID'],
    name: ['name', 'Summary', 'Name', 'Title'],
    pod: ['pod'],
    stage: ['stage', 'Status', 'State'],
    key: ['key', 'CLOS key'],
    blockedReason: ['blockedReason', 'Blocked reason'],
    createdAt: ['createdAt', 'Created', 'Created At'],
  },
  ideas: {
    externalId: ['externalId', 'Issue key', 'ID', 'External ID'],
    title: ['title', 'Summary', 'Name', 'Title'],
    description: ['description', 'Description'],
    pod: ['pod'],
    submittedBy: ['submittedBy', 'Submitted by', 'Reporter email'],
  },
};

// The API takes at most 5,000 rows and the server a 1 MiB body: larger files go in several requests.
const BATCH_ROWS = 1000;
const BATCH_BYTES = 768 * 1024;

const norm = (header: string) => header.trim().toLowerCase();

/** `--map "Issue key=externalId"` (repeatable); `Column=` leaves a column unread. */
export function parseMaps(pairs: readonly string[], kind: Kind): Map<string, string | null> {
  const maps = new Map<string, string | null>();
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const column = at > 0 ? pair.slice(0, at).trim() : '';
    const field = at > 0 ? pair.slice(at + 1).trim() : '';
    if (!column)
      throw usageError(`--map "${pair}": expected column=field, e.g. --map "Issue key=externalId"`);
    if (field && !(IMPORT_FIELDS[kind] as readonly string[]).includes(field))
      throw usageError(
        `--map "${pair}": "${field}" is not a field of ${kind} (fields: ${IMPORT_FIELDS[kind].join(', ')})`,
      );
    maps.set(norm(column), field || null);
  }
  return maps;
}

/** `--stage-map 'In Progress=build,Done=shipping'` → tracker status (any case) → CLOS stage. */
export function parseStageMap(value: string, previous: Map<string, string> = new Map()): Map<string, string> {
  const map = new Map(previous);
  for (const pair of value.split(',')) {
    if (!pair.trim()) continue;
    const at = pair.lastIndexOf('=');
    const status = at > 0 ? pair.slice(0, at).trim() : '';
    const stage = at > 0 ? pair.slice(at + 1).trim() : '';
    if (!status || !stage)
      throw new InvalidArgumentError(`"${pair.trim()}": expected status=stage, e.g. 'In Progress=build'`);
    map.set(norm(status), stage);
  }
  return map;
}

/** Which column index feeds each field: `--map` first, then the defaults in order. */
export function mapColumns(
  headers: readonly string[],
  kind: Kind,
  maps: Map<string, string | null>,
): Map<string, number> {
  const columns = new Map<string, number>();
  const headerAt = new Map<string, number>();
  headers.forEach((h, i) => {
    if (!headerAt.has(norm(h))) headerAt.set(norm(h), i);
  });
  for (const [column, field] of maps) {
    const at = headerAt.get(column);
    if (at === undefined)
      throw usageError(`--map: the file has no column "${column}"`, [`columns: ${headers.join(', ')}`]);
    if (field) columns.set(field, at);
  }
  const explicit = new Set(maps.keys());
  for (const [field, names] of Object.entries(DEFAULT_COLUMNS[kind])) {
    if (columns.has(field)) continue;
    for (const [i, name] of names.entries()) {
      // The field's own name matches as written (`name`, `title`); a tracker's header in any case.
      const at = i === 0 ? headers.findIndex((h) => h.trim() === name) : (headerAt.get(norm(name)) ?? -1);
      if (at === -1) continue;
      if (!explicit.has(norm(headers[at]!))) {
        columns.set(field, at);
        break;
      }
    }
  }
  return columns;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Jira writes dates as `02/Mar/26 9:05 AM` (its default format): read as UTC and sent as ISO 8601.
 * Anything else is sent as written, and the server says if it is not a date.
 */
export function isoDate(value: string): string {
  const m = /^(\d{1,2})\/([A-Za-z]{3})\/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?:\s*([AaPp][Mm]))?)?$/.exec(
    value.trim(),
  );
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (!m || month === -1) return value;
  const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  let hour = Number(m[4] ?? 0);
  if (m[6]) hour = (hour % 12) + (m[6].toLowerCase() === 'pm' ? 12 : 0);
  const date = new Date(Date.UTC(year, month, Number(m[1]), hour, Number(m[5] ?? 0)));
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

export interface CsvImportPlan {
  rows: Record<string, unknown>[];
  /** The column each field was read from, to name it in a row's problems. */
  columnOf: Map<string, string>;
}

/** The API rows of a CSV text: header, mapping, stage map and default pod applied. */
export function rowsFromCsv(
  text: string,
  kind: Kind,
  options: { maps: Map<string, string | null>; stageMap: Map<string, string>; pod?: string | undefined },
): CsvImportPlan {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) throw usageError(`not a valid CSV file: ${error.message}`);
    throw error;
  }
  const [header, ...body] = records;
  if (!header) throw usageError('the file is empty: expected a header line and rows');
  const columns = mapColumns(header.fields, kind, options.maps);
  if (!columns.has('externalId'))
    throw usageError(
      `no column for externalId: name one with --map "COLUMN=externalId" (default columns: ${DEFAULT_COLUMNS[kind].externalId!.slice(1).join(', ')})`,
      [`columns: ${header.fields.join(', ')}`],
    );
  const columnOf = new Map([...columns].map(([field, at]) => [field, header.fields[at]!.trim()]));
  const rows = body.map((record) => {
    const row: Record<string, unknown> = { line: record.line };
    for (const [field, at] of columns) {
      const value = record.fields[at] ?? '';
      if (value.trim() === '') continue;
      if (field === 'stage') row.stage = options.stageMap.get(norm(value)) ?? value.trim();
      else if (field === 'createdAt') row.createdAt = isoDate(value);
      else row[field] = value;
    }
    if (options.pod && row.pod === undefined) row.pod = options.pod;
    return row;
  });
  return { rows, columnOf };
}

/** Consecutive batches of at most BATCH_ROWS rows and about BATCH_BYTES of JSON. */
function batches(rows: Record<string, unknown>[]): Record<string, unknown>[][] {
  const out: Record<string, unknown>[][] = [];
  let current: Record<string, unknown>[] = [];
  let size = 0;
  for (const row of rows) {
    const bytes = Buffer.byteLength(JSON.stringify(row));
    if (current.length && (current.length >= BATCH_ROWS || size + bytes > BATCH_BYTES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += bytes + 1;
  }
  if (current.length) out.push(current);
  return out;
}

interface Problem {
  field: string;
  code: string;
  message: string;
}
interface RowResult {
  line: number;
  externalId: string | null;
  outcome: 'created' | 'would_create' | 'skipped' | 'failed';
  id?: string | undefined;
  pod?: string | undefined;
  stage?: string | undefined;
  key?: string | undefined;
  problems?: Problem[] | undefined;
}

/** What a row's problem says, naming the column it came from (or the flag that gave it). */
function problemText(p: Problem, columnOf: Map<string, string>, podFlag: boolean): string {
  const column = columnOf.get(p.field);
  const where = column
    ? `column "${column}"`
    : p.field === 'pod' && podFlag
      ? '--pod'
      : p.field === 'row'
        ? 'row'
        : `field ${p.field}`;
  return `${where}: ${p.message}`;
}

function details(row: RowResult, kind: Kind, columnOf: Map<string, string>, podFlag: boolean): string {
  const at = [row.stage ? `stage ${row.stage}` : null, row.pod ? `pod ${row.pod}` : null]
    .filter(Boolean)
    .join(', ');
  switch (row.outcome) {
    case 'created':
      return kind === 'projects' ? `project ${row.key} (${at})` : `idea ${row.id}${at ? ` (${at})` : ''}`;
    case 'would_create':
      return at || 'no pod';
    case 'skipped':
      return `imported before as ${row.id ?? 'an earlier row'}`;
    default:
      return (row.problems ?? []).map((p) => problemText(p, columnOf, podFlag)).join('; ');
  }
}

async function importCsv(
  s: Session,
  file: string,
  options: {
    kind: string;
    source?: string;
    map?: string[];
    pod?: string;
    stageMap?: Map<string, string>;
    dryRun?: boolean;
  },
) {
  if (options.kind !== 'projects' && options.kind !== 'ideas')
    throw usageError(`--kind: must be projects or ideas, got "${options.kind}"`);
  const kind: Kind = options.kind;
  let text: string;
  try {
    text = readFileSync(resolve(s.runtime.cwd, file), 'utf8');
  } catch (error) {
    throw usageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const source = options.source?.trim() || basename(file, extname(file));
  const { rows, columnOf } = rowsFromCsv(text, kind, {
    maps: parseMaps(options.map ?? [], kind),
    stageMap: options.stageMap ?? new Map(),
    pod: options.pod,
  });
  const dryRun = options.dryRun === true;
  const client = await s.client();
  const result = { dryRun, source, kind, created: 0, skipped: 0, failed: 0, rows: [] as RowResult[] };
  for (const batch of batches(rows)) {
    const body = { source, dryRun, rows: batch };
    const answer =
      kind === 'projects' ? await client.importProjects({ body }) : await client.importIdeas({ body });
    result.created += answer.created;
    result.skipped += answer.skipped;
    result.failed += answer.failed;
    result.rows.push(...answer.rows);
  }
  const exit = result.failed > 0 ? EXIT.failed : EXIT.ok;
  if (s.out.json) {
    s.out.printJson(result);
    return exit;
  }
  const podFlag = options.pod !== undefined;
  s.out.table(result.rows, [
    { header: 'LINE', value: (r) => r.line },
    { header: 'EXTERNAL ID', value: (r) => r.externalId },
    { header: 'OUTCOME', value: (r) => r.outcome.replace('_', ' ') },
    { header: 'DETAILS', value: (r) => details(r, kind, columnOf, podFlag) },
  ]);
  const noun = kind === 'projects' ? 'project' : 'idea';
  s.out.line();
  s.out.line(
    dryRun
      ? `dry run of ${source}: ${result.created} ${noun}(s) would be created, ${result.skipped} skipped, ${result.failed} failed; nothing was written`
      : `import of ${source}: ${result.created} ${noun}(s) created, ${result.skipped} skipped, ${result.failed} failed`,
  );
  return exit;
}

function registerCsvImport(group: Command, runtime: Runtime): void {
  group
    .command('csv')
    .description('import projects or ideas from a CSV export (Jira, Plane, any tracker); docs/import.md')
    .argument('<file>', 'the CSV file: a header line, then one row per project or idea')
    .requiredOption('--kind <kind>', 'what the rows are: projects or ideas')
    .option(
      '--source <name>',
      'where the rows come from; a re-run skips rows already imported from it (default: the file name without extension)',
    )
    .option(
      '--map <column=field>',
      'read a column as a field, e.g. "Issue key=externalId" ("Column=" ignores it); repeatable',
      collect,
    )
    .option('--pod <slug>', 'the pod of rows that name none')
    .option(
      '--stage-map <status=stage,...>',
      "tracker statuses to CLOS stages, e.g. 'In Progress=build,Done=shipping' (others are read as stage names)",
      parseStageMap,
    )
    .option('--dry-run', 'check every row and print what would happen; write nothing')
    .action(
      action<{
        kind: string;
        source?: string;
        map?: string[];
        pod?: string;
        stageMap?: Map<string, string>;
        dryRun?: boolean;
      }>(runtime, async (s, options, command) => importCsv(s, command.args[0] as string, options)),
    );
}

/**
 * The `import` group: one subcommand per source. A new source (`import linear`) registers its
 * subcommand on the group this returns, next to `csv` below.
 */
export function registerImportCommands(program: Command, runtime: Runtime): Command {
  const group = program
    .command('import')
    .description('import projects and ideas from other trackers (re-runs skip what was imported)');
  registerCsvImport(group, runtime);
  registerLinearImport(group, runtime);
  // More sources: register their subcommands on `group` here.
  return group;
}

/**
 * `clos import linear`: the server reads the team's projects with its own Linear credentials and
 * imports them (docs/linear.md#import); this prints what happened, or would.
 */
function registerLinearImport(group: Command, runtime: Runtime): void {
  group
    .command('linear')
    .description("import a Linear team's projects into a pod, linked both ways; docs/linear.md#import")
    .requiredOption('--team <key>', 'the Linear team, by key (RAT)')
    .requiredOption('--pod <slug>', 'the pod the projects join')
    .option(
      '--stage-map <state=stage,...>',
      "Linear project states to stages (or skip), e.g. 'started=build,paused=skip'; over the defaults",
      parseStageMap,
    )
    .option('--dry-run', 'read Linear and print what would happen; write nothing')
    .action(
      action<{ team: string; pod: string; stageMap?: Map<string, string>; dryRun?: boolean }>(
        runtime,
        async (s, options) => {
          const client = await s.client();
          const result = await client.importLinear({
            body: {
              team: options.team,
              pod: options.pod,
              dryRun: options.dryRun === true,
              ...(options.stageMap ? { stageMap: Object.fromEntries(options.stageMap) } : {}),
            },
          });
          const exit = result.failed > 0 ? EXIT.failed : EXIT.ok;
          if (s.out.json) {
            s.out.printJson(result);
            return exit;
          }
          s.out.table(result.rows, [
            { header: 'LINEAR PROJECT', value: (r) => r.externalId },
            { header: 'OUTCOME', value: (r) => r.outcome.replace('_', ' ') },
            { header: 'STAGE', value: (r) => r.stage ?? '' },
            {
              header: 'DETAILS',
              value: (r) =>
                (r.problems ?? []).map((p) => `${p.field}: ${p.message}`).join('; ') || (r.id ?? ''),
            },
          ]);
          for (const p of result.skippedByState) s.out.line(`not imported (${p.state}): ${p.name}`);
          s.out.line();
          s.out.line(
            result.dryRun
              ? `dry run of ${result.team}: ${result.created} project(s) would be created, ${result.skipped} skipped, ${result.failed} failed; nothing was written`
              : `import of ${result.team}: ${result.created} project(s) created and linked, ${result.skipped} skipped, ${result.failed} failed`,
          );
          return exit;
        },
      ),
    );
}
