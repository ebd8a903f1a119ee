/**
 * The tables to back up, read from the catalog rather than listed by hand, so a table added by a
 * later migration is never forgotten: every base table of the `public` schema. Ordered so that a
 * table comes after every table it references (rows load with foreign keys checked as they go).
 */
import { sql } from 'drizzle-orm';

type Exec = (query: ReturnType<typeof sql>) => Promise<{ rows: Record<string, unknown>[] }>;

export interface CatalogTable {
  name: string;
  /** Insertable columns (generated ones are left to the database), in table order. */
  columns: string[];
  /** Primary key columns, in key order; empty when the table has none. */
  primaryKey: string[];
}

export async function readCatalog(exec: Exec): Promise<CatalogTable[]> {
  const tables = (
    await exec(sql`
      select c.relname as name
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
       order by c.relname`)
  ).rows.map((r) => String(r.name));
  const columns = (
    await exec(sql`
      select c.relname as table, a.attname as column
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
       order by c.relname, a.attnum`)
  ).rows;
  const keys = (
    await exec(sql`
      select c.relname as table, a.attname as column
        from pg_index i
        join pg_class c on c.oid = i.indrelid
        join pg_namespace n on n.oid = c.relnamespace
        cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)
        join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
       where n.nspname = 'public' and i.indisprimary
       order by c.relname, k.position`)
  ).rows;
  const references = (
    await exec(sql`
      select c.relname as table, r.relname as parent
        from pg_constraint f
        join pg_class c on c.oid = f.conrelid
        join pg_class r on r.oid = f.confrelid
        join pg_namespace n on n.oid = c.relnamespace
       where f.contype = 'f' and n.nspname = 'public'`)
  ).rows;

  const byName = new Map<string, CatalogTable>(
    tables.map((name) => [name, { name, columns: [], primaryKey: [] }]),
  );
  for (const r of columns) byName.get(String(r.table))?.columns.push(String(r.column));
  for (const r of keys) byName.get(String(r.table))?.primaryKey.push(String(r.column));
  const parents = new Map<string, Set<string>>(tables.map((name) => [name, new Set()]));
  for (const r of references) {
    const table = String(r.table);
    const parent = String(r.parent);
    // A table referring to itself loads in key order; none does today.
    if (table !== parent && byName.has(parent)) parents.get(table)?.add(parent);
  }

  // Depth-first topological order, alphabetical among equals so every dump lists tables alike.
  const ordered: CatalogTable[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`foreign keys form a cycle through table ${name}`);
    state.set(name, 'visiting');
    for (const parent of [...(parents.get(name) ?? [])].sort()) visit(parent);
    state.set(name, 'done');
    ordered.push(byName.get(name)!);
  };
  for (const name of tables) visit(name);
  return ordered;
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
