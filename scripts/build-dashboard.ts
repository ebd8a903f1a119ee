/**
 * Builds the dashboard (apps/dashboard → dist) when it is missing or older than its sources, so
 * `npm ci` (through `prepare`) and `npm start` (through `prestart`) serve a current UI with no
 * separate step. A build takes about a second; an up-to-date one is skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

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

const MANIFEST = join(APP, 'dist/.vite/manifest.json');
// The overview is the page a lead opens first: what it needs before it can draw must stay small.
const INITIAL_VIEW = 'src/views/overview.tsx';
const INITIAL_BUDGET_BYTES = 200 * 1024;

interface ManifestChunk {
  file: string;
  imports?: string[];
}

/**
 * The JavaScript the overview loads before it can draw, gzip-compressed: the entry, the overview's
 * chunk and everything they import statically (not what they import lazily, such as the charts).
 */
export function initialScriptBytes(manifest: Record<string, ManifestChunk>, dist: string): number {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key) || !manifest[key]) return;
    seen.add(key);
    for (const next of manifest[key].imports ?? []) visit(next);
  };
  visit('index.html');
  visit(INITIAL_VIEW);
  let total = 0;
  for (const key of seen) {
    const file = manifest[key]!.file;
    if (file.endsWith('.js')) total += gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  }
  return total;
}

function reportInitialSize(): void {
  if (!existsSync(MANIFEST)) return;
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, ManifestChunk>;
  const bytes = initialScriptBytes(manifest, join(APP, 'dist'));
  const kb = (bytes / 1024).toFixed(1);
  if (bytes > INITIAL_BUDGET_BYTES)
    process.stderr.write(
      `dashboard: the overview's initial JavaScript is ${kb} KB gzip, over its 200 KB budget\n`,
    );
  else
    process.stdout.write(`dashboard: the overview's initial JavaScript is ${kb} KB gzip (budget 200 KB)\n`);
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
  reportInitialSize();
}
