import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listeningUrl, spawnServer, tempDirs } from './server-process.ts';

const run = (args: string[], env: Record<string, string> = {}) => spawnServer(args, { env });
const listening = (s: ReturnType<typeof run>) => listeningUrl(s, 120_000);
const dirs = tempDirs('clos-proc-');
const temp = () => dirs.make();
afterAll(() => dirs.removeAll());

// Each start opens PGlite (seconds of WASM start-up), several per test: generous timeouts.
describe('the server process', { timeout: 240_000 }, () => {
  it('prints the admin token once, locks its data directory and keeps data across restarts', async () => {
    const dir = temp();
    const dataDir = join(dir, 'data');
    // The first start runs the TypeScript as `npm start` does; the rest run the compiled build.
    const a = spawnServer(['--data-dir', dataDir, '--port', '0'], { source: true });
    const url = await listening(a);
    const token = a.stdout().match(/admin token[^\n]*\n\n\s+(clos_\S+)/)?.[1];
    expect(token).toBeDefined();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const created = await fetch(`${url}/api/v1/pods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' }),
    });
    expect(created.status).toBe(201);

    const b = run(['--data-dir', dataDir, '--port', '0']);
    expect(await b.exited).toBe(1);
    expect(b.stderr()).toMatch(/another CLOS process \(pid \d+\) is using the data directory/);

    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(existsSync(join(dataDir, 'clos.lock'))).toBe(false);

    const again = run(['--data-dir', dataDir, '--port', '0']);
    const url2 = await listening(again);
    expect(again.stdout()).not.toContain('admin token');
    const pods = await fetch(`${url2}/api/v1/pods`, { headers: { authorization: `Bearer ${token}` } });
    const body = await pods.text();
    expect(pods.status, body).toBe(200);
    expect((JSON.parse(body) as { items: { slug: string }[] }).items.map((p) => p.slug)).toEqual(['ratio']);
    again.child.kill('SIGKILL');
    await again.exited;

    // A lock left by a killed process is taken over.
    const afterKill = run(['--data-dir', dataDir, '--port', '0'], {
      CLOS_ADMIN_TOKEN: 'ignored-because-not-first-start-xxxxxxxx',
    });
    await listening(afterKill);
    afterKill.child.kill('SIGTERM');
    expect(await afterKill.exited).toBe(0);
  });

  it('stops on an invalid config file, listing every problem by path', async () => {
    const dir = temp();
    const config = join(dir, 'clos.config.yaml');
    writeFileSync(
      config,
      [
        'stages:',
        '  - name: inception',
        '  - name: build',
        '    gate:',
        '      evidence: { type: object }',
        '      approvals: { count: -1, roles: [admin] }',
        'ideas:',
        '  minEvaluations: 0',
        '',
      ].join('\n'),
    );
    const s = run(['--config', config, '--data-dir', join(dir, 'data'), '--port', '0']);
    expect(await s.exited).toBe(2);
    expect(s.stderr()).toContain('stages[1].gate.approvals.count: must be ≥ 0');
    expect(s.stderr()).toContain('ideas.minEvaluations');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('rejects bad flags with usage and exit code 2', async () => {
    const s = run(['--port', 'eighty']);
    expect(await s.exited).toBe(2);
    expect(s.stderr()).toContain('--port: must be a port number');
    const t = run(['--bogus']);
    expect(await t.exited).toBe(2);
    expect(t.stderr()).toContain('Usage: clos-server');
  });
});
