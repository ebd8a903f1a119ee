/**
 * How long a backup's snapshot transaction holds the embedded engine (PGlite has one connection:
 * every other statement waits for it), on an audit log of N events (default 10,000) with realistic
 * payloads. Prints the snapshot time, the archive size, and the longest wait of a writer inserting
 * rows in a loop during the backup. Not a test: run by hand, numbers go to docs/backup.md.
 *
 *   npx tsx packages/backup/test/measure-snapshot.ts [events] [--data-dir DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '@clos/db';
import { backupDatabase } from '../src/index.ts';

const events = Number(process.argv[2] ?? 10_000);
const onDisk = process.argv.includes('--data-dir');
const dir = mkdtempSync(join(tmpdir(), 'clos-measure-'));
const database = await openPglite(onDisk ? join(dir, 'data') : undefined);
await database.query(
  `insert into audit_events (sequence, id, occurred_at, actor_label, action, subject_type, subject_id, before, after, reason, request_id, prev_hash, hash)
   select g, gen_random_uuid(), now() - (g || ' seconds')::interval, 'someone@example.com', 'idea.submitted', 'idea', gen_random_uuid()::text,
          null, jsonb_build_object('title', 'An idea worth ' || g, 'description', repeat('words ', 40), 'tags', jsonb_build_array('a', 'b')),
          null, 'req-' || g, md5(g::text) || md5((g + 1)::text), md5((g + 2)::text) || md5((g + 3)::text)
     from generate_series(1, $1::int) g`,
  [events],
);
let longest = 0;
let writes = 0;
let stop = false;
const writer = (async () => {
  while (!stop) {
    const t = performance.now();
    await database.query('insert into job_keys (key, created_at) values ($1, now())', [`measure-${writes}`]);
    longest = Math.max(longest, performance.now() - t);
    writes += 1;
    // In-memory PGlite answers in microtasks: yield, or this loop would starve every timer.
    await new Promise((r) => setImmediate(r));
  }
})();
await new Promise((r) => setTimeout(r, 100));
const started = performance.now();
const result = await backupDatabase(database, { file: join(dir, 'backup.gz') });
const total = performance.now() - started;
stop = true;
await writer;
console.log(
  JSON.stringify({
    events,
    engine: onDisk ? 'pglite (data directory)' : 'pglite (memory)',
    snapshotMs: Math.round(result.snapshotMs),
    totalMs: Math.round(total),
    archiveBytes: result.bytes,
    longestWriterWaitMs: Math.round(longest),
    writesDuring: writes,
  }),
);
await database.close();
rmSync(dir, { recursive: true, force: true });
