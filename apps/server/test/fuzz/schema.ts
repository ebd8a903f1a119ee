/**
 * Arbitraries from the route table's schemas. Each Zod schema is read through `z.toJSONSchema` (its
 * input side), so the fuzzer follows the contract as it changes: a new field is generated, valid and
 * hostile, without touching this file. Field names steer values towards things that exist (a pod's
 * slug where `pod` goes, a real id where an id goes), because a request the server refuses at the
 * first check never reaches the code behind it.
 */
import fc from 'fast-check';
import { z } from 'zod';
import {
  BAD_CHARS,
  deepValue,
  insertAt,
  oddCursor,
  oddDate,
  oddDay,
  oddEmail,
  oddId,
  oddNumber,
  oddString,
  oddUrl,
  wrongType,
} from './hostile.ts';
import type { JsonSchema, World } from './world.ts';

/** The input side of a Zod schema as JSON Schema; parts it cannot express (refinements) are left open. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

type Arb = fc.Arbitrary<unknown>;
const obj = (s: unknown): JsonSchema => (s && typeof s === 'object' ? (s as JsonSchema) : {});

/** Follows `$ref`s into the root's `$defs`. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.split('/').at(-1)!;
  const defs = obj(root.$defs ?? root.definitions);
  return resolve(obj(defs[name]), root);
}

function typeOf(schema: JsonSchema): string | undefined {
  const t = schema.type;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') as string | undefined;
  if (typeof t === 'string') return t;
  if (schema.properties || schema.additionalProperties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

function variants(schema: JsonSchema): JsonSchema[] | null {
  const list = schema.anyOf ?? schema.oneOf;
  return Array.isArray(list) ? (list as JsonSchema[]) : null;
}

/** The kind of entity an id field names, as the route paths name them. */
const ID_KINDS: Record<string, string> = {
  projectId: 'projects',
  ideaId: 'ideas',
  actorId: 'users',
  userId: 'users',
  runId: 'runs',
};

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{2,24}$/);
const nearNow = fc
  .integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) })
  .map((t) => new Date(t).toISOString());

/** Generates valid-ish values for the schemas of one organisation. */
export class SchemaArbitraries {
  constructor(private readonly world: World) {}

