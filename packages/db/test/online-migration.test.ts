import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER, openPostgres } from '@clos/db';
import { emptyPostgresDatabase } from '@clos/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { checkMigration } from '../src/migration-rules.ts';

/**
 * During a rolling deploy the previous release keeps writing while the new release's migrations apply
 * (docs/postgresql.md, "Migrations without downtime"). This starts a database at the previous release's
 * schema (packages/db/migrations/RELEASED), runs writers that behave like that release's code (every
 * insert names every column that release knew, as Drizzle does; reads select them all), applies the
 * remaining migrations through the real start-up path meanwhile, and expects the writers to have seen
 * no error. A deliberately bad migration shows the same test fails when a migration breaks old code.
 * PostgreSQL only: PGlite is one process, so nothing runs beside its migrations.
 */

const BASE_URL = process.env.CLOS_TEST_DATABASE_URL;

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

function journal(): JournalEntry[] {
  const text = readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8');
  return (JSON.parse(text) as { entries: JournalEntry[] }).entries;
}

/** How many migrations the previous release ran: up to RELEASED's tag, or all but the newest for "none". */
function previousReleaseCount(entries: JournalEntry[]): number {
  const lines = readFileSync(join(MIGRATIONS_FOLDER, 'RELEASED'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines.length !== 1) throw new Error('RELEASED must hold one migration tag, or "none"');
  if (lines[0] === 'none') return entries.length - 1;
  const at = entries.findIndex((e) => e.tag === lines[0]);
  if (at < 0) throw new Error(`RELEASED names ${lines[0]}, which meta/_journal.json does not list`);
  return at + 1;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A migrations folder holding these journal entries (copied from the real one) and any extra files. */
function folderWith(entries: JournalEntry[], extra: { tag: string; sql: string }[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'clos-migrations-'));
  mkdirSync(join(dir, 'meta'));
  for (const e of entries) copyFileSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), join(dir, `${e.tag}.sql`));
  let when = entries[entries.length - 1]?.when ?? 0;
  const added = extra.map((x, k) => {
    writeFileSync(join(dir, `${x.tag}.sql`), x.sql);
    when += 1000;
    return { idx: entries.length + k, version: '7', when, tag: x.tag, breakpoints: true };
  });
  const all = [...entries, ...added];
  writeFileSync(
    join(dir, 'meta/_journal.json'),
    JSON.stringify({ version: '7', dialect: 'postgresql', entries: all }),
  );
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A throwaway database on the test server, dropped after the test. */
async function createDatabase(): Promise<string> {
  const empty = await emptyPostgresDatabase('clos_online');
  cleanups.push(empty.drop);
  return empty.url;
}

/** Applies migrations the way a starting CLOS process does (advisory lock, lock_timeout, drizzle). */
async function migrate(url: string, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  const db = await openPostgres(url, { poolMax: 1, migrationsFolder });
  await db.close();
}

interface Column {
  name: string;
  /** Nullable or defaulted: the writer may send `default` for it, as Drizzle does for unset fields. */
  optional: boolean;
}

/** The columns of every table as the previous release's schema has them. */
async function readSchema(url: string): Promise<Map<string, Column[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ table_name: string; column_name: string; optional: boolean }>(
    `select table_name, column_name,
            is_nullable = 'YES' or column_default is not null or is_identity = 'YES' or is_generated <> 'NEVER' as optional
       from information_schema.columns
      where table_schema = 'public'
      order by table_name, ordinal_position`,
  );
  await client.end();
  const schema = new Map<string, Column[]>();
  for (const r of rows) {
    const columns = schema.get(r.table_name) ?? [];
    columns.push({ name: r.column_name, optional: r.optional });
    schema.set(r.table_name, columns);
  }
  return schema;
}

interface Writer {
  readonly iterations: number;
  readonly errors: string[];
  stop(): Promise<void>;
}

const hash = () => randomBytes(32).toString('hex');

/**
 * Writes like the previous release: each round is one transaction that creates a project and an idea,
 * updates both, takes and releases a WIP lock and appends an audit event under the chain head's row
 * lock; then it reads every column of every table. Inserts name every column the old schema has.
 */
