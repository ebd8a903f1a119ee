/**
 * Evidence for gates the demo was not written for: a value guessed from the gate's JSON Schema, so
 * `npm run demo` fills any configured stage list.
 */
import { randomUUID } from 'node:crypto';

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const kebab = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const words = (key: string) => kebab(key).replaceAll('-', ' ') || 'evidence';

export interface EvidenceContext {
  /** Used in generated prose, e.g. the project's name. */
  subject: string;
  /** Value for `format: email` fields. */
  email: string;
  /** Prefix for `format: uri` fields; the field name is appended. */
  urlBase: string;
  at: Date;
}

function schemaType(schema: Record<string, unknown>): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') ?? t[0];
  if (isRecord(schema.properties) || Array.isArray(schema.required)) return 'object';
  if ('items' in schema) return 'array';
  return undefined;
}

function hintFits(hint: unknown, type: string | undefined): boolean {
  switch (type) {
    case 'string':
      return typeof hint === 'string';
    case 'array':
      return Array.isArray(hint);
    case 'boolean':
      return typeof hint === 'boolean';
    case 'number':
    case 'integer':
      return typeof hint === 'number';
    case 'object':
      return isRecord(hint);
    default:
      return false;
  }
}

function sampleString(schema: Record<string, unknown>, key: string, ctx: EvidenceContext): string {
  switch (schema.format) {
    case 'email':
    case 'idn-email':
      return ctx.email;
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
    case 'iri-reference':
      return `${ctx.urlBase}/${kebab(key) || 'evidence'}`;
    case 'date':
      return ctx.at.toISOString().slice(0, 10);
    case 'date-time':
      return ctx.at.toISOString();
    case 'time':
      return `${ctx.at.toISOString().slice(11, 19)}Z`;
    case 'uuid':
      return randomUUID();
    case 'hostname':
      return 'docs.example.com';
  }
  const min = Math.max(10, typeof schema.minLength === 'number' ? schema.minLength : 0);
  let text = `${words(key).replace(/^./, (c) => c.toUpperCase())} for ${ctx.subject}.`;
  while (text.length < min) text += ' Details are in the linked notes.';
  return typeof schema.maxLength === 'number' ? text.slice(0, Math.max(0, schema.maxLength)) : text;
}

/**
 * A value satisfying `schema` as far as can be guessed: required fields only, strings long enough,
 * formats honoured, constants copied. `hints` supplies realistic values by field name; one is used
 * only when its JSON type fits. The caller validates the result: patterns and the like are not
 * attempted.
 */
export function sampleFromSchema(
  schema: unknown,
  ctx: EvidenceContext,
  hints: Record<string, unknown> = {},
  key = '',
): unknown {
  if (!isRecord(schema)) return sampleString({}, key, ctx);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const options = schema[combinator];
    if (Array.isArray(options) && options.length > 0) {
      const { [combinator]: _, ...rest } = schema;
      return sampleFromSchema({ ...rest, ...(options[0] as Record<string, unknown>) }, ctx, hints, key);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const merged: Record<string, unknown> = { ...rest };
    for (const part of allOf as Record<string, unknown>[]) {
      const required = [...((merged.required as string[]) ?? []), ...((part.required as string[]) ?? [])];
      const properties = { ...(merged.properties as object), ...(part.properties as object) };
      Object.assign(merged, part, { required, properties });
    }
    return sampleFromSchema(merged, ctx, hints, key);
  }
  const type = schemaType(schema);
  const hint = key ? hints[key] : undefined;
  if (hint !== undefined && hintFits(hint, type)) return hint;
  switch (type) {
    case 'object': {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return Object.fromEntries(required.map((k) => [k, sampleFromSchema(properties[k], ctx, hints, k)]));
    }
    case 'array': {
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 0);
      return Array.from({ length: count }, (_, i) => {
        const item = sampleFromSchema(schema.items ?? { type: 'string' }, ctx, {}, key);
        return typeof item === 'string' && count > 1 ? `${item} (${i + 1})` : item;
      });
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'number':
    case 'integer': {
      let n =
        typeof schema.minimum === 'number'
          ? schema.minimum
          : typeof schema.exclusiveMinimum === 'number'
            ? schema.exclusiveMinimum + 1
            : 1;
      if (type === 'integer') n = Math.ceil(n);
      if (typeof schema.maximum === 'number' && n > schema.maximum) n = schema.maximum;
      return n;
    }
    default:
      return sampleString(schema, key, ctx);
  }
}
