/**
 * The evidence form's logic, kept out of the components so it can be tested without rendering: a
 * gate's JSON Schema read as a tree of fields, a validator for the schema subset gates use (the
 * server judges with Ajv; this one only has to agree on what the form can produce, in words a
 * person reads), and the server's refusals translated into the same words, each against its field.
 * Ajv itself is not bundled: it would triple the project page for keywords no gate here uses.
 */
import { ClosApiError } from '@clos/contract/client';
import type { GateEvaluation } from './stage-gates.ts';

export type JsonSchema = Record<string, unknown>;

interface FieldBase {
  /** The field's place in the document, as the server names it: `owner`, `review.by`, `links.0`. */
  path: string;
  /** The property name (or the row number, for an array's item). */
  key: string;
  label: string;
  help: string | null;
  required: boolean;
}

export type FieldModel =
  | (FieldBase & {
      kind: 'text';
      /** `url`, `email` and `date` have inputs of their own; anything else is plain text. */
      input: 'text' | 'url' | 'email' | 'date' | 'textarea';
      minLength: number | null;
      maxLength: number | null;
    })
  | (FieldBase & { kind: 'number'; integer: boolean; minimum: number | null; maximum: number | null })
  /** `mustBeTrue`: the schema says `const: true`, a box that has to be ticked for the gate. */
  | (FieldBase & { kind: 'boolean'; mustBeTrue: boolean })
  | (FieldBase & { kind: 'select'; options: (string | number | boolean)[] })
  | (FieldBase & { kind: 'array'; item: FieldModel; minItems: number | null; maxItems: number | null })
  | (FieldBase & { kind: 'object'; fields: FieldModel[] })
  /** A part of the schema the form cannot draw (`oneOf`, tuples…): edited in the JSON tab. */
  | (FieldBase & { kind: 'unsupported' });

export interface FieldError {
  path: string;
  message: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** `problemStatement` → `Problem statement`, `design_doc-url` → `Design doc url`. */
export function labelOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : key;
}

/** The schema's type, inferred when it is left out (a `properties` object, an `items` list). */
function typeOf(schema: JsonSchema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  if ('const' in schema) return typeof schema.const === 'boolean' ? 'boolean' : typeof schema.const;
  if (isRecord(schema.properties) || Array.isArray(schema.required)) return 'object';
  if ('items' in schema) return 'array';
  return undefined;
}

const joinPath = (base: string, key: string) => (base ? `${base}.${key}` : key);

function fieldOf(schema: JsonSchema, key: string, path: string, required: boolean): FieldModel {
  const base: FieldBase = {
    path,
    key,
    label: typeof schema.title === 'string' && schema.title ? schema.title : labelOf(key),
    help: typeof schema.description === 'string' && schema.description ? schema.description : null,
    required,
  };
  if (Array.isArray(schema.enum))
    return {
      ...base,
      kind: 'select',
      options: schema.enum.filter((o): o is string | number | boolean =>
        ['string', 'number', 'boolean'].includes(typeof o),
      ),
    };
  const type = typeOf(schema);
  switch (type) {
    case 'string': {
      const format = schema.format;
      const maxLength = num(schema.maxLength);
      const input =
        format === 'uri' || format === 'url' || format === 'iri'
          ? 'url'
          : format === 'email' || format === 'idn-email'
            ? 'email'
            : format === 'date'
              ? 'date'
              : // Short answers fit a line; prose (a plan, a statement) gets room.
                maxLength !== null && maxLength <= 120
                ? 'text'
                : (num(schema.minLength) ?? 0) >= 10
                  ? 'textarea'
                  : 'text';
      return { ...base, kind: 'text', input, minLength: num(schema.minLength), maxLength };
    }
    case 'number':
    case 'integer':
      return {
        ...base,
        kind: 'number',
        integer: type === 'integer',
        minimum: num(schema.minimum),
        maximum: num(schema.maximum),
      };
    case 'boolean':
      return { ...base, kind: 'boolean', mustBeTrue: schema.const === true };
    case 'array':
      if (!isRecord(schema.items)) return { ...base, kind: 'unsupported' };
      return {
        ...base,
        kind: 'array',
        item: fieldOf(schema.items, '', `${path}.*`, true),
        minItems: num(schema.minItems),
        maxItems: num(schema.maxItems),
      };
    case 'object':
      return { ...base, kind: 'object', fields: fieldsOf(schema, path) };
    default:
      return { ...base, kind: 'unsupported' };
  }
}

