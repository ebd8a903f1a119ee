import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveProjectKey, projectKeyProblem } from '@clos/core';
import { MIGRATIONS_FOLDER } from '@clos/db';
import { testEngines } from '@clos/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Migration 0008 gives every existing project a key from its name, in SQL; projects created later get
 * theirs from core's `deriveProjectKey`. This runs the migrations up to 0007 on an empty database,
 * adds projects the way an older CLOS would have, runs 0008 and compares: both rules must agree, or a
 * project created after the upgrade could get a different key than the same name got before.
 */

interface Sql {
  exec(text: string): Promise<void>;
  rows<T>(text: string): Promise<T[]>;
  close(): Promise<void>;
}

async function openEmpty(engine: string): Promise<Sql> {
  if (engine === 'pglite') {
    const client = await PGlite.create();
    return {
      exec: async (text) => void (await client.exec(text)),
      rows: async <T>(text: string) => (await client.query<T>(text)).rows,
      close: () => client.close(),
    };
  }
  const base = process.env.CLOS_TEST_DATABASE_URL!;
  const name = `clos_mig_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    exec: async (text) => void (await client.query(text)),
    rows: async <T>(text: string) => (await client.query(text)).rows as T[],
    async close() {
      await client.end();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** The migrations in journal order, each as drizzle runs it: statement by statement. */
function migrations(): { idx: number; statements: string[] }[] {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  return journal.entries.map((e) => ({
    idx: e.idx,
    statements: readFileSync(join(MIGRATIONS_FOLDER, `${e.tag}.sql`), 'utf8')
      .split('--> statement-breakpoint')
      .filter((s) => s.trim()),
  }));
}

const KEYS_MIGRATION = 8;

describe.each(testEngines())('migration 0008 backfills project keys on %s', (engine) => {
  let sql: Sql;
  const names = [
    'Payments',
    'Payments API v2',
    '  Checkout / Cart -- Redesign!  ',
    '2026 roadmap',
    '---',
    'Café crème',
    'A very long project name that goes on',
    'X',
  ];
  // Same base key as 'Payments', created later: gets a piece of its id.
  const duplicate = { id: 'abcdef01-0000-4000-8000-000000000001', name: 'payments!' };
  let keys: Map<string, string>;

  beforeAll(async () => {
    sql = await openEmpty(engine);
    const all = migrations();
    for (const m of all.filter((m) => m.idx < KEYS_MIGRATION))
      for (const s of m.statements) await sql.exec(s);
    const pod = randomUUID();
    await sql.exec(
      `insert into pods (id, slug, name, timezone, created_at, updated_at)
       values ('${pod}', 'core', 'Core', 'UTC', now(), now())`,
    );
    const rows = [
      ...names.map((name, i) => ({ id: randomUUID(), name, at: `2026-01-01T00:00:0${i}Z` })),
      { ...duplicate, at: '2026-02-01T00:00:00Z' },
    ];
    for (const r of rows)
      await sql.exec(
        `insert into projects (id, name, pod_id, current_stage, stage_entered_at, created_at, updated_at)
         values ('${r.id}', '${r.name}', '${pod}', 'idea', '${r.at}', '${r.at}', '${r.at}')`,
      );
    for (const m of all.filter((m) => m.idx === KEYS_MIGRATION))
      for (const s of m.statements) await sql.exec(s);
    keys = new Map(
      (await sql.rows<{ id: string; name: string; key: string }>('select id, name, key from projects')).map(
        (r) => [r.id === duplicate.id ? '(duplicate)' : r.name, r.key],
      ),
    );
  });
  afterAll(async () => {
    await sql?.close();
  });

  it('gives each name the key deriveProjectKey gives it', () => {
    for (const name of names) expect(keys.get(name), name).toBe(deriveProjectKey(name));
  });

  it('gives a later project of the same key the first 8 characters of its id, and valid keys to all', () => {
    expect(keys.get('Payments')).toBe('payments');
    expect(keys.get('(duplicate)')).toBe('payments-abcdef01');
    for (const key of keys.values()) expect(projectKeyProblem(key), key).toBeNull();
  });

  it('leaves the key required and unique', async () => {
    await expect(sql.exec(`update projects set key = null where name = 'Payments'`)).rejects.toThrow();
    await expect(
      sql.exec(`update projects set key = 'payments' where name = '2026 roadmap'`),
    ).rejects.toThrow(/projects_key_uq/);
  });
});
