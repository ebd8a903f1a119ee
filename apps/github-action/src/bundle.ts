/**
 * How `dist/index.js` is built, shared by the build script and the test that fails when the committed
 * bundle is stale. One ES module for Node 20 with every dependency inside, so the runner needs no
 * `npm install`; deterministic (no timestamps, no absolute paths, legal comments dropped) so that a
 * rebuild of unchanged sources is byte-for-byte the committed file.
 */
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

/** The package directory, `apps/github-action/`: the build's working directory wherever it is run from. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE_FILE = fileURLToPath(new URL('../dist/index.js', import.meta.url));

export const bundleOptions = {
  absWorkingDir: PACKAGE_DIR,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/index.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // `dist/index.js` is an ES module because package.json says `"type": "module"`.
  format: 'esm',
  // CommonJS dependencies (ajv) call `require`, which an ES module lacks: give them Node's.
  banner: {
    js: "import { createRequire as __closCreateRequire } from 'node:module';\nconst require = __closCreateRequire(import.meta.url);",
  },
  // The built-in policy, clos.config.example.yaml, travels inside the bundle (see policy.ts).
  loader: { '.yaml': 'text' },
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
} satisfies BuildOptions;

/** Builds the bundle; with `write: false` it only returns the bytes the file would hold. */
export async function buildBundle(options: { write: boolean }): Promise<Uint8Array> {
  const result = await build({ ...bundleOptions, write: options.write, metafile: false });
  if (options.write) {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(BUNDLE_FILE));
  }
  const [output] = result.outputFiles ?? [];
  if (!output) throw new Error('esbuild produced no output');
  return output.contents;
}
