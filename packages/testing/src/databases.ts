import { randomBytes } from 'node:crypto';
import { type Database, openPglite, openPostgres, type QueryListener, RELAY_LOCK } from '@clos/db';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export type Engine = 'pglite' | 'postgres';

/** Engines the shared integration suite runs on: PGlite always, PostgreSQL when configured. */
export function testEngines(): Engine[] {
  return process.env.CLOS_TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

let template: Promise<PGlite> | null = null;

/**
 * A fresh, migrated, empty database. PGlite: a clone of one migrated in-memory template (cloning is
 * far cheaper than migrating). PostgreSQL: a new database on the server of CLOS_TEST_DATABASE_URL,
 * dropped on close.
 */
export async function openTestDatabase(
  engine: Engine,
  options: { poolMax?: number; onQuery?: QueryListener } = {},
): Promise<Database> {
  if (engine === 'pglite') {
    template ??= openPglite(undefined).then((d) => d.client);
    const client = (await (await template).clone()) as PGlite;
    return openPglite(undefined, {
      client,
      migrate: false,
      ...(options.onQuery ? { onQuery: options.onQuery } : {}),
    });
  }
  const empty = await emptyPostgresDatabase('clos_test');
  const db = await openPostgres(empty.url, {
    poolMax: options.poolMax ?? 20,
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
  });
  return {
    ...db,
    url: empty.url,
    async close() {
      await db.close();
      await empty.drop();
    },
  } as Database & { url: string };
}

/**
 * A new, empty database `<prefix>_<random>` on CLOS_TEST_DATABASE_URL's server (no migrations
 * applied), for tests that migrate or restore into it themselves; `drop` removes it, connections
 * and all.
 */
export async function emptyPostgresDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.CLOS_TEST_DATABASE_URL;
  if (!base) throw new Error('CLOS_TEST_DATABASE_URL is not set');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: base });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

const TABLES = [
  'import_records',
  'linear_issues',
  'linear_projects',
  'service_minutes',
  'active_users',
  'demo_pulses',
  'inbound_deliveries',
  'usage_counts',
  'integration_messages',
  'audit_checkpoints',
  'job_keys',
  'alerts',
  'webhook_deliveries',
  'webhooks',
  'demo_feedback',
  'demo_submissions',
  'weekly_demos',
  'rhythm_digests',
  'commitments',
  'deployments',
  'workflow_steps',
  'workflow_runs',
  'domain_events',
  'config_state',
  'api_tokens',
  'audit_events',
  'audit_pending',
  'pod_health_snapshots',
  'idea_evaluations',
  'ideas',
  'wip_queue',
  'wip_locks',
  'wip_limits',
  'approvals',
  'evidence',
  'stage_transitions',
  'project_ci_statuses',
  'projects',
  'pod_members',
  'user_sessions',
  'login_attempts',
  'users',
  'pods',
];

/**
 * Empties every table (the audit chain back to genesis) so tests in one file start clean without
 * paying for a new database each time. The append-only row trigger does not fire on TRUNCATE; the statement trigger is set aside here.
 */
export async function resetDatabase(db: Database): Promise<void> {
  // One transaction under the relay's lock: a relay pass (which seals the audit log and numbers
  // events) either finished before or starts after, instead of deadlocking with the TRUNCATE. One
  // multi-statement batch is one implicit transaction on either engine (and rolls back whole).
  await db.executeSql(
    [
      `select pg_advisory_xact_lock(${RELAY_LOCK})`,
      // Tests may truncate the log; production code cannot without disabling this trigger.
      'alter table audit_events disable trigger audit_events_no_truncate',
      `truncate ${TABLES.join(', ')} cascade`,
      'alter table audit_events enable trigger audit_events_no_truncate',
      // Rewinding the head is what its guard refuses (0006): set aside here as well.
      'alter table audit_head disable trigger audit_head_guard',
      `update audit_head set sequence = 0, hash = '${'0'.repeat(64)}' where id = 1`,
      'alter table audit_head enable trigger audit_head_guard',
    ].join(';\n'),
  );
  // Tokens and users went with it: what the embedded engine's caches hold is stale.
  if (db.writes) {
    db.writes.version += 1;
    db.writes.auth += 1;
  }
}

/**
 * The tables the audit sealer moves rows between: comparing them row by row would see the relay
 * sealing an earlier change, which is not a change of the request under test. `auditRowCount`
 * counts the log's events wherever they are (sealed or not).
 */
export const SEALING_TABLES: ReadonlySet<string> = new Set(['audit_events', 'audit_pending', 'audit_head']);

/** Every audit event recorded, sealed or awaiting the sealer. */
export async function auditRowCount(db: Database): Promise<number> {
  const [row] = await db.query<{ n: string }>(
    'select ((select count(*) from audit_events) + (select count(*) from audit_pending))::text as n',
  );
  return Number(row?.n ?? 0);
}
