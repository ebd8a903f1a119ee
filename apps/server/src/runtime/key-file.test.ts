import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyFileError, readOrCreateKeyFile } from './key-file.ts';

describe('readOrCreateKeyFile', () => {
  it('creates the key once, private to its owner, and reads the same key afterwards', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clos-key-')), 'nested', 'secret.key');
    let generated = 0;
    const generate = () => `key-${++generated}`;
    const first = readOrCreateKeyFile(path, generate);
    expect(first).toMatchObject({ value: 'key-1', created: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = readOrCreateKeyFile(path, generate);
    expect(again).toMatchObject({ value: 'key-1', created: false });
    expect(generated).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe('key-1\n');
  });

  it('makes a readable-by-others key file private again, and refuses an empty one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clos-key-'));
    const open = join(dir, 'open.key');
    writeFileSync(open, 'k\n');
    chmodSync(open, 0o644);
    expect(readOrCreateKeyFile(open, () => 'other').value).toBe('k');
    expect(statSync(open).mode & 0o777).toBe(0o600);
    const empty = join(dir, 'empty.key');
    writeFileSync(empty, '\n', { mode: 0o600 });
    expect(() => readOrCreateKeyFile(empty, () => 'x')).toThrow(KeyFileError);
  });
});
