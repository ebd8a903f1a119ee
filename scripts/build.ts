/**
 * `npm run build`: compiles the server (with the workflows, integrations and every package it uses) and
 * the CLI to JavaScript, and builds the dashboard. What a production install runs: `node
 * apps/server/dist/main.js` and `clos` (apps/cli/bin/clos.js, which takes apps/cli/dist when it exists).
 *
 *   npx tsx scripts/build.ts
 *
 * Each app is one esbuild bundle of its own sources and of the `@clos/*` packages (TypeScript run in
 * place has no `.js` to import, and bundling spares a per-package build and its package.json
 * `exports` juggling); every npm dependency stays external, installed by `npm ci --omit=dev`. The CLI
 * is split at its dynamic imports so `clos --version` loads a few kilobytes, not the whole program.
 *
 * Files read at run time (migrations, the dashboard, the built-in policy, package.json) are found
 * relative to the module that reads them (`new URL('../migrations', import.meta.url)`); the bundle moves
 * that module, so those URLs are rewritten to point from the output directory to the same file.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface AppBuild {
  name: string;
  outdir: string;
  entryPoints: Record<string, string>;
  splitting: boolean;
}

export const APP_BUILDS: readonly AppBuild[] = [
  {
    name: 'server',
    outdir: 'apps/server/dist',
    entryPoints: { main: 'apps/server/src/main.ts' },
    splitting: false,
  },
  {
    name: 'cli',
    outdir: 'apps/cli/dist',
    entryPoints: { main: 'apps/cli/src/main.ts' },
    splitting: true,
  },
];

const RUNTIME_URL = /new URL\((['"])(\.{1,2}\/[^'"]*)\1,\s*import\.meta\.url\)/g;

/** Rewrites `new URL('<relative>', import.meta.url)` so it names the same file from the bundle. */
export function runtimeFilePlugin(outdir: string): Plugin {
  return {
    name: 'clos-runtime-files',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        const contents = source.replace(RUNTIME_URL, (_match, quote: string, target: string) => {
          const absolute = resolve(dirname(args.path), target);
          let rewritten = relative(outdir, absolute).split(sep).join('/');
          if (target.endsWith('/') && !rewritten.endsWith('/')) rewritten += '/';
          if (!rewritten.startsWith('.')) rewritten = `./${rewritten}`;
          return `new URL(${quote}${rewritten}${quote}, import.meta.url)`;
        });
        return { contents, loader: 'ts' };
      });
    },
  };
}

/** npm packages stay imports (installed next to the output); `@clos/*` workspaces are compiled in. */
const externalDependencies: Plugin = {
  name: 'clos-external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@clos/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

export function buildOptions(app: AppBuild): BuildOptions {
  const outdir = join(ROOT, app.outdir);
  return {
    absWorkingDir: ROOT,
    entryPoints: app.entryPoints,
    outdir,
    bundle: true,
    splitting: app.splitting,
    platform: 'node',
    target: 'node20.19',
    format: 'esm',
    sourcemap: true,
    // Class and function names appear in logs and error reports: keep them.
    keepNames: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
    plugins: [externalDependencies, runtimeFilePlugin(outdir)],
  };
}

/**
 * Builds every app. Each file is written beside its final name and renamed over it, and files of an
 * earlier build are removed only after: a process starting from the output meanwhile (a test run
 * beside a build) reads a whole old file or a whole new one, never a half-written one.
 */
export async function buildApps(): Promise<void> {
  for (const app of APP_BUILDS) {
    const outdir = join(ROOT, app.outdir);
    const result = await build({ ...buildOptions(app), write: false });
    await mkdir(outdir, { recursive: true });
    const written = new Set<string>();
    for (const file of result.outputFiles ?? []) {
      const temporary = `${file.path}.${process.pid}.tmp`;
      await writeFile(temporary, file.contents);
      await rename(temporary, file.path);
      written.add(file.path);
    }
    for (const name of await readdir(outdir)) {
      const path = join(outdir, name);
      if (!written.has(path) && !name.endsWith('.tmp')) await rm(path, { force: true });
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  await buildApps();
  const dashboard = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts/build-dashboard.ts')],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (dashboard.status !== 0) process.exit(dashboard.status ?? 1);
  process.stdout.write(
    `built ${APP_BUILDS.map((a) => a.outdir).join(', ')} and the dashboard in ${Date.now() - started} ms\n`,
  );
}
