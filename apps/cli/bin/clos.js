#!/usr/bin/env node
// The compiled CLI (apps/cli/dist, made by `npm run build`, what a production install and the image
// hold) when it is there; otherwise the TypeScript sources through tsx, as in a fresh checkout.
// CLOS_CLI_SOURCE=1 forces the sources (the CLI's tests set it, so a stale build never hides a change).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (process.env.CLOS_CLI_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
