import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeCore, type Database, type Db } from '@clos/db';
import { defaultPolicy, openTestDatabase } from '@clos/testing';
import { startRuntime } from '@clos/workflows';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCode, type ServerProcess, spawnServer, stopServer, tempDirs, until } from './server-process.ts';

const run = (args: string[], cwd: string, env: Record<string, string>) => spawnServer(args, { cwd, env });
const dirs = tempDirs('clos-worker-');
const temp = () => dirs.make();
const children: ServerProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  dirs.removeAll();
});

describe('clos worker processes', { timeout: 240_000 }, () => {
  it('refuses --worker-only and --no-worker without PostgreSQL (the embedded database is one process’s)', async () => {
    const s = run(['--worker-only'], temp(), {});
    expect(await exitCode(s)).toBe(2);
    expect(s.output()).toContain('--worker-only needs DATABASE_URL');
    const api = run(['--no-worker'], temp(), {});
    expect(await exitCode(api)).toBe(2);
    expect(api.output()).toContain('--no-worker needs DATABASE_URL');
  });

  it.runIf(Boolean(process.env.CLOS_TEST_DATABASE_URL))(
    'finishes a job whose worker was killed mid-step, with its effect exactly once',
    async () => {
      const database = (await openTestDatabase('postgres')) as Database & { url: string };
      const dir = temp();
      // Short job timeout and maintenance interval: the killed worker's job is declared dead in seconds.
      const workflows = {
        jobTimeoutSeconds: 3,
        maintenanceIntervalSeconds: 1,
        pollingIntervalSeconds: 0.5,
        retryDelaySeconds: 1,
        tickSeconds: 3600,
      };
      writeFileSync(
        join(dir, 'clos.config.yaml'),
        `workflows:\n${Object.entries(workflows)
          .map(([k, v]) => `  ${k}: ${v}`)
          .join('\n')}\npods:\n  - slug: alpha\n    name: Alpha\n    timezone: UTC\n`,
      );
      const env = { DATABASE_URL: database.url };
      const locker = new pg.Client({ connectionString: database.url });
      try {
        // A server applies the config (creates the pod) and stops; workers do the rest.
        const server = run(['--no-worker', '--port', '0'], dir, env);
        children.push(server);
        await until('the server to listen', async () => /"url":"http/.test(server.output()));
        await stopServer(server);

        // Queue a run from here (no worker in this process), as a scheduler tick would.
        const enqueuer = await startRuntime({
          core: composeCore({ database, policy: defaultPolicy({ workflows }) }),
          logger: { info() {}, warn() {}, error() {} },
          worker: false,
        });
        const [pod] = await database.query<{ id: string }>(`select id from pods where slug = 'alpha'`);
        // The test holds a lock the step's insert needs, so the worker is caught inside the step.
        await locker.connect();
        await locker.query('begin');
        await locker.query('lock table rhythm_digests in exclusive mode');
        const run_ = await database.db.transaction((tx) =>
          enqueuer.env.startRun(tx as unknown as Db, {
            workflow: 'daily-rhythm',
            key: `daily-rhythm:unblock:${pod!.id}:2026-11-26`,
            podId: pod!.id,
            input: { phase: 'unblock', localDate: '2026-11-26' },
          }),
        );
        await enqueuer.stop();

        const first = run(['--worker-only'], dir, env);
        children.push(first);
        await until('the step to block inside its transaction', async () => {
          const [row] = await database.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
          );
          return row!.n > 0;
        });
        first.child.kill('SIGKILL');
        await first.exited;
        await locker.query('commit');
        expect(await database.query('select 1 from rhythm_digests')).toEqual([]);

        const second = run(['--worker-only'], dir, env);
        children.push(second);
        const finished = await until('the run to finish after the restart', async () => {
          const [row] = await database.query<{ status: string; attempts: number }>(
            'select status, attempts from workflow_runs where id = $1',
            [run_!.id],
          );
          return row?.status === 'succeeded' ? row : null;
        });
        const code = await stopServer(second);
        expect(code, second.output()).toBe(0);
        expect(finished.attempts).toBeGreaterThanOrEqual(2);
        expect(await database.query('select phase from rhythm_digests')).toEqual([{ phase: 'unblock' }]);
        const [step] = await database.query<{ status: string; attempts: number }>(
          'select status, attempts from workflow_steps where run_id = $1',
          [run_!.id],
        );
        expect(step!.status).toBe('succeeded');
        expect(step!.attempts).toBeGreaterThanOrEqual(2);
      } finally {
        await locker.end().catch(() => {});
        await database.close();
      }
    },
  );
});
