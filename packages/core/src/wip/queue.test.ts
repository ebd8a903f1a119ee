import { describe, expect, it } from 'vitest';
import type { WipQueueEntry } from '../entities.ts';
import { InvalidInputError } from '../errors.ts';
import { holderInfo, labelled, linesOf, WIP_LABEL_MAX, WIP_URL_MAX } from './queue.ts';

const entry = (itemType: string, itemId: string, position: number): WipQueueEntry => ({
  id: `${itemType}-${itemId}`,
  position,
  podId: 'pod',
  itemType,
  itemId,
  label: null,
  url: null,
  enqueuedBy: null,
  enqueuedAt: new Date('2026-03-02T09:00:00Z'),
});

const problems = (input: Parameters<typeof holderInfo>[0]) => {
  try {
    holderInfo(input);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return (error.details as { path: string; message: string }[]).map((p) => `${p.path}: ${p.message}`);
  }
};

describe('holderInfo', () => {
  it('trims, and treats blank or absent as none', () => {
    expect(holderInfo({ label: '  Fix checkout — ada ', url: ' https://github.com/a/b/pull/1 ' })).toEqual({
      label: 'Fix checkout — ada',
      url: 'https://github.com/a/b/pull/1',
    });
    expect(holderInfo({ label: '   ', url: '' })).toEqual({ label: null, url: null });
    expect(holderInfo({})).toEqual({ label: null, url: null });
  });

  it('refuses links that are not http(s), and what the columns cannot hold, by field', () => {
    expect(problems({ url: 'javascript:alert(1)' })).toEqual(['url: must be an http(s) URL']);
    expect(problems({ url: 'https://' })).toEqual(['url: must be an http(s) URL']);
    expect(problems({ url: 'https://exa mple.com' })).toEqual(['url: must be an http(s) URL']);
    expect(problems({ url: `https://e.com/${'a'.repeat(WIP_URL_MAX)}` })).toEqual([
      `url: must be at most ${WIP_URL_MAX} characters`,
    ]);
    expect(problems({ label: 'a'.repeat(WIP_LABEL_MAX + 1), url: 'ftp://e.com' })).toEqual([
      `label: must be at most ${WIP_LABEL_MAX} characters`,
      'url: must be an http(s) URL',
    ]);
    expect(problems({ label: 'nul\u0000' })).toHaveLength(1);
    expect(problems({ label: 'a'.repeat(WIP_LABEL_MAX), url: 'HTTP://E.COM/x' })).toEqual([]);
  });
});

describe('linesOf', () => {
  it('groups by item type, orders by arrival and counts places from 1', () => {
    const lines = linesOf([
      entry('pull-request', 'c', 30),
      entry('project', 'p', 5),
      entry('pull-request', 'a', 7),
      entry('pull-request', 'b', 12),
    ]);
    expect(lines.get('pull-request')!.map((q) => [q.itemId, q.position])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(lines.get('project')!.map((q) => q.position)).toEqual([1]);
    expect(lines.get('idea')).toBeUndefined();
  });
});

describe('labelled', () => {
  it('adds label and url to an event only when they are set', () => {
    expect(labelled({ label: null, url: null })).toEqual({});
    expect(labelled({ label: 'PR', url: null })).toEqual({ label: 'PR' });
    expect(labelled({ label: 'PR', url: 'https://e.com' })).toEqual({ label: 'PR', url: 'https://e.com' });
  });
});