  private pick<T>(list: readonly T[], fallback: fc.Arbitrary<T>): fc.Arbitrary<T> {
    return list.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...list) }, fallback) : fallback;
  }

  /**
   * An id: mostly of an entity of `kind` that exists (so the request gets past the lookup), sometimes
   * of another kind, sometimes of nothing.
   */
  id(kind?: string): fc.Arbitrary<string> {
    const same = kind ? (this.world.idsByKind[kind] ?? []) : [];
    const any = this.world.ids;
    const options: fc.WeightedArbitrary<string>[] = [{ weight: 1, arbitrary: fc.uuid({ version: 4 }) }];
    if (any.length) options.push({ weight: 2, arbitrary: fc.constantFrom(...any) });
    if (same.length) options.push({ weight: 7, arbitrary: fc.constantFrom(...same) });
    return fc.oneof(...options);
  }

  /** Domain-aware strings by field name; null when the name says nothing. */
  private hinted(name: string, schema: JsonSchema): Arb | null {
    const w = this.world;
    if (schema.pattern || schema.enum) return null;
    switch (name) {
      case 'slug':
      case 'pod':
      case 'toPod':
        return this.pick(w.pods, fc.stringMatching(/^[a-z][a-z0-9-]{1,20}[a-z0-9]$/));
      case 'itemType':
        return this.pick(w.itemTypes, word);
      case 'allowedCidrs':
        return fc.subarray(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '192.168.1.0/24'], { maxLength: 3 });
      case 'stage':
        return this.pick(w.stages, word);
      case 'cursor':
      case 'after':
        return this.pick(w.cursors, fc.constant(undefined));
      case 'types':
        return fc
          .subarray(w.eventTypes, { minLength: 1, maxLength: Math.min(3, w.eventTypes.length) })
          .map((types) => types.join(','));
      case 'events':
        return fc.oneof(
          fc.constant(['*']),
          fc.subarray(w.eventTypes, { minLength: 1, maxLength: Math.min(3, w.eventTypes.length) }),
        );
      case 'day':
        return this.pick(w.days, fc.constant('2026-03-02'));
      case 'timezone':
        return fc.constantFrom('Europe/London', 'UTC', 'America/New_York', 'Asia/Kolkata');
      case 'secret':
        return fc.string({ minLength: 16, maxLength: 64, unit: 'grapheme-ascii' });
      case 'url':
        return fc.constantFrom('https://example.com/run/1', 'https://hooks.example.com/clos');
      case 'user':
      case 'email':
      case 'owner':
        return this.pick(w.emails, fc.emailAddress());
      case 'lastEventId':
        return fc.nat({ max: 10_000 }).map(String);
      case 'subjectType':
        return fc.constantFrom('project', 'idea', 'pod', 'wip_lock', 'user');
      case 'evidence': {
        const documents = w.evidenceSchemas.length
          ? fc.oneof(...w.evidenceSchemas.map((s) => this.valid(s, '', s)))
          : fc.object();
        // Evidence schemas allow more fields: a valid document may still carry one nested too deep.
        return fc.oneof(
          { weight: 3, arbitrary: documents },
          {
            weight: 1,
            arbitrary: fc
              .tuple(documents, deepValue)
              .map(([doc, deep]) => ({ ...(doc as object), notes: deep })),
          },
        );
      }
      case 'scores':
        return fc.record(Object.fromEntries(w.criteria.map((c) => [c, fc.integer({ min: 0, max: 5 })])));
      default:
        return null;
    }
  }

  /** A value the schema accepts, most of the time (refinements are not known to it). */
  valid(input: JsonSchema, name = '', root: JsonSchema = input): Arb {
    const schema = resolve(input, root);
    const list = variants(schema);
    if (list) return fc.oneof(...list.map((v) => this.valid(v, name, root)));
    if (Array.isArray(schema.allOf) && schema.allOf.length)
      return this.valid(obj(schema.allOf[0]), name, root);
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    const type = typeOf(schema);
    if (type === 'string' || type === undefined || type === 'object' || type === 'array') {
      const hint = this.hinted(name, schema);
      if (hint) return hint;
    }
    switch (type) {
      case 'string':
        return this.validString(schema, name);
      case 'integer': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(min, 0) + 1_000;
        return fc.integer({ min, max });
      }
      case 'number': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : -1_000;
        const max = typeof schema.maximum === 'number' ? schema.maximum : Math.max(min, 0) + 1_000;
        return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      }
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
        const maxLength = Math.max(
          minLength,
          Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 3, 3),
        );
        return fc.array(this.valid(obj(schema.items), name, root), { minLength, maxLength });
      }
      case 'object':
        return this.validObject(schema, root);
      default:
        return fc.oneof(
          { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
          { weight: 1, arbitrary: deepValue },
        );
    }
  }

  private validString(schema: JsonSchema, name: string): Arb {
    const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const max = typeof schema.maxLength === 'number' ? schema.maxLength : Math.max(min, 40);
    switch (schema.format) {
      case 'email':
        return this.pick(this.world.emails, fc.emailAddress());
      case 'uuid':
        return this.id(ID_KINDS[name]);
      case 'date-time':
        return nearNow;
      case 'date':
        return this.pick(this.world.days, fc.constant('2026-03-02'));
      case 'uri':
      case 'url':
        return fc.constantFrom('https://example.com/doc', 'http://example.org/a?b=c');
    }
    // Lengths are fitted by cutting or padding, never by filtering: a filter no value passes loops forever.
    const fit = (text: string) => (text.length < min ? text.padEnd(min, 'x') : text.slice(0, max));
    if (typeof schema.pattern === 'string') {
      try {
        const matching = fc.stringMatching(new RegExp(schema.pattern));
        return 'maxLength' in schema || 'minLength' in schema ? matching.map(fit) : matching;
      } catch {
        // a pattern fast-check cannot generate from: fall through to plain text
      }
    }
    return fc.oneof(
      { weight: 3, arbitrary: word.map(fit) },
      { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: Math.min(max, min + 30) }) },
    );
  }

  private validObject(schema: JsonSchema, root: JsonSchema): Arb {
    const props = obj(schema.properties);
    const keys = Object.keys(props);
    if (!keys.length) {
      const extra = schema.additionalProperties;
      if (extra === false) return fc.constant({});
      return fc.dictionary(
        word,
        extra && typeof extra === 'object' ? this.valid(obj(extra), '', root) : fc.jsonValue({ maxDepth: 2 }),
        {
          maxKeys: 3,
        },
      );
    }
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    return fc.record(Object.fromEntries(keys.map((k) => [k, this.valid(obj(props[k]), k, root)])), {
      requiredKeys: keys.filter((k) => required.includes(k)),
    });
  }

  /** A value the schema (or the code behind it) should refuse, shaped for the field it replaces. */
  hostile(input: JsonSchema, name = '', root: JsonSchema = input, depth = 0): Arb {
    const schema = resolve(input, root);
    const list = variants(schema);
    const base = list ? resolve(list.find((v) => obj(v).type !== 'null') ?? schema, root) : schema;
    const tainted = this.tainted(base, name, root);
    const common: fc.WeightedArbitrary<unknown>[] = [
      { weight: 1, arbitrary: deepValue },
      { weight: 1, arbitrary: wrongType },
      { weight: 1, arbitrary: tainted },
    ];
    // Where any JSON goes (evidence, scores, JSON scalars), nesting is the likeliest way to hurt.
    const open: fc.WeightedArbitrary<unknown>[] = [{ weight: 3, arbitrary: deepValue }, ...common];
    if (name === 'cursor' || name === 'after')
      return fc.oneof({ weight: 3, arbitrary: oddCursor }, ...common);
    if (name === 'day') return fc.oneof({ weight: 3, arbitrary: oddDay }, ...common);
    const type = typeOf(base);
    switch (type) {
      case 'string':
        switch (base.format) {
          case 'email':
            return fc.oneof({ weight: 3, arbitrary: oddEmail }, ...common);
          case 'uuid':
            return fc.oneof({ weight: 3, arbitrary: oddId }, ...common);
          case 'date-time':
            return fc.oneof({ weight: 3, arbitrary: oddDate }, ...common);
          case 'uri':
          case 'url':
            return fc.oneof({ weight: 3, arbitrary: oddUrl }, ...common);
        }
        if (name === 'url' || name === 'owner' || name === 'user')
          return fc.oneof(
            { weight: 1, arbitrary: oddUrl },
            { weight: 2, arbitrary: oddEmail },
            { weight: 1, arbitrary: oddString },
            ...common,
          );
        return fc.oneof({ weight: 3, arbitrary: oddString }, ...common);
      case 'integer':
      case 'number':
        return fc.oneof({ weight: 3, arbitrary: oddNumber }, ...common);
      case 'array':
        return fc.oneof(
          fc.array(this.hostile(obj(base.items), name, root, depth + 1), { minLength: 1, maxLength: 3 }),
          fc.constant(Array.from({ length: 1_000 }, (_, i) => `x${i}`)),
          ...common,
        );
      case 'object':
        return depth > 2
          ? fc.oneof(...open)
          : fc.oneof({ weight: 3, arbitrary: this.mutatedObject(base, root, depth + 1) }, ...open);
      default:
        return fc.oneof({ weight: 1, arbitrary: oddString }, { weight: 1, arbitrary: oddNumber }, ...open);
    }
  }

  /** A valid value with a NUL or lone surrogate slipped into one of its strings (or keys). */
  tainted(schema: JsonSchema, name: string, root: JsonSchema): Arb {
    return fc
      .tuple(this.valid(schema, name, root), fc.nat(), fc.nat(), fc.constantFrom(...BAD_CHARS))
      .map(([value, which, at, bad]) => taint(value, which, at, bad));
  }

  /**
   * An object of the schema's shape with one thing wrong: one field hostile, a NUL or lone surrogate
   * in one string, a required field missing, or a field it does not know.
   */
  mutatedObject(schema: JsonSchema, root: JsonSchema = schema, depth = 0): Arb {
    const props = obj(schema.properties);
    const keys = Object.keys(props);
    const valid = this.valid(schema, '', root);
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const options: Arb[] = [
      fc
        .tuple(valid, fc.nat(), fc.nat(), fc.constantFrom(...BAD_CHARS))
        .map(([v, which, at, bad]) => taint(v, which, at, bad)),
      fc
        .tuple(
          valid,
          fc.oneof(
            fc.constantFrom('colour', '__proto__', 'constructor', '\u0000', '\ud800', 'x'.repeat(300)),
            word,
          ),
          wrongType,
        )
        .map(([v, key, extra]) => withKey(v, key, extra)),
    ];
    if (keys.length)
      options.push(
        ...keys.map((k) =>
          fc.tuple(valid, this.hostile(obj(props[k]), k, root, depth)).map(([v, bad]) => withKey(v, k, bad)),
        ),
      );
    else
      options.push(
        fc
          .tuple(
            valid,
            fc.oneof(word, fc.constantFrom(...BAD_CHARS)),
            this.hostile(obj(schema.additionalProperties), '', root, depth),
          )
          .map(([v, key, bad]) => withKey(v, key, bad)),
      );
    if (required.length)
      options.push(fc.tuple(valid, fc.constantFrom(...required)).map(([v, k]) => withoutKey(v, k)));
    return fc.oneof(...options);
  }
}

