/**
 * Text output for people (aligned tables, colour only on a terminal) and `--json` for machines. Results
 * go to stdout; errors and hints go to stderr so that `clos … --json | jq` never sees them.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

export interface Output {
  json: boolean;
  /** Writes a line (or lines) to stdout. */
  line(text?: string): void;
  /** Writes a line to stderr. */
  note(text: string): void;
  /** Prints `value` as JSON, exactly as received. Returns nothing, so a handler can `return` it. */
  printJson(value: unknown): undefined;
  table<T>(rows: readonly T[], columns: Column<T>[]): void;
  /** Two-column `key  value` listing of one record. */
  fields(entries: [string, unknown][]): void;
  style(style: Style, text: string): string;
}

/** Renders a cell: absent values as `-`, dates and objects compactly. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(cell).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Aligns rows under their headers; the last column is not padded so lines carry no trailing spaces. */
export function formatTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(headers), ...rows.map(render)];
}

export function createOutput(options: {
  json: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  // https://no-color.org; FORCE_COLOR lets a CI log viewer that renders ANSI ask for it.
  const colour = (stream: NodeJS.WriteStream) =>
    !env.NO_COLOR && (Boolean(env.FORCE_COLOR) || (stream.isTTY ?? false));
  const paint = (stream: NodeJS.WriteStream, style: Style, text: string) =>
    colour(stream) ? styleText(style, text, { validateStream: false }) : text;

  const out: Output = {
    json: options.json,
    line: (text = '') => stdout.write(`${text}\n`),
    note: (text) => stderr.write(`${text}\n`),
    printJson: (value) => {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return undefined;
    },
    style: (style, text) => paint(stdout, style, text),
    table(rows, columns) {
      if (rows.length === 0) {
        out.line(paint(stdout, 'dim', '(none)'));
        return;
      }
      const [head, ...body] = formatTable(
        columns.map((c) => c.header),
        rows.map((row) => columns.map((c) => cell(c.value(row)))),
      );
      out.line(paint(stdout, 'bold', head ?? ''));
      for (const row of body) out.line(row);
    },
    fields(entries) {
      const width = Math.max(...entries.map(([k]) => k.length));
      for (const [key, value] of entries)
        out.line(`${paint(stdout, 'bold', key.padEnd(width))}  ${cell(value)}`);
    },
  };
  return out;
}
