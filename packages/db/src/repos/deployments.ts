import type { Deployment, DeploymentRepository, DeploymentTally } from '@clos/core';
import { and, desc, eq, gte, isNotNull, lt, or, sql } from 'drizzle-orm';
import { decodeCursor, pageOf } from '../cursor.ts';
import type { Db } from '../database.ts';
import * as t from '../schema/index.ts';

const d = t.deployments;
const toDeployment = (r: typeof d.$inferSelect): Deployment => r;

export function deploymentRepository(db: Db): DeploymentRepository {
  return {
    async insert(deployment) {
      await db.insert(d).values(deployment);
    },
    async byId(id) {
      const [row] = await db.select().from(d).where(eq(d.id, id));
      return row ? toDeployment(row) : null;
    },
    async lockById(id) {
      const [row] = await db.select().from(d).where(eq(d.id, id)).for('update');
      return row ? toDeployment(row) : null;
    },
    async lockByExternalId(externalId) {
      const [row] = await db.select().from(d).where(eq(d.externalId, externalId)).for('update');
      return row ? toDeployment(row) : null;
    },
    async update(id, patch) {
      await db.update(d).set(patch).where(eq(d.id, id));
    },
    async list(f, { limit, cursor }) {
      const after = decodeCursor(cursor, ['timestamp', 'uuid']);
      const rows = await db
        .select()
        .from(d)
        .where(
          and(
            f.podId ? eq(d.podId, f.podId) : undefined,
            f.status ? eq(d.status, f.status) : undefined,
            after
              ? or(lt(d.startedAt, after[0]), and(eq(d.startedAt, after[0]), lt(d.id, after[1])))
              : undefined,
          ),
        )
        .orderBy(desc(d.startedAt), desc(d.id))
        .limit(limit + 1);
      return pageOf(rows.map(toDeployment), limit, (r) => [r.startedAt.toISOString(), r.id]);
    },
    async finishedSince(since, podId) {
      const rows = await db
        .select({
          podId: d.podId,
          succeeded: sql<number>`count(*) filter (where ${d.status} = 'succeeded')`,
          failed: sql<number>`count(*) filter (where ${d.status} = 'failed')`,
          meanSeconds: sql<
            number | null
          >`avg(extract(epoch from (${d.finishedAt} - ${d.startedAt})))::double precision`,
        })
        .from(d)
        .where(and(isNotNull(d.finishedAt), gte(d.finishedAt, since), podId ? eq(d.podId, podId) : undefined))
        .groupBy(d.podId);
      const out: Record<string, DeploymentTally> = {};
      for (const r of rows)
        out[r.podId] = {
          succeeded: Number(r.succeeded),
          failed: Number(r.failed),
          meanDurationSeconds:
            r.meanSeconds === null ? null : Math.round(Number(r.meanSeconds) * 1000) / 1000,
        };
      return out;
    },
  };
}
