/**
 * Vitest's global setup: compiles the server and the CLI (`npm run build`'s app bundles, about a
 * second) before any test runs, so the tests that start them as processes run exactly what a
 * production install runs, built from the sources under test — never a stale build, and without
 * tsx compiling TypeScript in every spawned process (about a second of CPU each).
 */
import { buildApps } from './build.ts';

export async function setup(): Promise<void> {
  await buildApps();
}
