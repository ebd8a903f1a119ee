import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageProduction } from '../../../scripts/stage-production.ts';
import { exitCode, listeningUrl, type ServerProcess, tempDirs } from './server-process.ts';

const ADMIN = 'production-install-admin-token-0123456789';
const dirs = tempDirs('clos-prod-');
afterAll(() => dirs.removeAll());

function run(cwd: string, args: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, args, {
    cwd,
    // Nothing of the test's environment: in particular no NODE_OPTIONS or loader from vitest or tsx.
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, output: () => out + err, exited };
}

// What the image holds: the build output and `npm ci --omit=dev` (scripts/stage-production.ts, which
// the Dockerfile runs too), in a directory of its own: no sources, no dev dependencies, no tsx.
describe('a production install', { timeout: 240_000 }, () => {
  it('starts from the compiled build with production dependencies only, and serves the API, the dashboard and the CLI', async () => {
    const app = join(dirs.make(), 'app');
    stageProduction(app, { install: true, quiet: true });
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(app, 'apps/server/src'))).toBe(false);

    const server = run(
      app,
      ['--enable-source-maps', 'apps/server/dist/main.js', '--port', '0', '--data-dir', join(app, 'data')],
      { CLOS_ADMIN_TOKEN: ADMIN, CLOS_LOG_LEVEL: 'info' },
    );
    try {
      const url = await listeningUrl(server);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      const created = await fetch(`${url}/api/v1/pods`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'shipped', name: 'Shipped', timezone: 'UTC' }),
      });
      expect(created.status).toBe(201);

      // The compiled CLI, as the image's `clos` runs it, against that server.
      const version = run(app, ['apps/cli/bin/clos.js', '--version'], {});
      expect(await exitCode(version)).toBe(0);
      expect(version.stdout()).toMatch(/^\d+\.\d+\.\d+/);
      const pods = run(app, ['apps/cli/bin/clos.js', 'pod', 'list', '--json'], {
        CLOS_URL: url,
        CLOS_TOKEN: ADMIN,
      });
      expect(await exitCode(pods), pods.output()).toBe(0);
      expect(pods.stdout()).toContain('"shipped"');
    } finally {
      server.child.kill('SIGTERM');
      expect(await exitCode(server, 40_000), server.output()).toBe(0);
    }
  });
});
