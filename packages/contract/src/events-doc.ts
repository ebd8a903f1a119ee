/**
 * The event tables of docs/events.md, written from the payload schemas (events.ts) so the page cannot
 * drift from what the stream and webhooks send: `npm run docs:events` writes them between the page's
 * markers, and a test fails when the page differs from what this renders.
 */
import type { DomainEventType } from '@clos/core';
import type { z } from 'zod';
import { CHANGE_EVENT_TYPES, type EventDefinition, eventDefinitions, SIGNAL_EVENT_TYPES } from './events.ts';

type Schema = z.ZodType;
const def = (s: Schema) => s._zod.def as unknown as Record<string, unknown> & { type: string };

/** The schema under optional/nullable wrappers, and the first description found on the way down. */
function unwrap(schema: Schema): { inner: Schema; description: string | undefined } {
  let inner = schema;
  let description = schema.description;
  while (def(inner).type === 'optional' || def(inner).type === 'nullable') {
    inner = def(inner).innerType as Schema;
    description ??= inner.description;
  }
  return { inner, description };
}

const code = (s: string) => `\`${s}\``;

/** One field as the tables show it: `name`, `name: value` for a constant, `name` (a, b) for a choice. */
function field(name: string, schema: Schema): string {
  const { inner, description } = unwrap(schema);
  const d = def(inner);
  if (d.type === 'literal') return code(`${name}: ${String((d.values as unknown[])[0])}`);
  if (d.type === 'null') return code(`${name}: null`);
  const notes: string[] = [];
  if (d.type === 'enum') notes.push((inner as z.ZodEnum).options.map((o) => code(String(o))).join(', '));
  if (d.type === 'array') {
    const element = unwrap(d.element as Schema).inner;
    if (def(element).type === 'object') notes.push(`each: ${fields(element)}`);
  }
  if (description) notes.push(description);
  return notes.length ? `${code(name)} (${notes.join('; ')})` : code(name);
}

function fields(object: Schema): string {
  return Object.entries((object as z.ZodObject).shape)
    .map(([name, s]) => field(name, s as Schema))
    .join(', ');
}

/** "before: … ; after: …" for a recorded change's `data` (`actor` and `reason` are on every one). */
function changeColumn(data: Schema): string {
  const shape = (data as z.ZodObject).shape as Record<string, Schema>;
  const parts: string[] = [];
  for (const side of ['before', 'after'] as const) {
    if (!shape[side]) continue;
    const { inner, description } = unwrap(shape[side]);
    if (def(inner).type === 'never') continue;
    parts.push(`${side}${description ? ` (${description})` : ''}: ${fields(inner)}`);
  }
  return parts.join('; ');
}

function see(definition: EventDefinition): string {
  if (!definition.see) return '';
  const target = definition.see.match(/^[\w-]+\.md(#[\w-]+)?$/)?.[0];
  return target ? ` ([more](${target}))` : ` — ${definition.see}`;
}

function row(type: DomainEventType, data: string): string {
  const definition: EventDefinition = eventDefinitions[type];
  return `| ${code(type)} | ${definition.scope} | ${definition.subject} | ${data}${see(definition)} |`;
}

/** The table of events published with an audited change. */
export function changeEventTable(): string {
  return [
    '| Type | Scope | Subject | `data.before` / `data.after` / `data.reason` |',
    '| --- | --- | --- | --- |',
    ...CHANGE_EVENT_TYPES.map((type) => row(type, changeColumn(eventDefinitions[type].data))),
  ].join('\n');
}

/** The table of events with their own `data` (refusals, workflow outputs, alerts). */
export function signalEventTable(): string {
  return [
    '| Type | Scope | Subject | `data` |',
    '| --- | --- | --- | --- |',
    ...SIGNAL_EVENT_TYPES.map((type) => row(type, fields(eventDefinitions[type].data))),
  ].join('\n');
}

const MARKERS = {
  changes: ['<!-- events:changes:begin (npm run docs:events) -->', '<!-- events:changes:end -->'],
  signals: ['<!-- events:signals:begin (npm run docs:events) -->', '<!-- events:signals:end -->'],
} as const;

/** `page` (docs/events.md) with the generated tables between its markers; throws if a marker is missing. */
export function withEventTables(page: string): string {
  let out = page;
  for (const [name, table] of [
    ['changes', changeEventTable()],
    ['signals', signalEventTable()],
  ] as const) {
    const [begin, end] = MARKERS[name];
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/events.md lacks the markers ${begin} … ${end}`);
    out = `${out.slice(0, from + begin.length)}\n${table}\n${out.slice(to)}`;
  }
  return out;
}
