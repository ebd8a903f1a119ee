import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Database } from '@clos/db';
import { openTestDatabase } from '@clos/testing';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MAIN = join(ROOT, 'apps/server/src/main.ts');
// Each process runs from its own directory (to read its own clos.config.yaml), where `tsx` would not
// resolve by name.
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(cwd: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, '--port', '0'], {
    cwd,
    env: { ...process.env, CLOS_ADMIN_TOKEN: '', CLOS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (minutes: number) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;

/**
 * A fixed-offset zone in which it is about noon now, and the local times (in minutes since local
 * midnight) of now. `Etc/GMT-3` is UTC+3: the sign is inverted in these names.
 */
function middayZone(now: Date): { timeZone: string; localMinutes: number } {
  const offset = 12 - now.getUTCHours(); // -11 … +12, all of which exist as Etc/GMT zones
  const timeZone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return { timeZone, localMinutes: (now.getUTCHours() + offset) * 60 + now.getUTCMinutes() };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!process.env.CLOS_TEST_DATABASE_URL)(
  'two server processes on one PostgreSQL',
  { timeout: 240_000 },
  () => {
    it('each scheduled rhythm runs once: one workflow run per key, one digest', async () => {
      const database = (await openTestDatabase('postgres')) as Database & { url: string };
      const servers: Started[] = [];
      try {
        const { timeZone, localMinutes } = middayZone(new Date());
        // The unblock time passed 2–3 minutes ago (well within catchUpMinutes), so it is due at once;
        // commit and recap lie hours ahead and must not run.
        const config = [
          'workflows: { tickSeconds: 1, pollingIntervalSeconds: 0.5 }',
          'rhythms:',
          '  daily:',
          '    days: [mon, tue, wed, thu, fri, sat, sun]',
          `    unblock: "${hhmm(localMinutes - 2)}"`,
          `    commit: "${hhmm(localMinutes + 240)}"`,
          `    recap: "${hhmm(localMinutes + 300)}"`,
          '  weeklyDemo: { enabled: false }',
          'pods:',
          '  - slug: atlas',
          '    name: Atlas',
          `    timezone: ${timeZone}`,
          '    members:',
          '      - { email: ada@example.com, name: Ada }',
          '',
        ].join('\n');
        for (let i = 0; i < 2; i++) {
          const cwd = mkdtempSync(join(tmpdir(), `clos-multi-${i}-`));
          dirs.push(cwd);
          writeFileSync(join(cwd, 'clos.config.yaml'), config);
          servers.push(run(cwd, { DATABASE_URL: database.url }));
        }
        for (const s of servers)
          await until('the server to listen', async () => {
            if (s.child.exitCode !== null) throw new Error(`server exited early: ${s.stderr()}`);
            return /CLOS is listening/.test(s.stdout());
          });

        await until('the unblock digest', async () => {
          const [row] = await database.query<{ n: number }>('select count(*)::int as n from rhythm_digests');
          return row!.n > 0;
        });
        // A few more ticks of both schedulers (1 s each) that must not start anything more.
        await new Promise((r) => setTimeout(r, 4_000));

        const runs = await database.query<{ key: string; status: string }>(
          "select key, status from workflow_runs where workflow = 'daily-rhythm'",
        );
        expect(runs).toHaveLength(1);
        expect(runs[0]!.key).toMatch(/^daily-rhythm:unblock:[0-9a-f-]{36}:\d{4}-\d{2}-\d{2}$/);
        expect(runs[0]!.status).toBe('succeeded');
        const perKey = await database.query<{ key: string; n: number }>(
          'select key, count(*)::int as n from workflow_runs group by key having count(*) > 1',
        );
        expect(perKey).toEqual([]);
        const digests = await database.query<{ phase: string; n: number }>(
          'select phase, count(*)::int as n from rhythm_digests group by phase',
        );
        expect(digests).toEqual([{ phase: 'unblock', n: 1 }]);
        const ready = await database.query<{ n: number }>(
          "select count(*)::int as n from domain_events where type = 'rhythm.digest_ready'",
        );
        expect(ready[0]!.n).toBe(1);
      } finally {
        for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGTERM');
        for (const s of servers) await s.exited;
        await database.close();
      }
    });
  },
);
