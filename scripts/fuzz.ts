/**
 * `npm run fuzz -- [--runs N] [--engine pglite|postgres] [--seed S] [--path P] [--first] [--json FILE]`:
 * the fuzz suite of docs/testing.md as a long run. Sends N generated requests (default 10,000) to an
 * in-process server on a fresh database, keeps going past failures, then shrinks one example of each
 * distinct failure and prints them with the seed and path that reproduce them. `--path` replays one
 * case of a seed (and shrinks it). Exits 1 when anything failed. PostgreSQL needs
 * CLOS_TEST_DATABASE_URL (a server where it may create and drop a database).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatReport, runFuzz } from '../apps/server/test/fuzz/runner.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    engine: { type: 'string', default: 'pglite' },
    seed: { type: 'string' },
    path: { type: 'string' },
    first: { type: 'boolean', default: false },
    json: { type: 'string' },
    'verify-every': { type: 'string', default: '1000' },
  },
});

const whole = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name}: must be a whole number, got "${text}"`);
  return n;
};
const engine = values.engine;
if (engine !== 'pglite' && engine !== 'postgres')
  throw new Error(`--engine: pglite or postgres, got "${engine}"`);
if (engine === 'postgres' && !process.env.CLOS_TEST_DATABASE_URL)
  throw new Error(
    '--engine postgres: set CLOS_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)',
  );
const runs = whole('runs', values.runs)!;
const seed = whole('seed', values.seed);
const verifyEvery = Math.max(1, whole('verify-every', values['verify-every'])!);

let lastPrint = 0;
const total = values.path ? 1 : runs;
const report = await runFuzz({
  engine,
  runs: total,
  seed,
  path: values.path,
  mode: values.first || values.path ? 'first' : 'all',
  verifyEvery,
  onProgress(done, classes) {
    const now = Date.now();
    if (now - lastPrint < 5_000) return;
    lastPrint = now;
    process.stderr.write(`  ${done}/${total} cases, ${classes} failure classes so far\n`);
  },
});
process.stdout.write(`${formatReport(report)}\n`);
if (values.json) await writeFile(values.json, JSON.stringify(report, null, 2));
process.exitCode = report.failures.length ? 1 : 0;
