/**
 * `npm run bench:statements`: how many SQL statements PostgreSQL receives per WIP acquire and per
 * release — the request's own transaction and its share of the relay's passes (sealing the audit
 * log, numbering and dispatching the events) — counted from the server's statement log, not timed.
 * On a shared machine CPU figures swing by a third between runs; round trips do not, and each one
 * costs a syscall, a wake-up of the backend and a protocol parse on both sides. Not run in CI.
 *
 * It starts the compiled server on a fresh database of CLOS_BENCH_DATABASE_URL, turns
 * `log_statement = 'all'` on for that database (so the role must be a superuser) and reads what the
 * server logged from CLOS_BENCH_PG_LOG (default: Debian's log of PostgreSQL 15).
 *
 * Environment: CLOS_BENCH_DATABASE_URL (required), CLOS_BENCH_PG_LOG, STATEMENTS_REQUESTS (per
 * scenario, default 400), STATEMENTS_CONCURRENCY (comma-separated, default "1,10").
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { envNumber, printMachine } from './machine.ts';
import { createDatabase, startClosProcess } from './pg-processes.ts';
import { seedClos } from './seed.ts';
import { markdownTable } from './stats.ts';

const ADMIN_URL = process.env.CLOS_BENCH_DATABASE_URL ?? '';
if (!ADMIN_URL) {
  console.error('bench:statements: set CLOS_BENCH_DATABASE_URL to a PostgreSQL server (a superuser role)');
  process.exit(2);
}
const LOG = process.env.CLOS_BENCH_PG_LOG ?? '/var/log/postgresql/postgresql-15-main.log';
const REQUESTS = Math.round(envNumber('STATEMENTS_REQUESTS', 400));
const CONCURRENCY = (process.env.STATEMENTS_CONCURRENCY ?? '1,10').split(',').map(Number);
/** The relay's first statement, once per pass: its advisory lock, by a parameter (lockScope hashes text). */
const RELAY_PASS = /^select pg_advisory_xact_lock\(\$1\)$/;
/** Leaves the relay's passes time to drain what the requests committed. */
const SETTLE_MS = 1500;

/** The statements PostgreSQL logged since `offset`, each as it was sent (parameters left as $n). */
function loggedSince(offset: number): string[] {
  return readFileSync(LOG, 'utf8')
    .slice(offset)
    .split('\n')
    .map((line) => /LOG: {2}(?:statement|execute [^:]*): (.*)$/.exec(line)?.[1]?.trim())
    .filter((s): s is string => s !== undefined && s !== '');
}

/** A statement named by its verb and first table, parameters and literals folded. */
function kind(statement: string): string {
  if (/^(begin|commit)$/i.test(statement)) return statement.toLowerCase();
  if (RELAY_PASS.test(statement)) return 'relay pass: its lock';
  const table = statement.match(/^(?:with \w+ as \()?(?:insert into|update|delete from) "(\w+)"/)?.[1];
  const read = statement.match(/ from "(\w+)"/)?.[1];
  const verb = statement.replace(/^with \w+ as \(/, '').split(' ')[0];
  const lock = /pg_advisory_xact_lock\(hashtextextended/.test(statement) ? ' + scope' : '';
  return `${statement.startsWith('with ') ? 'with … ' : ''}${verb} ${table ?? read ?? ''}${lock}`.trim();
}

interface Counted {
  scenario: string;
  concurrency: number;
  perRequest: number;
  passesPerRequest: number;
  kinds: [string, number][];
}

async function main(): Promise<void> {
  statSync(LOG); // fails early, naming the file, when the log cannot be read
  printMachine(`PostgreSQL at CLOS_BENCH_DATABASE_URL; ${REQUESTS} requests per scenario`);
  const stamp = Date.now();
  const database = await createDatabase(ADMIN_URL, `clos_statements_${stamp}`);
  const cwd = mkdtempSync(join(os.tmpdir(), 'clos-statements-'));
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  // Set before the server connects: every connection it opens logs every statement.
  await admin.query(`alter database "${new URL(database.url).pathname.slice(1)}" set log_statement = 'all'`);
  const server = await startClosProcess(database.url, cwd);
  const counted: Counted[] = [];
  try {
    const token = await seedClos(server.url, 0);
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(server.url + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : null,
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<{ id: string }>;
    };
    await call('POST', '/api/v1/pods/bench/wip/pull-request/locks', { itemId: 'warm-up' }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    const measure = async (scenario: string, concurrency: number, one: (i: number) => Promise<unknown>) => {
      const offset = statSync(LOG).size;
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          for (let i = worker; i < REQUESTS; i += concurrency) await one(i);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const statements = loggedSince(offset);
      const kinds = new Map<string, number>();
      for (const s of statements) kinds.set(kind(s), (kinds.get(kind(s)) ?? 0) + 1);
      counted.push({
        scenario,
        concurrency,
        perRequest: statements.length / REQUESTS,
        passesPerRequest: (kinds.get('relay pass: its lock') ?? 0) / REQUESTS,
        kinds: [...kinds].sort((a, b) => b[1] - a[1]),
      });
    };
    for (const concurrency of CONCURRENCY) {
      const ids: string[] = [];
      const prefix = `c${concurrency}`;
      await measure('acquire', concurrency, async (i) => {
        ids[i] = (
          await call('POST', '/api/v1/pods/bench/wip/pull-request/locks', { itemId: `${prefix}-${i}` })
        ).id;
      });
      await measure('release', concurrency, (i) => call('DELETE', `/api/v1/wip-locks/${ids[i]}`));
    }
  } finally {
    await server.stop();
    await admin.end();
    await database.drop();
    rmSync(cwd, { recursive: true, force: true });
  }

  console.log('\n## Statements per request\n');
  console.log(
    markdownTable(
      ['Scenario', 'Concurrent requests', 'Statements per request', 'Relay passes per request'],
      counted.map((c) => [
        c.scenario,
        String(c.concurrency),
        c.perRequest.toFixed(2),
        c.passesPerRequest.toFixed(2),
      ]),
    ),
  );
  for (const c of counted) {
    console.log(`\n### ${c.scenario}, ${c.concurrency} at a time: statements per request by kind\n`);
    console.log(
      markdownTable(
        ['Statement', 'Per request'],
        c.kinds.map(([k, n]) => [k, (n / REQUESTS).toFixed(2)]),
      ),
    );
  }
}

await main();