async function startWriter(url: string, schema: Map<string, Column[]>, name: string): Promise<Writer> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {
    // The database is dropped under it at the end; the loop has stopped by then.
  });
  await client.connect();

  const insert = (table: string, values: Record<string, unknown>) => {
    const columns = schema.get(table);
    if (!columns) throw new Error(`the previous release has no table ${table}`);
    const params: unknown[] = [];
    const sql = columns.map((c) => {
      if (c.name in values) {
        params.push(values[c.name]);
        return `$${params.length}`;
      }
      if (c.optional) return 'default';
      throw new Error(`the writer cannot fill ${table}.${c.name}: give it a value in startWriter`);
    });
    const names = columns.map((c) => pg.escapeIdentifier(c.name)).join(', ');
    return client.query(
      `insert into ${pg.escapeIdentifier(table)} (${names}) values (${sql.join(', ')})`,
      params,
    );
  };
  // Reads name every column the old code knows, one statement each, as Drizzle's selects do (one
  // multi-statement query would hold every table's lock at once, which no request does).
  const reads = [...schema].map(
    ([t, cs]) =>
      `select ${cs.map((c) => pg.escapeIdentifier(c.name)).join(', ')} from ${pg.escapeIdentifier(t)} limit 1`,
  );

  const podId = randomUUID();
  const userId = randomUUID();
  const now = () => new Date();
  await insert('pods', {
    id: podId,
    slug: `online-${name}`,
    name,
    timezone: 'UTC',
    created_at: now(),
    updated_at: now(),
  });
  await insert('users', {
    id: userId,
    email: `${name}@example.test`,
    name,
    role: 'member',
    created_at: now(),
  });

  const round = async (n: number) => {
    const projectId = randomUUID();
    const ideaId = randomUUID();
    const lockId = randomUUID();
    await client.query('begin');
    await insert('projects', {
      id: projectId,
      key: `online-${name}-${n}`,
      name: `Project ${n}`,
      pod_id: podId,
      current_stage: 'idea',
      stage_entered_at: now(),
      created_at: now(),
      updated_at: now(),
    });
    await insert('ideas', {
      id: ideaId,
      title: `Idea ${n}`,
      description: 'written by the previous release',
      submitted_by: userId,
      pod_id: podId,
      created_at: now(),
      updated_at: now(),
    });
    await client.query('update ideas set description = $2, updated_at = now() where id = $1', [
      ideaId,
      'edited',
    ]);
    await client.query('update projects set blocked_reason = $2, updated_at = now() where id = $1', [
      projectId,
      'waiting',
    ]);
    await insert('wip_locks', {
      id: lockId,
      pod_id: podId,
      item_type: 'project',
      item_id: projectId,
      acquired_by: userId,
      acquired_at: now(),
    });
    await client.query('update wip_locks set released_at = now(), released_by = $2 where id = $1', [
      lockId,
      userId,
    ]);
    const head = await client.query<{ sequence: string; hash: string }>(
      'select sequence, hash from audit_head where id = 1 for update',
    );
    const sequence = Number(head.rows[0]!.sequence) + 1;
    const eventHash = hash();
    await insert('audit_events', {
      sequence,
      id: randomUUID(),
      occurred_at: now(),
      actor_id: userId,
      actor_label: name,
      action: 'project.created',
      subject_type: 'project',
      subject_id: projectId,
      prev_hash: head.rows[0]!.hash,
      hash: eventHash,
    });
    await client.query('update audit_head set sequence = $1, hash = $2 where id = 1', [sequence, eventHash]);
    await client.query('commit');
    for (const read of reads) await client.query(read);
  };

  const state = { iterations: 0, errors: [] as string[], stopped: false };
  const loop = (async () => {
    while (!state.stopped) {
      try {
        await round(state.iterations);
        state.iterations++;
        // A breath between rounds keeps two writers from taking both of CI's cores; writes stay continuous.
        await new Promise((resolve) => setTimeout(resolve, 5));
      } catch (error) {
        state.errors.push(`${name}: ${(error as Error).message}`);
        await client.query('rollback').catch(() => {});
        // A broken schema fails every round: no need to spin on it.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  })();
  return {
    get iterations() {
      return state.iterations;
    },
    errors: state.errors,
    async stop() {
      state.stopped = true;
      await loop;
      await client.end().catch(() => {});
    },
  };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!condition()) throw new Error(`gave up waiting until ${what}`);
}

/** Starts two writers on the previous release's schema and waits until both have committed rounds. */
async function startWriters(url: string): Promise<Writer[]> {
  const schema = await readSchema(url);
  const writers = [await startWriter(url, schema, 'writer-a'), await startWriter(url, schema, 'writer-b')];
  cleanups.push(async () => {
    for (const w of writers) await w.stop();
  });
  await waitFor(() => writers.every((w) => w.iterations >= 3), 'both writers committed three rounds');
  return writers;
}

/** Waits until every writer has committed `rounds` more rounds than now (or failed, when expected). */
async function progress(writers: Writer[], rounds: number): Promise<void> {
  const from = writers.map((w) => w.iterations);
  await waitFor(
    () => writers.every((w, i) => w.iterations >= from[i]! + rounds || w.errors.length > 0),
    `every writer committed ${rounds} more rounds`,
  );
}

describe.skipIf(!BASE_URL)('migrations while the previous release writes (PostgreSQL)', () => {
  const entries = journal();

  it('the newer migrations apply while the previous release writes, and it sees no error', async () => {
    const previous = previousReleaseCount(entries);
    const url = await createDatabase();
    await migrate(url, folderWith(entries.slice(0, previous)));
    const writers = await startWriters(url);

    await migrate(url); // the real folder, as the new release starts
    await progress(writers, 3);
    for (const w of writers) await w.stop();

    expect(writers.flatMap((w) => w.errors)).toEqual([]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const applied = await client.query('select hash from drizzle.__drizzle_migrations');
    const events = await client.query<{ n: string }>('select count(*) as n from audit_events');
    await client.end();
    expect(applied.rowCount).toBe(entries.length);
    expect(Number(events.rows[0]!.n)).toBe(writers.reduce((sum, w) => sum + w.iterations, 0));
  });

  it('fails when a migration breaks the previous release: dropping a column it writes', async () => {
    const bad = { tag: '9999_drop_idea_description', sql: 'ALTER TABLE "ideas" DROP COLUMN "description";' };
    // The checker refuses it too; this proves the online test would catch what slipped past it.
    expect(checkMigration(bad.tag, bad.sql).violations.map((v) => v.rule)).toEqual(['drop-column']);
    const previous = previousReleaseCount(entries);
    const url = await createDatabase();
    await migrate(url, folderWith(entries.slice(0, previous)));
    const writers = await startWriters(url);

    await migrate(url, folderWith(entries, [bad]));
    await waitFor(() => writers.every((w) => w.errors.length > 0), 'every writer failed');
    for (const w of writers) await w.stop();

    for (const w of writers) expect(w.errors[0]).toMatch(/column "description" .*does not exist/);
  });

  it('a migration stuck behind a long transaction gives up instead of queueing the writers, and retries', async () => {
    const url = await createDatabase();
    await migrate(url);
    const writers = await startWriters(url);
    const folder = folderWith(entries, [
      { tag: '9999_idea_note', sql: 'ALTER TABLE "ideas" ADD COLUMN "note" text;' },
    ]);
    // A long report holds a share lock on ideas; this expand-only migration needs ideas exclusively.
    const report = new pg.Client({ connectionString: url });
    await report.connect();
    cleanups.push(async () => void (await report.end().catch(() => {})));
    const waiting = async () =>
      (
        await report.query(
          "select 1 from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'ideas' and l.mode = 'AccessExclusiveLock' and not l.granted",
        )
      ).rowCount === 1;

    await report.query('begin');
    await report.query('select count(*) from ideas');
    // Every attempt times out; 55P03 is lock_not_available (drizzle wraps the driver's error as its cause).
    await expect(migrate(url, folder)).rejects.toMatchObject({ cause: { code: '55P03' } });
    await progress(writers, 3);

    // The report ends while an attempt waits: that attempt, or the next, applies the migration.
    const started = migrate(url, folder);
    for (let i = 0; i < 500 && !(await waiting()); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await report.query('commit');
    await started;
    await progress(writers, 3);
    for (const w of writers) await w.stop();

    expect(writers.flatMap((w) => w.errors)).toEqual([]);
    const note = await report.query(
      "select 1 from information_schema.columns where table_name = 'ideas' and column_name = 'note'",
    );
    expect(note.rowCount).toBe(1);
  });
});
