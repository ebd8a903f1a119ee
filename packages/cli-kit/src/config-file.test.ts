import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_SOURCE, loadConfig } from './config-file.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'clos-cli-kit-'));
  dirs.push(dir);
  return dir;
};

describe('loadConfig', () => {
  it('names the built-in default as such when there is no file', async () => {
    const loaded = await loadConfig(undefined, tempDir());
    expect(loaded).toMatchObject({ ok: true, source: BUILT_IN_SOURCE });
  });

  it('names a file relative to where clos runs, and a wrong one fails (not unreadable)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'clos.config.yaml'), 'colour: blue\n');
    const loaded = await loadConfig(undefined, dir);
    expect(loaded).toEqual({
      ok: false,
      source: 'clos.config.yaml',
      problems: ['clos.config.yaml:1:1: colour: unknown key'],
      unreadable: false,
    });
  });

  it('marks a missing file as unreadable (an input error)', async () => {
    const loaded = await loadConfig('missing.yaml', tempDir());
    expect(loaded).toMatchObject({ ok: false, source: 'missing.yaml', unreadable: true });
  });
});
