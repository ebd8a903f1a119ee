import { InvalidInputError } from '@clos/core';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('decodeCursor', () => {
  it('gives back each part with its type', () => {
    const at = new Date('2026-03-02T09:00:00.123Z');
    const id = '6f1c1a52-8d1e-4d4e-9a43-0b7f6c1a2b3c';
    const decoded = decodeCursor(encodeCursor([at.toISOString(), 3, id, 'slug']), [
      'timestamp',
      'int',
      'uuid',
      'text',
    ]);
    expect(decoded).toEqual([at, 3, id, 'slug']);
    expect(decodeCursor(undefined, ['int'])).toBeNull();
  });

  it.each([
    ['wrong arity', encodeCursor([1, 2]), ['int']],
    ['not JSON', Buffer.from('nope').toString('base64url'), ['int']],
    ['an object', encodeCursor({ 0: 1 } as never), ['int']],
    ['infinity', Buffer.from('[1e400]').toString('base64url'), ['int']],
    ['unsafe integer', encodeCursor([2 ** 53]), ['int']],
    ['date without a time', encodeCursor(['2026-01-01']), ['timestamp']],
    ['year 0', encodeCursor(['0000-01-01T00:00:00.000Z']), ['timestamp']],
    ['impossible date', encodeCursor(['2026-02-30T25:00:00.000Z']), ['timestamp']],
    ['non-uuid', encodeCursor(['x']), ['uuid']],
    ['NUL in text', encodeCursor(['a\u0000']), ['text']],
    ['lone surrogate in text', encodeCursor(['\ud800']), ['text']],
  ] as const)('refuses %s as a 400 naming the cursor', (_label, cursor, kinds) => {
    expect(() => decodeCursor(cursor, kinds)).toThrow(InvalidInputError);
  });
});
