import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openPglite, openPostgres } from '@clos/db';
import { emptyPostgresDatabase, testEngines } from '@clos/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { listeningUrl, ROOT, spawnServer, stopServer } from './server-process.ts';

const ADMIN = 'clos_test_admin_token_0123456789abcdef';
const WRITER = join(ROOT, 'apps/server/test/fixtures/write-then-die.ts');
const TSX = import.meta.resolve('tsx');

/** Runs the writer to its SIGKILL; what it printed. */
async function writeThenDie(target: string[], count: number): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', TSX, WRITER, ...target, '--count', String(count), '--admin-token', ADMIN],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_, s) => resolve(s)),
  );
  expect(signal, out).toBe('SIGKILL');
  return out;
}

async function inspect(open: () => Promise<Database>) {
  const database = await open();
  try {
    const [row] = await database.query<{ pending: number; sealed: number; head: number }>(
      `select (select count(*)::int from audit_pending) as pending, (select count(*)::int from audit_events) as sealed,
              (select sequence::int from audit_head) as head`,
    );
    const titles = await database.query<{ title: string }>(
      "select after->>'title' as title from audit_pending where action = 'idea.submitted' order by position",
    );
    return { ...row!, titles: titles.map((t) => t.title) };
  } finally {
    await database.close();
  }
}

/**
 * An audit entry commits with its change and is chained later: a process killed in between loses
 * nothing. The writer commits and is SIGKILLed before any sealer ran; the rows wait in the database;
 * the next server to start seals them into a chain that verifies.
 */
describe.each(testEngines())(
  'audit entries across a SIGKILL before sealing, on %s',
  { timeout: 240_000 },
  (engine) => {
    const cleanup: (() => Promise<void> | void)[] = [];
    afterAll(async () => {
      for (const c of cleanup.reverse()) await c();
    });

    it('are all there after the kill, unsealed, and the next process seals them in order', async () => {
      let target: string[];
      let open: () => Promise<Database>;
      let serverArgs: string[];
      let env: Record<string, string> = {};
      if (engine === 'postgres') {
        const db = await emptyPostgresDatabase('clos_sealing');
        cleanup.push(db.drop);
        target = ['--url', db.url];
        open = () => openPostgres(db.url, { migrate: false });
        serverArgs = [];
        env = { DATABASE_URL: db.url };
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'clos-sealing-'));
        cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
        target = ['--data-dir', dir];
        open = () => openPglite(dir, { migrate: false });
        serverArgs = ['--data-dir', dir];
      }

      expect(await writeThenDie(target, 3)).toContain('committed');
      const after = await inspect(open);
      // Nothing was sealed, nothing was lost: the admin's bootstrap entries and the three ideas.
      expect(after.sealed).toBe(0);
      expect(after.head).toBe(0);
      expect(after.titles).toEqual(['Before the kill 0', 'Before the kill 1', 'Before the kill 2']);
      expect(after.pending).toBeGreaterThan(3);

      const server = spawnServer(['--port', '0', ...serverArgs], {
        env: { CLOS_ADMIN_TOKEN: ADMIN, ...env },
      });
      cleanup.push(() => stopServer(server).then(() => undefined));
      const url = await listeningUrl(server);
      // biome-ignore lint/suspicious/noExplicitAny: the test reads response bodies loosely
      const get = async (path: string): Promise<any> =>
        (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json();
      const ideas = (await get('/api/v1/audit?action=idea.submitted')).items as {
        sequence: number;
        after: { title: string };
      }[];
      expect(ideas.map((e) => e.after.title).reverse()).toEqual(after.titles);
      expect(ideas.map((e) => e.sequence).reverse()).toEqual([
        after.pending - 2,
        after.pending - 1,
        after.pending,
      ]);
      expect(await get('/api/v1/audit/verify')).toEqual({ ok: true, count: after.pending, unsealed: 0 });
    });
  },
);
