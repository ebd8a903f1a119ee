import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// Text worth compressing; images and fonts are compressed already.
const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|webmanifest|txt)$/;
// Below this the headers cost more than the saving.
const MIN_BYTES = 1024;

/**
 * Writes `x.br` and `x.gz` beside every compressible file of the build, once, at build time: the
 * server sends the one the browser accepts (@fastify/static `preCompressed`) and never compresses per
 * request. Brotli at its best quality, which only a build can afford.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'clos-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const body = readFileSync(file);
        if (body.length < MIN_BYTES) continue;
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

/**
 * Zod's `jitless` set before Zod itself runs. Zod probes `new Function` when a schema is *defined*,
 * which the contract's modules do as they load, before `main.tsx`'s `z.config({ jitless: true })` can
 * run; the server's Content-Security-Policy refuses the probe and the browser logs that as an error on
 * every page. Zod reads its settings from `globalThis.__zod_globalConfig`, so the chunk that holds Zod
 * sets it first (an inline script would itself be refused by the policy).
 */
function zodJitless(): Plugin {
  const PRELUDE = '(globalThis.__zod_globalConfig ??= {}).jitless = true;\n';
  return {
    name: 'clos-zod-jitless',
    apply: 'build',
    renderChunk(code) {
      return code.includes('__zod_globalConfig') ? { code: PRELUDE + code, map: null } : null;
    },
  };
}

// The server serves `dist/` at `/`; `npm run dev -w @clos/dashboard` proxies the API to a local CLOS.
export default defineConfig({
  plugins: [react(), tailwindcss(), zodJitless(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in the build: the server would publish the sources with them. Debug with `vite`.
    sourcemap: false,
    // dist/.vite/manifest.json: which chunks a page loads, for the size report of build-dashboard.ts
    // (a dot-folder, which the server never serves).
    manifest: true,
    // ECharts is one large chunk loaded only by the views that draw charts; the warning is for chunks
    // every page loads.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:4000', '/healthz': 'http://127.0.0.1:4000' },
  },
});
