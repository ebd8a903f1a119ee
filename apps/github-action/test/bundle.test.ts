import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FILE, buildBundle } from '../src/bundle.ts';

describe('dist/index.js', () => {
  it('is the bundle the current sources build, byte for byte (else: npm run build -w @clos/github-action)', async () => {
    const [fresh, committed] = await Promise.all([buildBundle({ write: false }), readFile(BUNDLE_FILE)]);
    const same = Buffer.from(fresh).equals(committed);
    expect(
      same,
      'apps/github-action/dist/index.js is stale: run `npm run build -w @clos/github-action` and commit it',
    ).toBe(true);
  });

  it('builds the same bytes twice (no timestamps or absolute paths)', async () => {
    const [a, b] = await Promise.all([buildBundle({ write: false }), buildBundle({ write: false })]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const text = Buffer.from(a).toString('utf8');
    expect(text).not.toContain(process.cwd());
    expect(text.startsWith("import { createRequire as __closCreateRequire } from 'node:module';")).toBe(true);
  });
});
