import { testEngines } from '@clos/testing';
import { describe, expect, it } from 'vitest';
import { formatReport, runFuzz } from './fuzz/runner.ts';

// A bounded run, a few seconds per engine (docs/testing.md). A fresh seed each run keeps exploring new
// inputs instead of re-sending the same few hundred; a failure prints its seed and path, and
// `npm run fuzz -- --engine E --seed S --path P` replays it. CLOS_FUZZ_SEED and CLOS_FUZZ_RUNS pin them.
const RUNS = Number(process.env.CLOS_FUZZ_RUNS ?? 200);
const SEED = process.env.CLOS_FUZZ_SEED ? Number(process.env.CLOS_FUZZ_SEED) : undefined;

describe.each(testEngines())('fuzzing every route on %s', (engine) => {
  it('no 5xx, errors in the envelope, refusals change nothing, NUL refused, the audit chain verifies', async () => {
    const report = await runFuzz({
      engine,
      runs: RUNS,
      seed: SEED,
      mode: 'first',
      verifyEvery: 100,
      // Shrinking a failure re-sends requests; past this it reports the smallest case found so far.
      timeLimitMs: 20_000,
    });
    expect(report.runs).toBeGreaterThan(0);
    expect(report.auditVerifications).toBeGreaterThan(0);
    expect(
      report.failures.map((f) => f.key),
      formatReport(report),
    ).toEqual([]);
  });
});
