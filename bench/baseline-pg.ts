/**
 * The raw-SQL baseline on PostgreSQL, as a process of its own (bench/pg.ts measures its CPU like the
 * CLOS processes'): migrates and seeds the database given, serves baseline.ts's three routes over a
 * `pg` pool of the same size as CLOS's, and prints its URL.
 *
 *   node --import tsx bench/baseline-pg.ts DATABASE_URL EXTRA_PODS PR_LIMIT
 */
import { openPostgres } from '@clos/db';
import pg from 'pg';
import { buildBaselineApp, type SqlClient, type SqlQueryable, seedBaseline } from './baseline.ts';
import { builtInPolicy, MEMBERS, PROJECTS } from './seed.ts';

const [url, extraPods, prLimit] = process.argv.slice(2);
if (!url) throw new Error('usage: baseline-pg.ts DATABASE_URL EXTRA_PODS PR_LIMIT');

// Migrated by CLOS's own migrations, so the tables and indexes are exactly CLOS's.
await (await openPostgres(url)).close();
const pool = new pg.Pool({ connectionString: url, max: 10 });
const over = (target: pg.Pool | pg.PoolClient): SqlQueryable => ({
  query: (text, values, options) =>
    target.query({
      text,
      values: values as unknown[],
      ...(options ? { rowMode: options.rowMode } : {}),
    }) as never,
});
const client: SqlClient = {
  ...over(pool),
  async transaction(work) {
    const connection = await pool.connect();
    try {
      await connection.query('begin');
      const result = await work(over(connection));
      await connection.query('commit');
      return result;
    } catch (error) {
      await connection.query('rollback').catch(() => {});
      throw error;
    } finally {
      connection.release();
    }
  },
};
const policy = (await builtInPolicy(process.cwd())).baseline;
const { devId } = await seedBaseline(client, policy, {
  members: MEMBERS,
  projects: PROJECTS,
  limits: { 'pull-request': Number(prLimit), project: PROJECTS * 2 },
  extraPods: Number(extraPods),
});
const app = buildBaselineApp(client, policy, { userId: devId, label: 'dev@bench.local' });
process.stdout.write(`${await app.listen({ port: 0, host: '127.0.0.1' })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => pool.end().then(() => process.exit(0)));
});
