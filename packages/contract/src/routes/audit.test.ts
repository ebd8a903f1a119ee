import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { decodeCheckpointToken, encodeCheckpointToken } from './audit.ts';

const checkpoint = {
  format: 'clos-audit-checkpoint/1' as const,
  sequence: 42,
  hash: 'ab'.repeat(32),
  time: '2026-03-02T09:00:00.000Z',
  keyId: '0123456789abcdef',
  publicKey: 'A'.repeat(43),
  signature: 'B'.repeat(86),
};

describe('checkpoint tokens', () => {
  it('round-trip a checkpoint through one URL-safe string', () => {
    const token = encodeCheckpointToken(checkpoint);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCheckpointToken(token)).toEqual({ ok: true, checkpoint });
    // Extra fields of a wider object (a stored row, a file's `token`) are not carried.
    expect(encodeCheckpointToken({ ...checkpoint, exportedAt: null } as typeof checkpoint)).toBe(token);
  });

  it('say what is wrong with a token that is not one', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(decodeCheckpointToken('a+b/c=')).toEqual({
      ok: false,
      message: expect.stringContaining('is not a checkpoint token'),
    });
    expect(decodeCheckpointToken(Buffer.from('{nope').toString('base64url'))).toMatchObject({ ok: false });
    expect(decodeCheckpointToken(encode({ ...checkpoint, hash: 'XYZ' }))).toEqual({
      ok: false,
      message: 'holds an invalid checkpoint: hash must be 64 lowercase hex digits',
    });
    expect(decodeCheckpointToken(encode({ ...checkpoint, time: '2026-03-02T09:00:00Z' }))).toMatchObject({
      ok: false,
      message: expect.stringContaining('time must be an ISO 8601 UTC time with milliseconds'),
    });
    expect(decodeCheckpointToken(encode({ ...checkpoint, extra: 1 }))).toMatchObject({ ok: false });
    expect(decodeCheckpointToken(encode(null))).toMatchObject({ ok: false });
  });
});

describe('audit.checkpoints in the config file', () => {
  it('defaults to hourly checkpoints into the data directory, no webhook', () => {
    const parsed = parseConfig({});
    expect(parsed.ok && parsed.config.audit).toEqual({
      checkpoints: { enabled: true, intervalMinutes: 60, directory: null, webhookUrl: null },
    });
  });

  it('names every bad value by its path', () => {
    const parsed = parseConfig({
      audit: {
        checkpoints: { enabled: 'yes', intervalMinutes: 0, directory: '', webhookUrl: 'ftp://x', extra: 1 },
      },
    });
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    for (const path of ['enabled', 'intervalMinutes', 'directory', 'webhookUrl', 'extra'])
      expect(
        problems.some((p) => p.startsWith(`audit.checkpoints.${path}: `)),
        path,
      ).toBe(true);
    expect(problems).toContain('audit.checkpoints.webhookUrl: must be an http(s) URL');
    expect(problems).toContain('audit.checkpoints.intervalMinutes: must be ≥ 1');
  });
});
