/**
 * Finds, reads and validates `clos.config.yaml` once at start-up. Every problem comes back at once,
 * each prefixed with `file:line:col` where the file has a location for it, so an operator can fix the
 * whole file in one pass instead of restarting once per mistake.
 */
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ClosConfig,
  type ConfigProblem,
  formatConfigPath,
  listConfigProblems,
  safeParseConfig,
} from '@clos/contract';
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** The file looked for in the working directory when no `--config` is given. */
export const DEFAULT_CONFIG_FILE = 'clos.config.yaml';

/**
 * The built-in default model, used when there is no `--config` and no `./clos.config.yaml`. It is the
 * example file itself, so what people read as the example is exactly what runs by default.
 */
export const BUILT_IN_CONFIG_PATH = fileURLToPath(
  new URL('../../../clos.config.example.yaml', import.meta.url),
);

export type LoadConfigResult =
  | { ok: true; config: ClosConfig; source: string }
  | { ok: false; source: string; problems: string[] };

export type ParseConfigYamlResult = { ok: true; config: ClosConfig } | { ok: false; problems: string[] };

/**
 * Loads the configuration: `path` (resolved against `opts.cwd`) when given, else `clos.config.yaml` in
 * `opts.cwd` if it exists, else the built-in default. `source` is the absolute path of the file used
 * (compare with {@link BUILT_IN_CONFIG_PATH} to tell whether the default was used).
 */
export async function loadConfigFile(
  path: string | undefined,
  opts: { cwd: string },
): Promise<LoadConfigResult> {
  if (path !== undefined) return loadFrom(resolve(opts.cwd, path), path);
  const local = resolve(opts.cwd, DEFAULT_CONFIG_FILE);
  if (await exists(local)) return loadFrom(local, DEFAULT_CONFIG_FILE);
  return loadFrom(BUILT_IN_CONFIG_PATH, BUILT_IN_CONFIG_PATH);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    // Anything but "not there" (a permission problem, say) is left for the read to report.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

async function loadFrom(source: string, name: string): Promise<LoadConfigResult> {
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : `cannot read: ${(error as Error).message}`;
    return { ok: false, source, problems: [`${name}: ${reason}`] };
  }
  const parsed = parseConfigYaml(text, name);
  return parsed.ok
    ? { ok: true, config: parsed.config, source }
    : { ok: false, source, problems: parsed.problems };
}

/**
 * Parses and validates the text of a configuration file. `name` prefixes each problem line
 * (`name:line:col: path: message`). An empty file (or one holding only comments) is the default model.
 */
export function parseConfigYaml(text: string, name: string): ParseConfigYamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        const message =
          error.code === 'MULTIPLE_DOCS'
            ? 'a configuration file holds one YAML document; remove the extra "---"'
            : error.message;
        return `${name}:${line}:${col}: ${message}`;
      }),
    };
  }

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Unresolved aliases and alias bombs only surface when the document is converted.
    return { ok: false, problems: [`${name}: ${(error as Error).message}`] };
  }

  const result = safeParseConfig(data ?? {});
  if (result.success) return { ok: true, config: result.data };

  const located = listConfigProblems(result.error).map((problem, order) => ({
    problem,
    order,
    at: locate(doc, problem, lineCounter),
  }));
  // In file order, so the list reads top to bottom alongside the file; problems with no place in the
  // file (none expected, but a default could in principle be at fault) keep their order at the end.
  located.sort(
    (a, b) =>
      (a.at?.line ?? Number.POSITIVE_INFINITY) - (b.at?.line ?? Number.POSITIVE_INFINITY) ||
      (a.at?.col ?? 0) - (b.at?.col ?? 0) ||
      a.order - b.order,
  );
  return {
    ok: false,
    problems: located.map(({ problem, at }) => {
      const where = at ? `${name}:${at.line}:${at.col}` : name;
      return `${where}: ${formatConfigPath(problem.path)}: ${problem.message}`;
    }),
  };
}

/**
 * The position in the file of the deepest part of `problem.path` that the file spells out: a map entry
 * is located at its key, a sequence item at the item. When the path runs into a default (a key the
 * file leaves out), the position is that of the nearest written ancestor.
 */
function locate(
  doc: Document,
  problem: ConfigProblem,
  lineCounter: LineCounter,
): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const segment of problem.path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) break;
      if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) break;
      if (item.range) offset = item.range[0];
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset);
}
