import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'apps/dashboard/test/**/*.test.{ts,tsx}',
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'scripts/**/*.test.ts',
      'e2e/**/*.test.ts',
      'deploy/**/*.test.ts',
    ],
    // The server and CLI are compiled first: process tests start the build (scripts/test-setup.ts).
    globalSetup: ['scripts/test-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite is WASM on one thread; two cores run two files at a time without starving each other.
    maxWorkers: 2,
  },
});
