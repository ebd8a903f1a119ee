/**
 * A small organisation seeded through the API before fuzzing, so generated requests can name things
 * that exist (a pod, a project, a lock, a webhook…) as often as things that do not: validation is
 * only half the surface, the use cases behind it are the other half.
 */
import { DOMAIN_EVENT_TYPES } from '@clos/core';
import type { FastifyInstance } from 'fastify';

/** Who a generated request acts as. */
export const CALLERS = ['admin', 'pod-lead', 'developer', 'viewer', 'none', 'invalid', 'revoked'] as const;
export type Caller = (typeof CALLERS)[number];

/** A JSON Schema, as the policy and `z.toJSONSchema` write them. */
export type JsonSchema = Record<string, unknown>;

export interface World {
  /** The bearer token each caller sends; `none` sends no Authorization header. */
  tokens: Record<Caller, string | null>;
  pods: string[];
  itemTypes: string[];
  stages: string[];
  criteria: string[];
  emails: string[];
  /** Ids of every kind of entity, mixed: a project id where a lock id goes is a fine 404. */
  ids: string[];
  /** The same ids by kind, named as the route paths name them (`projects`, `ideas`, `wip-locks`…). */
  idsByKind: Record<string, string[]>;
  /** `nextCursor`s returned by real lists. */
  cursors: string[];
  eventTypes: string[];
  /** The evidence schema of each gated stage, to generate evidence that passes. */
  evidenceSchemas: JsonSchema[];
  days: string[];
}

export const ADMIN_EMAIL = 'admin@example.com';

type Inject = (
  method: string,
  url: string,
  body?: unknown,
  token?: string | null,
  // biome-ignore lint/suspicious/noExplicitAny: seed responses are read loosely; the contract is tested elsewhere
) => Promise<{ status: number; json: any }>;

function caller(app: FastifyInstance, adminToken: string): Inject {
  return async (method, url, body, token = adminToken) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    let json: unknown = null;
    try {
      json = res.json();
    } catch {
      // not JSON
    }
    return { status: res.statusCode, json };
  };
}

