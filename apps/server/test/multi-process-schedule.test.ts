import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '@clos/db';
import { openTestDatabase } from '@clos/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  listeningUrl,
  type ServerProcess,
  spawnServer,
  stopServer,
  tempDirs,
  until,
} from './server-process.ts';

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

const dirs = tempDirs('clos-multi-');
afterAll(() => dirs.removeAll());

describe.skipIf(!process.env.CLOS_TEST_DATABASE_URL)(
  'two server processes on one PostgreSQL',
  { timeout: 240_000 },
  () => {
    it('each scheduled rhythm runs once: one workflow run per key, one digest', async () => {
      const database = (await openTestDatabase('postgres')) as Database & { url: string };
      const servers: ServerProcess[] = [];
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
          const cwd = dirs.make();
          writeFileSync(join(cwd, 'clos.config.yaml'), config);
          servers.push(spawnServer(['--port', '0'], { cwd, env: { DATABASE_URL: database.url } }));
        }
        for (const s of servers) await listeningUrl(s);

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
        await Promise.all(servers.map((s) => stopServer(s)));
        await database.close();
      }
    });
  },
);
