import { type PGlite, type Results, types } from '@electric-sql/pglite';

/**
 * The types drizzle-orm/pglite reads as text and converts itself (the date types, numeric[] and the
 * date arrays), each array with its element type: the table it passes with every query.
 */
const DRIZZLE_TEXT_TYPES: ReadonlyMap<number, number | null> = new Map([
  [types.TIMESTAMP, null],
  [types.TIMESTAMPTZ, null],
  [types.INTERVAL, null],
  [types.DATE, null],
  [1231, types.NUMERIC],
  [1115, types.TIMESTAMP],
  [1185, types.TIMESTAMPTZ],
  [1187, types.INTERVAL],
  [1182, types.DATE],
]);

type Parser = (value: string, typeId?: number) => unknown;
type Query = PGlite['query'];

/**
 * Stops PGlite copying its parser table on every query Drizzle sends. drizzle-orm/pglite passes
 * parsers with each query; PGlite merges them into its own table, some 300 entries, every time
 * (8–11 % of the embedded server's CPU in the profiles, docs/benchmarks.md#suggestions). So the
 * client's own table reads those types as text, once, and:
 * - `forDrizzle` is the client Drizzle is given: the same client, its per-query parsers dropped
 *   (they now say what the table says), in and out of transactions;
 * - `standardTypes` turns what a raw query read as text back into what PostgreSQL's drivers give
 *   (Date for timestamps, as `pg` does), touching only the columns of those types.
 */
export function withDrizzleParsers(client: PGlite): {
  forDrizzle: PGlite;
  standardTypes: <T>(result: Results<T>) => Results<T>;
} {
  // PGlite's own defaults, not the client's current table: a clone of a client set up here already
  // reads these types as text.
  const text: Parser = (value) => value;
  const standard = new Map<number, Parser>();
  for (const [oid, element] of DRIZZLE_TEXT_TYPES) {
    const parse = (types.parsers[element ?? oid] as Parser | undefined) ?? text;
    standard.set(
      oid,
      element === null ? parse : (value, typeId) => types.arrayParser(value, parse, typeId ?? oid),
    );
  }
  for (const oid of DRIZZLE_TEXT_TYPES.keys()) client.parsers[oid] = text;

  const dropParsers =
    (query: Query): Query =>
    (sql, params, options) =>
      query(sql, params, options?.parsers ? { ...options, parsers: undefined } : options) as never;
  // PGlite keeps its state in private fields: every other member is read from, and bound to, the target.
  const passThrough = <T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T =>
    new Proxy(target, {
      get(t, key) {
        if (key in overrides) return overrides[key as keyof T];
        const value = Reflect.get(t, key, t);
        return typeof value === 'function' ? value.bind(t) : value;
      },
    });
  const forDrizzle = passThrough(client, {
    query: dropParsers(client.query.bind(client)),
    transaction: ((work: (tx: Parameters<Parameters<PGlite['transaction']>[0]>[0]) => Promise<unknown>) =>
      client.transaction((tx) => work(passThrough(tx, { query: dropParsers(tx.query.bind(tx)) })))) as never,
  });

  function standardTypes<T>(result: Results<T>): Results<T> {
    const fields = result.fields.filter((f) => standard.has(f.dataTypeID));
    if (fields.length === 0) return result;
    for (const row of result.rows as Record<string, unknown>[])
      for (const f of fields) {
        const value = row[f.name];
        if (typeof value === 'string') row[f.name] = standard.get(f.dataTypeID)!(value, f.dataTypeID);
      }
    return result;
  }
  return { forDrizzle, standardTypes };
}