/** Seeds the organisation with the bootstrap admin's token; throws if any step is refused. */
export async function seedWorld(app: FastifyInstance, adminToken: string): Promise<World> {
  const call = caller(app, adminToken);
  const must = async (
    method: string,
    url: string,
    body?: unknown,
    token?: string | null,
    // biome-ignore lint/suspicious/noExplicitAny: as above
  ): Promise<any> => {
    const res = await call(method, url, body, token);
    if (res.status >= 300)
      throw new Error(`seeding: ${method} ${url} answered ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  const ids: string[] = [];
  const idsByKind: Record<string, string[]> = {};
  const keep = <T extends { id: string }>(kind: string, record: T, id = record.id): T => {
    ids.push(id);
    idsByKind[kind] = [...(idsByKind[kind] ?? []), id];
    return record;
  };

  const policy = await must('GET', '/api/v1/policy');
  const stages: string[] = policy.stages.map((s: { name: string }) => s.name);
  const itemTypes: string[] = policy.wip.types.map((t: { name: string }) => t.name);
  const criteria: string[] = policy.ideas.criteria.map((c: { key: string }) => c.key);
  const evidenceSchemas: JsonSchema[] = policy.stages
    .filter((s: { gate: unknown }) => s.gate)
    .map((s: { gate: { evidence: JsonSchema } }) => s.gate.evidence);

  const pods = ['alpha', 'beta', 'gamma'];
  for (const slug of pods)
    keep(
      'pods',
      await must('POST', '/api/v1/pods', { slug, name: `Pod ${slug}`, timezone: 'Europe/London' }),
    );
  // Room in alpha for whatever valid creations the fuzzer makes; beta full after one project (409s).
  for (const type of itemTypes) await must('PUT', `/api/v1/pods/alpha/wip-limits/${type}`, { limit: 10_000 });
  await must('PUT', `/api/v1/pods/beta/wip-limits/${itemTypes[0]}`, { limit: 1 });

  const people = {
    lead: 'lead@example.com',
    dev: 'dev@example.com',
    viewer: 'viewer@example.com',
    dev2: 'dev2@example.com',
    admin2: 'admin2@example.com',
  };
  const roles = { lead: 'pod-lead', dev: 'developer', viewer: 'viewer', dev2: 'developer', admin2: 'admin' };
  for (const [who, email] of Object.entries(people))
    keep(
      'users',
      await must('POST', '/api/v1/users', { email, name: who, role: roles[who as keyof typeof roles] }),
    );
  await must('POST', '/api/v1/pods/alpha/members', { email: people.lead, podRole: 'lead' });
  await must('POST', '/api/v1/pods/alpha/members', { email: people.dev });
  await must('POST', '/api/v1/pods/alpha/members', { email: people.viewer });
  await must('POST', '/api/v1/pods/beta/members', { email: people.dev2 });

  const token = async (body: Record<string, unknown>) =>
    (await must('POST', '/api/v1/tokens', body)) as {
      token: { id: string };
      value: string;
    };
  // The callers' token ids stay out of `ids`: a fuzzed DELETE /tokens/:id must not revoke them.
  const lead = await token({ name: 'lead', role: 'pod-lead', user: people.lead, pods: ['alpha'] });
  const dev = await token({ name: 'dev', role: 'developer', user: people.dev });
  const viewer = await token({ name: 'viewer', role: 'viewer', user: people.viewer });
  const revoked = await token({ name: 'revoked', role: 'admin', user: people.admin2 });
  await must('DELETE', `/api/v1/tokens/${revoked.token.id}`);
  for (const name of ['victim-1', 'victim-2'])
    keep('tokens', (await token({ name, role: 'developer', user: people.dev2 })).token);

  const p1 = keep('projects', await must('POST', '/api/v1/projects', { name: 'Checkout', pod: 'alpha' }));
  const p2 = keep('projects', await must('POST', '/api/v1/projects', { name: 'Search', pod: 'alpha' }));
  keep('projects', await must('POST', '/api/v1/projects', { name: 'Billing', pod: 'beta' }));
  await must('POST', `/api/v1/projects/${p1.id}/evidence`, {
    evidence: { problemStatement: 'Checkout drops 4% of carts at payment', owner: people.lead },
  });
  await must('POST', `/api/v1/projects/${p1.id}/approvals`, { decision: 'approve' });
  await must('POST', `/api/v1/projects/${p1.id}/advance`);
  await must('POST', `/api/v1/projects/${p2.id}/block`, { reason: 'waiting on legal' });
  keep(
    'ci-statuses',
    await must('POST', `/api/v1/projects/${p1.id}/ci-statuses`, { status: 'passed', context: 'ci' }),
  );

  const i1 = keep(
    'ideas',
    await must('POST', '/api/v1/ideas', { title: 'Dark mode', description: 'Please' }),
  );
  keep('ideas', await must('POST', '/api/v1/ideas', { title: 'Faster search' }));
  const i3 = keep('ideas', await must('POST', '/api/v1/ideas', { title: 'Fax support' }));
  const scores = Object.fromEntries(criteria.map((c) => [c, 5]));
  keep('evaluations', (await must('POST', `/api/v1/ideas/${i1.id}/evaluations`, { scores })).evaluation);
  await must('POST', `/api/v1/ideas/${i3.id}/archive`, { reason: 'no one faxes' });

  keep(
    'wip-locks',
    await must('POST', `/api/v1/pods/alpha/wip/${itemTypes.at(-1)}/locks`, { itemId: 'PR-1' }, dev.value),
  );
  keep(
    'health',
    await must('POST', '/api/v1/pods/alpha/health', { metrics: { velocity: 0.8, blockedItems: 1 } }),
  );
  const deployment = keep(
    'deployments',
    await must('POST', '/api/v1/deployments', { pod: 'alpha', version: 'v1.0.0' }),
  );
  keep('runs', deployment, deployment.runId);
  keep(
    'commitments',
    await must('POST', '/api/v1/pods/alpha/commitments', { text: 'Ship checkout' }, dev.value),
  );
  keep(
    'webhooks',
    await must('POST', '/api/v1/webhooks', {
      url: 'https://hooks.example.com/clos',
      events: ['*'],
      secret: 's'.repeat(32),
    }),
  );
  // Every user but the bootstrap admin, whose token the runner verifies the audit chain with: a fuzzed
  // PATCH deactivating or demoting it (allowed while admin2 is an admin) would revoke that token and
  // turn every later admin call into a 401.
  const users = await must('GET', '/api/v1/users?limit=200');
  for (const u of users.items as { id: string; email: string }[])
    if (!ids.includes(u.id) && u.email !== ADMIN_EMAIL) keep('users', u);

  // Real cursors: the first page of each list, one item long.
  const cursors: string[] = [];
  for (const list of [
    '/api/v1/pods',
    '/api/v1/projects',
    '/api/v1/ideas',
    '/api/v1/users',
    '/api/v1/tokens',
    '/api/v1/audit',
    '/api/v1/workflows/runs',
  ]) {
    const page = await call('GET', `${list}?limit=1`);
    if (typeof page.json?.nextCursor === 'string') cursors.push(page.json.nextCursor);
  }

  return {
    tokens: {
      admin: adminToken,
      'pod-lead': lead.value,
      developer: dev.value,
      viewer: viewer.value,
      none: null,
      invalid: 'clos_this_token_was_never_issued_0000000000',
      revoked: revoked.value,
    },
    pods,
    itemTypes,
    stages,
    criteria,
    emails: [...Object.values(people), ADMIN_EMAIL],
    ids,
    idsByKind,
    cursors,
    eventTypes: Object.keys(DOMAIN_EVENT_TYPES),
    evidenceSchemas,
    days: ['2026-03-02', '2026-03-01', '2026-02-28', '2025-12-31'],
  };
}
