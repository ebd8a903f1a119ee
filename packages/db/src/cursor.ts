import { InvalidInputError, stringProblem } from '@clos/core';
import { and, eq, lt, or } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** What each position of a keyset cursor holds; decoding checks it, so SQL never sees a wrong type. */
export type CursorPart = 'text' | 'int' | 'timestamp' | 'uuid';

type Decoded<K extends readonly CursorPart[]> = {
  [I in keyof K]: K[I] extends 'int' ? number : K[I] extends 'timestamp' ? Date : string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Opaque keyset cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function part(kind: CursorPart, value: unknown): unknown {
  switch (kind) {
    case 'text':
      return typeof value === 'string' && value.length <= 1000 && stringProblem(value) === null
        ? value
        : undefined;
    case 'int':
      return Number.isSafeInteger(value) ? value : undefined;
    case 'uuid':
      return typeof value === 'string' && UUID.test(value) ? value : undefined;
    case 'timestamp': {
      if (typeof value !== 'string' || !ISO.test(value)) return undefined;
      const at = new Date(value);
      const year = at.getUTCFullYear();
      return Number.isNaN(at.getTime()) || year < 1 || year > 9999 ? undefined : at;
    }
  }
}

/**
 * The sort key a cursor carries, each position checked against `kinds` (a cursor is the client's
 * text: a hand-made one must be refused here as a 400 naming `cursor`, not reach SQL as a type error).
 */
export function decodeCursor<const K extends readonly CursorPart[]>(
  cursor: string | undefined,
  kinds: K,
): Decoded<K> | null {
  if (!cursor) return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (Array.isArray(key) && key.length === kinds.length) {
    const values = kinds.map((kind, i) => part(kind, key[i]));
    if (values.every((v) => v !== undefined)) return values as Decoded<K>;
  }
  throw new InvalidInputError([{ path: 'cursor', message: 'is not a cursor returned by this list' }]);
}

/** Takes `limit + 1` rows, returns `limit` and a cursor when there is more. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/** Newest first, keyset on (created_at, id): the rows after the cursor's row. */
export function newestFirst(createdAt: PgColumn, id: PgColumn, cursor: string | undefined) {
  const after = decodeCursor(cursor, ['timestamp', 'uuid']);
  if (!after) return undefined;
  const [at, afterId] = after;
  return or(lt(createdAt, at), and(eq(createdAt, at), lt(id, afterId)));
}
