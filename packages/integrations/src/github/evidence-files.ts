/**
 * Evidence as code: a pull request that adds or changes `<evidencePath>/<stage>.json|yaml|yml` has
 * the file checked against that stage's gate schema, each problem reported on its line, and the file
 * submitted as the project's evidence when the pull request merges. Pure: the module fetches, this
 * judges, so every rule is tested without GitHub.
 */
import type { GateValidators, StagePolicy } from '@clos/core';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** Files larger than this are not read: evidence is a page of fields, not a data dump. */
export const MAX_EVIDENCE_BYTES = 256 * 1024;
/** GitHub takes at most 50 annotations per check-run request. */
export const MAX_ANNOTATIONS = 50;

export type EvidenceFileMatch =
  | { kind: 'evidence'; path: string; stage: string; format: 'json' | 'yaml' }
  /** In the evidence folder and shaped like one, but naming no stage that has a gate. */
  | { kind: 'unknown_stage'; path: string; stage: string };

/** Whether `path` is an evidence file under `folder`: `<folder>/<stage>.json`, `.yaml` or `.yml`. */
export function matchEvidenceFile(
  path: string,
  folder: string,
  stages: readonly Pick<StagePolicy, 'name' | 'gate'>[],
): EvidenceFileMatch | null {
  if (!path.startsWith(`${folder}/`)) return null;
  const m = /^([^/]+)\.(json|ya?ml)$/i.exec(path.slice(folder.length + 1));
  if (!m) return null;
  const stage = m[1]!;
  const format = m[2]!.toLowerCase() === 'json' ? 'json' : 'yaml';
  return stages.some((s) => s.name === stage && s.gate)
    ? { kind: 'evidence', path, stage, format }
    : { kind: 'unknown_stage', path, stage };
}

export interface FileProblem {
  /** 1-based. */
  line: number;
  message: string;
}

export interface EvidenceFileCheck {
  path: string;
  stage: string;
  /** The parsed document when it is valid evidence; null otherwise. */
  data: Record<string, unknown> | null;
  problems: FileProblem[];
}

/**
 * A JSON syntax error as a line and words, from V8's message: Node 22 names the line, Node 20 the
 * offset for most errors and nothing for an unexpected token (line 1 then). The piece of the file
 * V8 quotes is dropped: the annotation already sits on the file.
 */
function jsonSyntaxProblem(text: string, message: string): FileProblem {
  const words = message
    .replace(/,\s*(\.\.\.)?".*" is not valid JSON$/s, '')
    .replace(/\s*\(line \d+ column \d+\)$/, '');
  const line = /line (\d+)/.exec(message);
  const position = /position (\d+)/.exec(message);
  return {
    line: line ? Number(line[1]) : position ? text.slice(0, Number(position[1])).split('\n').length : 1,
    message: `not valid JSON: ${words}`,
  };
}

/** The line a pointer's deepest existing part starts on: a field's key, an item, or the document. */
function lineOf(root: Node | null, at: readonly string[], lines: LineCounter): number {
  let node: Node | null = root;
  let offset = root?.range?.[0] ?? 0;
  for (const segment of at) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = (pair.value as Node | null) ?? null;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return lines.linePos(offset).line;
}

/**
 * Parses an evidence file and checks it against its stage's gate schema. JSON files must be JSON
 * (a YAML-only construct in a `.json` file is a problem); YAML is parsed as YAML 1.2, which reads
 * JSON too, and gives every node's position, so each problem names its line.
 */
export function checkEvidenceFile(
  match: Extract<EvidenceFileMatch, { kind: 'evidence' }>,
  text: string,
  validators: GateValidators,
): EvidenceFileCheck {
  const result = (problems: FileProblem[], data: Record<string, unknown> | null = null) => ({
    path: match.path,
    stage: match.stage,
    data: problems.length ? null : data,
    problems,
  });
  if (Buffer.byteLength(text) > MAX_EVIDENCE_BYTES)
    return result([{ line: 1, message: `the file is larger than ${MAX_EVIDENCE_BYTES / 1024} KiB` }]);
  if (match.format === 'json')
    try {
      JSON.parse(text);
    } catch (error) {
      return result([jsonSyntaxProblem(text, (error as Error).message)]);
    }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length)
    return result(
      doc.errors.map((e) => ({
        line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line,
        message: `not valid YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return result([
      {
        line: 1,
        message: `the file must hold an object of evidence fields for the gate into ${match.stage}`,
      },
    ]);
  const problems = validators
    .locate(match.stage, data)
    .map((p) => ({ line: lineOf(doc.contents as Node | null, p.at, lines), message: p.message }))
    .sort((a, b) => a.line - b.line);
  return result(problems, data as Record<string, unknown>);
}

/** The check-run annotations of the files' problems, at most GitHub's 50 per request. */
export function evidenceAnnotations(checks: readonly EvidenceFileCheck[]) {
  return checks
    .flatMap((c) =>
      c.problems.map((p) => ({
        path: c.path,
        start_line: p.line,
        end_line: p.line,
        annotation_level: 'failure' as const,
        title: `Evidence for the gate into ${c.stage}`,
        message: p.message,
      })),
    )
    .slice(0, MAX_ANNOTATIONS);
}
