/**
 * Lays out a production install of CLOS in a directory: the compiled server and CLI, the built
 * dashboard, the migrations, the built-in policy and the package manifests that `npm ci` needs —
 * and nothing else (no TypeScript sources, no tests). Then, unless `--no-install`, installs the
 * production dependencies of the server and the CLI there.
 *
 *   npm run build && npx tsx scripts/stage-production.ts OUT_DIR [--no-install]
 *
 * The Dockerfile's build stage runs exactly this, and so does the test that starts the result
 * (apps/server/test/production-install.test.ts): one list of what ships, proven without a container.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What runs in production and must have been built first (`npm run build`). */
export const BUILT = ['apps/server/dist', 'apps/cli/dist', 'apps/dashboard/dist'] as const;

/** Files read at run time, besides the build output. */
export const RUNTIME_FILES = ['apps/cli/bin', 'packages/db/migrations', 'clos.config.example.yaml'] as const;

/** The workspaces whose production dependencies are installed: the two entry points (and, through
 * their `@clos/*` dependencies, every package compiled into them). */
export const INSTALLED_WORKSPACES = ['@clos/server', '@clos/cli'] as const;

function workspaceManifests(): string[] {
  const manifests = ['package.json', 'package-lock.json'];
  for (const parent of ['packages', 'apps', 'deploy'])
    for (const name of readdirSync(join(ROOT, parent))) {
      const manifest = join(parent, name, 'package.json');
      if (existsSync(join(ROOT, manifest))) manifests.push(manifest);
    }
  return manifests;
}

export function stageProduction(out: string, options: { install: boolean; quiet?: boolean }): void {
  for (const built of BUILT)
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run npm run build first`);
  mkdirSync(out, { recursive: true });
  for (const path of [...workspaceManifests(), ...BUILT, ...RUNTIME_FILES]) {
    if (!existsSync(join(ROOT, path))) continue;
    mkdirSync(dirname(join(out, path)), { recursive: true });
    // Source maps stay: stack traces in production name the TypeScript lines (--enable-source-maps).
    cpSync(join(ROOT, path), join(out, path), { recursive: true });
  }
  // npm links every workspace listed in the lockfile; one that ships no code gets an empty folder.
  writeFileSync(join(out, '.production'), 'staged by scripts/stage-production.ts\n');
  if (!options.install) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    [
      'ci',
      '--omit=dev',
      // The root's `prepare` builds the dashboard with dev tools; the staged build is already here.
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      ...INSTALLED_WORKSPACES.flatMap((w) => ['--workspace', w]),
    ],
    { cwd: out, encoding: 'utf8', stdio: options.quiet ? 'pipe' : 'inherit' },
  );
  if (result.status !== 0)
    throw new Error(
      `npm ci --omit=dev failed in ${out} (exit ${result.status})\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [target, ...flags] = process.argv.slice(2);
  if (!target) {
    process.stderr.write('usage: npx tsx scripts/stage-production.ts OUT_DIR [--no-install]\n');
    process.exit(2);
  }
  stageProduction(resolve(target), { install: !flags.includes('--no-install') });
}