/** The fields of an object schema, in the order its `properties` list them. */
export function fieldsOf(schema: JsonSchema, base = ''): FieldModel[] {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  // A required field the schema does not describe still needs an input.
  const keys = [...Object.keys(properties), ...[...required].filter((k) => !(k in properties))];
  return keys.map((key) =>
    fieldOf(
      isRecord(properties[key]) ? (properties[key] as JsonSchema) : {},
      key,
      joinPath(base, key),
      required.has(key),
    ),
  );
}

// ---------------------------------------------------------------- validation

// The same patterns as ajv-formats, so the browser and the server agree on what passes.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isUrl(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const FORMAT_CHECKS: Record<string, { ok(v: string): boolean; message: string }> = {
  uri: { ok: isUrl, message: 'must be a URL, e.g. https://example.com/doc' },
  url: { ok: isUrl, message: 'must be a URL, e.g. https://example.com/doc' },
  iri: { ok: isUrl, message: 'must be a URL, e.g. https://example.com/doc' },
  email: { ok: (v) => EMAIL.test(v), message: 'must be an email address' },
  'idn-email': { ok: (v) => EMAIL.test(v), message: 'must be an email address' },
  date: {
    ok: (v) => {
      const m = DATE.exec(v);
      if (!m) return false;
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      return d.getUTCDate() === Number(m[3]) && d.getUTCMonth() === Number(m[2]) - 1;
    },
    message: 'must be a date (YYYY-MM-DD)',
  },
  'date-time': {
    ok: (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v)),
    message: 'must be a date and time',
  },
};

const characters = (n: number) => (n === 1 ? '1 character' : `${n} characters`);
const entries = (n: number) => (n === 1 ? 'one entry' : `${n} entries`);

const TYPE_WORDS: Record<string, string> = {
  string: 'must be text',
  number: 'must be a number',
  integer: 'must be a whole number',
  boolean: 'must be yes or no',
  array: 'must be a list',
  object: 'must be a group of fields',
  null: 'must be empty',
};

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    case 'null':
      return value === null;
    default:
      return true;
  }
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? `“${v}”` : JSON.stringify(v);
}

