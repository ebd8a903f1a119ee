/**
 * Checks that the baseline still runs what CLOS runs: performs one acquire, release and status
 * through the real use cases on an in-memory database with Drizzle's query logger on, and compares
 * the statements with baseline.ts's. The token lookup is left out on purpose: the baseline has no auth.
 */
import type { Ctx } from '@clos/core';
import { composeServices, type Database, openPglite, schema } from '@clos/db';
import { drizzle } from 'drizzle-orm/pglite';
import { ENDPOINT_SQL } from './baseline.ts';
import { builtInPolicy } from './seed.ts';

export interface ParityReport {
  ok: boolean;
  /** Per endpoint: statements CLOS ran that the baseline does not, and the reverse. */
  differences: { endpoint: string; onlyClos: string[]; onlyBaseline: string[] }[];
}

const sortedCopy = (xs: readonly string[]) => [...xs].sort();

export async function checkSqlParity(cwd: string): Promise<ParityReport> {
  const base = await openPglite(undefined);
  let log: string[] | null = null;
  const db = drizzle(base.client, { schema, logger: { logQuery: (sql) => log?.push(sql) } });
  const database: Database = { ...base, db: db as unknown as Database['db'] };
  try {
    const services = composeServices({ database, policy: (await builtInPolicy(cwd)).config });
    const token = `parity_${'x'.repeat(24)}`;
    await services.auth.bootstrap({ email: 'parity@bench.local', tokenValue: token });
    const authenticated = await services.auth.authenticate(token);
    if (!authenticated.ok) throw new Error('parity: bootstrap token does not authenticate');
    const { actor } = authenticated;
    const ctx: Ctx = { actor, requestId: 'parity' };
    await services.pods.register(ctx, { slug: 'bench', name: 'Bench', timezone: 'UTC' });

    const capture = async (work: () => Promise<unknown>) => {
      log = [];
      await work();
      const ran = log;
      log = null;
      return ran;
    };
    let lockId = '';
    const ran = {
      acquire: await capture(async () => {
        const r = await services.wip.acquire(ctx, 'bench', 'pull-request', 'parity-1');
        if (!r.ok) throw new Error('parity: acquire refused');
        lockId = r.value.lock.id;
      }),
      release: await capture(() => services.wip.release(ctx, lockId)),
      status: await capture(() => services.pods.getStatus(ctx, 'bench')),
    };
    const differences = (Object.keys(ran) as (keyof typeof ran)[]).map((endpoint) => {
      // Multisets: getStatus issues its five reads concurrently, so their order is not the point.
      const clos = sortedCopy(ran[endpoint]);
      const baseline = sortedCopy(ENDPOINT_SQL[endpoint]);
      const onlyClos = clos.filter((s) => !baseline.includes(s));
      const onlyBaseline = baseline.filter((s) => !clos.includes(s));
      if (clos.length !== baseline.length && !onlyClos.length && !onlyBaseline.length)
        onlyClos.push(`(${clos.length} statements, the baseline has ${baseline.length})`);
      return { endpoint, onlyClos, onlyBaseline };
    });
    return {
      ok: differences.every((d) => !d.onlyClos.length && !d.onlyBaseline.length),
      differences: differences.filter((d) => d.onlyClos.length || d.onlyBaseline.length),
    };
  } finally {
    await base.close();
  }
}
