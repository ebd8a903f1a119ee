/**
 * Rules every value that enters CLOS obeys, whatever field it arrives in: REST bodies, path segments
 * and query values, GraphQL arguments and variables, pagination cursors. PostgreSQL refuses the NUL
 * character in `text` and `jsonb`, a lone UTF-16 surrogate cannot be encoded as UTF-8, and a document
 * nested thousands of levels deep overflows every recursive walk over it (hashing, validation,
 * serialisation). Refusing them once, at the boundary, with the field's path, is cheaper and surer
 * than making every consumer cope.
 */

/** Deepest nesting of objects and arrays accepted in any input document (a body, evidence, variables). */
export const MAX_INPUT_DEPTH = 64;

export interface InputProblem {
  path: string;
  message: string;
}

const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
const SURROGATE_MESSAGE = 'must be well-formed Unicode text (it contains a lone UTF-16 surrogate)';

/** Why a string cannot be stored, or null when it can. */
export function stringProblem(value: string): string | null {
  if (value.includes('\u0000')) return NUL_MESSAGE;
  if (!value.isWellFormed()) return SURROGATE_MESSAGE;
  return null;
}

/** `body.a.b[2]`-style paths, as every other 400 of the API names fields. */
function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * The problems of a decoded input value: strings (values and object keys) that PostgreSQL or UTF-8
 * cannot hold, and nesting deeper than `maxDepth`. Iterative, so a hostile depth cannot overflow the
 * stack here; stops after `limit` problems. `base` prefixes every path (`body`, `querystring`).
 */
export function findInputProblems(
  value: unknown,
  base: string,
  options: { maxDepth?: number; limit?: number } = {},
): InputProblem[] {
  const maxDepth = options.maxDepth ?? MAX_INPUT_DEPTH;
  const limit = options.limit ?? 20;
  const problems: InputProblem[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: base, depth: 0 }];
  while (stack.length && problems.length < limit) {
    const item = stack.pop()!;
    const v = item.value;
    if (typeof v === 'string') {
      const problem = stringProblem(v);
      if (problem) problems.push({ path: item.path || '(value)', message: problem });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (item.depth >= maxDepth) {
      problems.push({
        path: item.path || '(value)',
        message: `nests deeper than ${maxDepth} levels of objects and arrays`,
      });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--)
        stack.push({ value: v[i], path: child(item.path, i), depth: item.depth + 1 });
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, inner] = entries[i]!;
      const keyProblem = stringProblem(key);
      if (keyProblem) {
        problems.push({ path: child(item.path, JSON.stringify(key)), message: `key ${keyProblem}` });
        continue;
      }
      stack.push({ value: inner, path: child(item.path, key), depth: item.depth + 1 });
    }
  }
  return problems;
}

/**
 * Nesting depth of a JSON text, found by counting brackets outside strings, without parsing it: a
 * body nested a million levels deep is refused before a parser or a walk ever builds it.
 * Returns the depth reached, stopping as soon as it exceeds `maxDepth`.
 */
export function jsonTextDepth(text: string, maxDepth: number = MAX_INPUT_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > maxDepth) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
