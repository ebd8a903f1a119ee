/**
 * Values the fuzzer sends that plain JavaScript cannot express on the wire: JSON tokens that
 * `JSON.parse` turns into something else (`1e400`, `-0`), nesting deeper than `JSON.stringify` can
 * write, and URL fragments that are already percent-encoded (`%00`, invalid UTF-8). Each prints
 * readably in a counterexample.
 */
import fc from 'fast-check';

/** A JSON token written verbatim, e.g. `1e400` (Infinity once parsed) or `-0`. */
export class RawJson {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `raw(${this.text})`;
  }
}

/** `depth` nested objects (`{"a":…}`) or arrays around `leaf`, written without recursion. */
export class Deep {
  constructor(
    readonly depth: number,
    readonly shape: 'object' | 'array',
    readonly leaf: unknown = 1,
  ) {}
  [fc.toStringMethod](): string {
    return `deep(${this.depth} ${this.shape}s around ${fc.stringify(this.leaf)})`;
  }
}

/**
 * A URL fragment sent as is (already percent-encoded). `hostile` marks one that decodes to a NUL,
 * which the server must refuse wherever it is read.
 */
export class RawUrl {
  constructor(
    readonly text: string,
    readonly hostile = false,
  ) {}
  [fc.toStringMethod](): string {
    return `url(${this.text})`;
  }
}

/** A whole request body sent as this exact text (the content type is chosen separately). */
export class RawBody {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return this.text.length > 200
      ? `body(${JSON.stringify(this.text.slice(0, 120))}… ${this.text.length} chars)`
      : `body(${JSON.stringify(this.text)})`;
  }
}

/** Deep nesting as JSON text: `{"a":{"a":…leaf…}}` or `[[…leaf…]]`. */
function deepText(deep: Deep): string {
  const leaf = toJsonText(deep.leaf);
  return deep.shape === 'object'
    ? `${'{"a":'.repeat(deep.depth)}${leaf}${'}'.repeat(deep.depth)}`
    : `${'['.repeat(deep.depth)}${leaf}${']'.repeat(deep.depth)}`;
}

/**
 * JSON text of a generated value. Strings go through `JSON.stringify`, which escapes NUL as
 * `\u0000` and a lone surrogate as `\ud800`: the server's `JSON.parse` gives them back as they were.
 */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Deep) return deepText(value);
  if (value instanceof RawBody) return value.text;
  if (value instanceof RawUrl) return JSON.stringify(value.text);
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // invalid JSON on purpose
  return JSON.stringify(value);
}

/**
 * Percent-encodes one path segment or query value. A lone surrogate has no UTF-8 form
 * (`encodeURIComponent` throws); it is sent as the bytes a lenient encoder would produce (WTF-8),
 * which are invalid UTF-8 for the server to deal with.
 */
export function encodeUrlPart(value: unknown): string {
  if (value instanceof RawUrl) return value.text;
  const text = typeof value === 'string' ? value : value instanceof RawJson ? value.text : toJsonText(value);
  let out = '';
  for (const ch of text) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      const code = ch.charCodeAt(0);
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    }
  }
  return out;
}

/** A NUL, or a UTF-16 surrogate without its pair: what no stored string may hold. */
export function isHostileString(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

/**
 * Whether a value carries a NUL or a lone surrogate the server will read as such: in a string or an
 * object key, at any depth, or in a URL fragment that decodes to a NUL. Lone surrogates in URLs do
 * not count: a URL holds bytes, and their UTF-8 cannot encode one.
 */
export function carriesHostile(value: unknown, where: 'json' | 'url' = 'json'): boolean {
  if (typeof value === 'string') return where === 'json' ? isHostileString(value) : value.includes('\u0000');
  if (value instanceof RawUrl) return value.hostile;
  if (value instanceof Deep) return carriesHostile(value.leaf, where);
  if (value instanceof RawJson || value instanceof RawBody) return false;
  if (Array.isArray(value)) return value.some((v) => carriesHostile(v, where));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(
      ([k, v]) => (where === 'json' ? isHostileString(k) : k.includes('\u0000')) || carriesHostile(v, where),
    );
  return false;
}
