/**
 * Builds the dashboard (apps/dashboard → dist) when it is missing or older than its sources, so
 * `npm ci` (through `prepare`) and `npm start` (through `prestart`) serve a current UI with no
 * separate step. A build takes about a second; an up-to-date one is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP = join(ROOT, 'apps/dashboard');
const BUILT = join(APP, 'dist/index.html');
// What the bundle is made of: the app, and the contract package whose typed client it includes.
const SOURCES = [
  join(APP, 'src'),
  join(APP, 'public'),
  join(APP, 'index.html'),
  join(APP, 'vite.config.ts'),
  join(APP, 'package.json'),
  join(ROOT, 'packages/contract/src'),
  join(ROOT, 'packages/core/src'),
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const force = process.argv.includes('--force');
const builtAt = existsSync(BUILT) ? statSync(BUILT).mtimeMs : 0;
const sourcesAt = Math.max(...SOURCES.map(newest));
if (!force && builtAt > sourcesAt) {
  process.stdout.write('dashboard: up to date\n');
} else {
  process.stdout.write('dashboard: building apps/dashboard …\n');
  const result = spawnSync('npm', ['run', '--silent', 'build', '-w', '@clos/dashboard'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    process.stderr.write('dashboard: build failed; the API still works, the UI will not\n');
    process.exit(result.status ?? 1);
  }
}
