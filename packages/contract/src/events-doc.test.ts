import { readFileSync } from 'node:fs';
import { DOMAIN_EVENT_TYPES } from '@clos/core';
import { describe, expect, it } from 'vitest';
import { changeEventTable, signalEventTable, withEventTables } from './events-doc.ts';

const page = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

describe('docs/events.md', () => {
  it('holds the event tables written from the payload schemas (npm run docs:events rewrites them)', () => {
    expect(page).toBe(withEventTables(page));
  });

  it('has one row per catalogued type, with the schema’s fields', () => {
    const rows = `${changeEventTable()}\n${signalEventTable()}`
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => r.split('`')[1]).sort()).toEqual(Object.keys(DOMAIN_EVENT_TYPES).sort());
    expect(changeEventTable()).toContain(
      '| `stage.advanced` | pod | project | before: `stage`; after: `stage`, `approvedBy` (emails) |',
    );
    expect(signalEventTable()).toContain('`phase` (`unblock`, `commit`, `recap`), `day` (local date)');
  });

  it('notices a table edited by hand, and a page without its markers', () => {
    const edited = page.replace('| `wip.acquired` | pod |', '| `wip.acquired` | company |');
    expect(edited).not.toBe(page);
    expect(withEventTables(edited)).toBe(page);
    expect(() => withEventTables('# Domain events\n')).toThrow(/lacks the markers/);
  });
});