function withKey(value: unknown, key: string, extra: unknown): unknown {
  const base = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  // defineProperty: `__proto__` must become an own key, not the prototype.
  const out = { ...base } as Record<string, unknown>;
  Object.defineProperty(out, key, { value: extra, enumerable: true, writable: true, configurable: true });
  return out;
}

function withoutKey(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const { [key]: _gone, ...rest } = value as Record<string, unknown>;
  return rest;
}

/** A JSON object: fast-check's records have no prototype, literals have Object's. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Inserts `bad` into the `which`-th string (value or key) of `value`, depth first. */
export function taint(value: unknown, which: number, at: number, bad: string): unknown {
  const slots: { get(): string; set(s: string): void }[] = [];
  const walk = (v: unknown, assign: (next: unknown) => void): unknown => {
    if (typeof v === 'string') {
      slots.push({ get: () => v, set: (s) => assign(s) });
      return v;
    }
    if (Array.isArray(v)) {
      const copy = [...v];
      copy.forEach((item, i) => {
        walk(item, (next) => {
          copy[i] = next;
        });
      });
      assign(copy);
      return copy;
    }
    if (isPlainObject(v)) {
      const copy: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        Object.defineProperty(copy, k, { value: item, enumerable: true, writable: true, configurable: true });
        slots.push({
          get: () => k,
          set: (s) => {
            const moved = copy[k];
            delete copy[k];
            Object.defineProperty(copy, s, {
              value: moved,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          },
        });
        walk(item, (next) => {
          copy[k] = next;
        });
      }
      assign(copy);
      return copy;
    }
    return v;
  };
  let result: unknown = value;
  walk(value, (next) => {
    result = next;
  });
  if (!slots.length) return typeof value === 'string' || value === undefined ? bad : value;
  const slot = slots[which % slots.length]!;
  slot.set(insertAt(slot.get(), at, bad));
  return result;
}
