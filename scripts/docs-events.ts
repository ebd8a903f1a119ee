/**
 * Writes the event tables of docs/events.md from the payload schemas (@clos/contract events.ts).
 * `--check` only compares, exiting 1 when the page is stale (the contract test does the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withEventTables } from '@clos/contract/events-doc';

const path = new URL('../docs/events.md', import.meta.url);
const page = readFileSync(path, 'utf8');
const next = withEventTables(page);
if (process.argv.includes('--check')) {
  if (next !== page) {
    console.error('docs/events.md is stale: run npm run docs:events');
    process.exit(1);
  }
} else if (next !== page) {
  writeFileSync(path, next);
  console.log('docs/events.md: event tables rewritten');
} else console.log('docs/events.md: up to date');