function check(schema: JsonSchema, value: unknown, path: string, out: FieldError[]): void {
  const at = path || '(root)';
  const push = (message: string) => out.push({ path: at, message });
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    push(schema.const === true ? 'must be ticked' : `must be ${describeValue(schema.const)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((o) => JSON.stringify(o) === JSON.stringify(value))) {
    push(`must be one of ${schema.enum.map(describeValue).join(', ')}`);
    return;
  }
  const types =
    typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : [];
  if (types.length > 0 && !types.some((t) => typeMatches(String(t), value))) {
    push(TYPE_WORDS[String(types[0])] ?? 'has the wrong type');
    return;
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    const min = num(schema.minLength);
    const max = num(schema.maxLength);
    if (min !== null && length < min) push(`needs at least ${characters(min)} (has ${length})`);
    if (max !== null && length > max) push(`may have at most ${characters(max)} (has ${length})`);
    if (typeof schema.pattern === 'string') {
      let ok = true;
      try {
        ok = new RegExp(schema.pattern, 'u').test(value);
      } catch {
        // A pattern the browser cannot compile is left to the server.
      }
      if (!ok) push('does not have the expected form');
    }
    const format = typeof schema.format === 'string' ? FORMAT_CHECKS[schema.format] : undefined;
    if (format && !format.ok(value)) push(format.message);
  }
  if (typeof value === 'number') {
    const minimum = num(schema.minimum);
    const maximum = num(schema.maximum);
    const exMin = num(schema.exclusiveMinimum);
    const exMax = num(schema.exclusiveMaximum);
    if (minimum !== null && value < minimum) push(`must be at least ${minimum}`);
    if (maximum !== null && value > maximum) push(`must be at most ${maximum}`);
    if (exMin !== null && value <= exMin) push(`must be more than ${exMin}`);
    if (exMax !== null && value >= exMax) push(`must be less than ${exMax}`);
  }
  if (Array.isArray(value)) {
    const minItems = num(schema.minItems);
    const maxItems = num(schema.maxItems);
    if (minItems !== null && value.length < minItems) push(`needs at least ${entries(minItems)}`);
    if (maxItems !== null && value.length > maxItems) push(`may have at most ${entries(maxItems)}`);
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      push('has the same entry twice');
    if (isRecord(schema.items))
      for (const [i, item] of value.entries())
        check(schema.items as JsonSchema, item, joinPath(path, String(i)), out);
  }
  if (isRecord(value)) {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    for (const key of Array.isArray(schema.required) ? schema.required.map(String) : [])
      if (!(key in value)) {
        const field = properties[key];
        out.push({
          path: joinPath(path, key),
          message: isRecord(field) && field.const === true ? 'must be ticked' : 'is required',
        });
      }
    for (const [key, v] of Object.entries(value)) {
      const field = properties[key];
      if (isRecord(field)) check(field, v, joinPath(path, key), out);
      else if (schema.additionalProperties === false)
        out.push({ path: joinPath(path, key), message: 'is not a field this gate accepts' });
      else if (isRecord(schema.additionalProperties))
        check(schema.additionalProperties, v, joinPath(path, key), out);
    }
  }
}

/**
 * Every problem of `evidence` against the gate's schema, each with its field's path and a message
 * in words ("needs at least 10 characters", "must be a URL"). Keywords outside the subset gates use
 * are left to the server, whose verdict comes back through `serverFieldErrors`.
 */
export function validateEvidence(schema: JsonSchema, evidence: unknown): FieldError[] {
  const out: FieldError[] = [];
  check(schema, evidence, '', out);
  return out;
}

// ---------------------------------------------------------------- the server's words, translated

const AJV_MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^is required$/, () => 'is required'],
  [/^is not allowed$/, () => 'is not a field this gate accepts'],
  [/^must NOT have fewer than (\d+) characters$/, (m) => `needs at least ${characters(Number(m[1]))}`],
  [/^must NOT have more than (\d+) characters$/, (m) => `may have at most ${characters(Number(m[1]))}`],
  [/^must NOT have fewer than (\d+) items$/, (m) => `needs at least ${entries(Number(m[1]))}`],
  [/^must NOT have more than (\d+) items$/, (m) => `may have at most ${entries(Number(m[1]))}`],
  [/^must match format "(uri|url|iri)"$/, () => FORMAT_CHECKS.uri!.message],
  [/^must match format "(idn-)?email"$/, () => FORMAT_CHECKS.email!.message],
  [/^must match format "date"$/, () => FORMAT_CHECKS.date!.message],
  [/^must match format "date-time"$/, () => FORMAT_CHECKS['date-time']!.message],
  [/^must match format "(.+)"$/, (m) => `must be a valid ${m[1]}`],
  [/^must match pattern /, () => 'does not have the expected form'],
  [/^must be equal to constant$/, () => 'does not have the required value'],
  [/^must be equal to one of the allowed values$/, () => 'must be one of the listed options'],
  [/^must be (string|number|integer|boolean|array|object|null)$/, (m) => TYPE_WORDS[m[1]!]!],
  [/^must be >= (.+)$/, (m) => `must be at least ${m[1]}`],
  [/^must be <= (.+)$/, (m) => `must be at most ${m[1]}`],
  [/^must be > (.+)$/, (m) => `must be more than ${m[1]}`],
  [/^must be < (.+)$/, (m) => `must be less than ${m[1]}`],
  [/^must NOT have duplicate items/, () => 'has the same entry twice'],
];

/** The part of an object schema describing the field at a dotted path (array rows by their index). */
export function schemaAt(schema: JsonSchema, path: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const part of path.split('.')) {
    if (!node) return undefined;
    if (/^\d+$/.test(part) && isRecord(node.items)) node = node.items as JsonSchema;
    else if (isRecord(node.properties) && isRecord(node.properties[part]))
      node = node.properties[part] as JsonSchema;
    else return undefined;
  }
  return node;
}

/**
 * A gate criterion's message in words: `evidence field "rollbackPlan" must NOT have fewer than 10
 * characters` → `needs at least 10 characters`. `field` (the field's own schema) names what a
 * constant must be. Anything not recognised is kept, minus the prefix.
 */
export function wordsFor(message: string, field?: JsonSchema): string {
  const rest = message.replace(/^evidence field "[^"]*" /, '');
  if (rest === 'must be equal to constant' && field && 'const' in field)
    return field.const === true ? 'must be ticked' : `must be ${describeValue(field.const)}`;
  for (const [pattern, words] of AJV_MESSAGES) {
    const m = pattern.exec(rest);
    if (m) return words(m);
  }
  return rest;
}

/**
 * The gate's unmet evidence criteria as field errors (the `(root)` summary is not a field), in words;
 * `schema` is the gate's evidence schema, for the messages that depend on the field.
 */
export function gateFieldErrors(gate: GateEvaluation | undefined | null, schema?: JsonSchema): FieldError[] {
  if (!gate) return [];
  const out: FieldError[] = [];
  for (const c of gate.criteria)
    if (c.kind === 'evidence' && !c.met && c.path && c.path !== '(root)')
      out.push({ path: c.path, message: wordsFor(c.message, schema && schemaAt(schema, c.path)) });
  return out;
}

/**
 * A refused submission as field errors: a 400's details (`body.evidence.owner: …` → `owner`) or a
 * `gate_criteria_unmet` refusal's evaluation. Problems of the document as a whole get `(root)`.
 */
export function serverFieldErrors(error: unknown, schema?: JsonSchema): FieldError[] {
  if (!(error instanceof ClosApiError)) return [];
  if (error.code === 'gate_criteria_unmet') {
    const details = error.details as { evaluation?: GateEvaluation } | undefined;
    return gateFieldErrors(details?.evaluation, schema);
  }
  if (!Array.isArray(error.details)) return [];
  const out: FieldError[] = [];
  for (const d of error.details as unknown[]) {
    if (!isRecord(d) || typeof d.path !== 'string' || typeof d.message !== 'string') continue;
    const path = d.path.replace(/^body\.evidence\.?/, '').replace(/^body\.?/, '');
    out.push({ path: path || '(root)', message: wordsFor(d.message, schema && schemaAt(schema, path)) });
  }
  return out;
}

// ---------------------------------------------------------------- values

/** The value at a dotted path of the document, or undefined. */
export function getAt(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isRecord(node)) node = node[part];
    else return undefined;
  }
  return node;
}

/**
 * A copy of the document with `value` at the dotted path; `undefined` removes the field, so an
 * emptied input reads as "not given" (which the gate calls required) rather than as an empty text.
 */
export function setAt(doc: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const parts = path.split('.');
  const write = (node: unknown, i: number): unknown => {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    if (Array.isArray(node)) {
      const copy = [...node];
      copy[Number(part)] = last ? value : write(copy[Number(part)], i + 1);
      return copy;
    }
    const copy: Record<string, unknown> = isRecord(node) ? { ...node } : {};
    const next = last ? value : write(copy[part], i + 1);
    if (next === undefined) delete copy[part];
    else copy[part] = next;
    return copy;
  };
  return write(doc, 0) as Record<string, unknown>;
}

/**
 * What the form sends: empty texts and empty list rows left out, so a row added and never filled
 * does not count as an entry, and an untouched field is missing rather than blank.
 */
export function compactEvidence(doc: Record<string, unknown>): Record<string, unknown> {
  const clean = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(clean).filter((x) => x !== undefined);
    if (isRecord(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const c = clean(x);
        if (c !== undefined) out[k] = c;
      }
      return out;
    }
    return typeof v === 'string' && v.trim() === '' ? undefined : v;
  };
  return clean(doc) as Record<string, unknown>;
}

/**
 * The JSON tab's text: the document with each required field the schema describes shown empty, so a
 * power user sees what the gate asks for.
 */
export function evidenceJson(schema: JsonSchema, doc: Record<string, unknown>): string {
  const fill = (s: JsonSchema, value: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...value };
    const properties = isRecord(s.properties) ? s.properties : {};
    for (const key of Array.isArray(s.required) ? s.required.map(String) : []) {
      const field = isRecord(properties[key]) ? (properties[key] as JsonSchema) : {};
      const type = typeOf(field);
      if (key in out) {
        if (type === 'object' && isRecord(out[key]))
          out[key] = fill(field, out[key] as Record<string, unknown>);
        continue;
      }
      if (type === 'string' && !Array.isArray(field.enum)) out[key] = '';
      else if (type === 'array') out[key] = [];
      else if (type === 'object') out[key] = fill(field, {});
    }
    return out;
  };
  return JSON.stringify(fill(schema, compactEvidence(doc)), null, 2);
}

/** A field's name as the form shows it: the schema's title, else its key in words; rows by number. */
export function fieldLabel(schema: JsonSchema, path: string): string {
  if (path === '(root)' || path === '') return 'The evidence';
  const row = /^(.*)\.(\d+)$/.exec(path);
  if (row) return `${fieldLabel(schema, row[1]!)}, entry ${Number(row[2]) + 1}`;
  const own = schemaAt(schema, path);
  if (own && typeof own.title === 'string' && own.title) return own.title;
  return labelOf(path.split('.').pop() ?? path);
}

/** Problems as sentences for a list: `Owner must be an email address`. */
export function problemSentences(schema: JsonSchema, errors: FieldError[]): string[] {
  return errors.map((e) => `${fieldLabel(schema, e.path)} ${e.message}`);
}
