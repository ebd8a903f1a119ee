import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSizeWithin } from './response-size.ts';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('jsonSizeWithin', () => {
  it('is the byte length of JSON.stringify for any JSON value, and null just past it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const size = bytes(value);
        expect(jsonSizeWithin(value, size)).toBe(size);
        expect(jsonSizeWithin(value, size - 1)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('writes what JSON.stringify writes for undefined, dates, escapes and non-finite numbers', () => {
    for (const value of [
      { a: undefined, b: [undefined, () => 1], c: new Date('2026-03-02T09:00:00Z') },
      { 'quote"key': 'line\nbreak ✓ 😀', n: Number.NaN, m: -0, big: 1e21 },
      [null, true, false, ''],
    ])
      expect(jsonSizeWithin(value, Number.POSITIVE_INFINITY)).toBe(bytes(value));
  });

  it('stops reading once the limit is passed', () => {
    let read = 0;
    const items = Array.from({ length: 1000 }, (_, i) => ({
      toJSON() {
        read += 1;
        return `item ${i}`;
      },
    }));
    expect(jsonSizeWithin(items, 100)).toBeNull();
    expect(read).toBeLessThan(20);
  });
});
