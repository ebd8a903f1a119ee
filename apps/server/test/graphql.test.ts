import { ROLE_PERMISSIONS, ROLES, type Role } from '@clos/core';
import { testEngines } from '@clos/testing';
import { getIntrospectionQuery } from 'graphql/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { MUTATION_PERMISSIONS } from '../src/graphql/resolvers.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

type MutationName = keyof typeof MUTATION_PERMISSIONS;

interface Caller {
  role: Role;
  token: string;
  userId: string;
  email: string;
}

// Room for every project and lock the tables below create in one pod.
const POLICY = {
  wip: {
    types: [
      { name: 'project', defaultLimit: 500 },
      { name: 'pull-request', defaultLimit: 500 },
      { name: 'idea', defaultLimit: 10 },
    ],
  },
};

const EVIDENCE = { problemStatement: 'Checkout drops 4% of carts at payment', owner: 'ada@example.com' };
const SCORES = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
const EVIDENCE_INLINE = { problemStatement: 'Checkout drops 4% of carts', owner: 'ada@example.com' };

/** Each mutation's REST twin: the route doing the same, whose permission it must declare too. */
const REST_TWIN: Record<MutationName, string> = {
  registerPod: 'POST /api/v1/pods',
  setWipLimit: 'PUT /api/v1/pods/:slug/wip-limits/:itemType',
  acquireWipLock: 'POST /api/v1/pods/:slug/wip/:itemType/locks',
  releaseWipLock: 'DELETE /api/v1/wip-locks/:id',
  createProject: 'POST /api/v1/projects',
  submitEvidence: 'POST /api/v1/projects/:id/evidence',
  decideGate: 'POST /api/v1/projects/:id/approvals',
  advanceProject: 'POST /api/v1/projects/:id/advance',
  blockProject: 'POST /api/v1/projects/:id/block',
  unblockProject: 'POST /api/v1/projects/:id/unblock',
  closeProject: 'POST /api/v1/projects/:id/close',
  submitIdea: 'POST /api/v1/ideas',
  evaluateIdea: 'POST /api/v1/ideas/:id/evaluations',
  promoteIdea: 'POST /api/v1/ideas/:id/promote',
  archiveIdea: 'POST /api/v1/ideas/:id/archive',
  recordPodHealth: 'POST /api/v1/pods/:slug/health',
  rotatePodMember: 'POST /api/v1/pods/:slug/rotate',
};

async function gql(
  h: Harness,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = ADMIN_TOKEN,
) {
  return h.call('POST', '/graphql', { query, variables }, token);
}

/** Asserts a REST call succeeded and returns its body. */
async function rest(h: Harness, method: string, url: string, body?: unknown, token: string = ADMIN_TOKEN) {
  const res = await h.call(method, url, body, token);
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

describe.each(testEngines())('GraphQL on %s', (engine) => {
  let h: Harness;
  const callers = {} as Record<Role, Caller>;
  let helper: Caller;
  let n = 0;
  const unique = (prefix: string) => `${prefix}-${++n}`;

  const project = async (pod = 'ratio') =>
    (await rest(h, 'POST', '/api/v1/projects', { name: unique('project'), pod })).id as string;
  const idea = async () => (await rest(h, 'POST', '/api/v1/ideas', { title: unique('idea') })).id as string;

  beforeAll(async () => {
    h = await startHarness(engine, POLICY);
    for (const [slug, timezone] of [
      ['ratio', 'Europe/London'],
      ['atlas', 'America/New_York'],
      ['zeta', 'Asia/Tokyo'],
    ])
      await rest(h, 'POST', '/api/v1/pods', { slug, name: slug, timezone });
    for (const role of ROLES)
      callers[role] = {
        role,
        ...(await h.userWithToken(role, role === 'pod-lead' ? { pods: ['ratio', 'atlas'] } : {})),
      };
    helper = { role: 'developer', ...(await h.userWithToken('developer')) };
  });
  afterAll(() => h.close());

  /** Each mutation: its document and what it needs, prepared (as admin, or as the caller) before it runs. */
  const CASES: Record<
    MutationName,
    { query: string; setup(caller: Caller): Promise<Record<string, unknown>> }
  > = {
    registerPod: {
      query:
        'mutation($slug: String!) { registerPod(slug: $slug, name: "New", timezone: "UTC") { id slug } }',
      setup: async () => ({ slug: unique('gq') }),
    },
    setWipLimit: {
      query: 'mutation { setWipLimit(pod: "ratio", itemType: "idea", limit: 7) { limit used } }',
      setup: async () => ({}),
    },
    acquireWipLock: {
      query: `mutation($item: String!) {
        acquireWipLock(pod: "ratio", itemType: "pull-request", itemId: $item) { created lock { id itemId } }
      }`,
      setup: async () => ({ item: unique('pr') }),
    },
    releaseWipLock: {
      query: 'mutation($id: ID!) { releaseWipLock(id: $id) { id releasedAt } }',
      // Developers release only their own locks: the lock is the caller's when it may take one.
      setup: async (caller) => {
        const token = ROLE_PERMISSIONS[caller.role].has('wip:use') ? caller.token : ADMIN_TOKEN;
        const lock = await rest(
          h,
          'POST',
          '/api/v1/pods/ratio/wip/pull-request/locks',
          { itemId: unique('pr') },
          token,
        );
        return { id: lock.id };
      },
    },
    createProject: {
      query: 'mutation($name: String!) { createProject(name: $name, pod: "ratio") { id currentStage } }',
      setup: async () => ({ name: unique('project') }),
    },
    submitEvidence: {
      query:
        'mutation($id: ID!, $e: JSON!) { submitEvidence(id: $id, evidence: $e) { evidence { id } gate { ready } } }',
      setup: async () => ({ id: await project(), e: EVIDENCE }),
    },
    decideGate: {
      query: `mutation($id: ID!) {
        decideGate(id: $id, decision: approve, comment: "fine") { approval { decision } gate { ready } }
      }`,
      setup: async () => ({ id: await project() }),
    },
    advanceProject: {
      query: 'mutation($id: ID!) { advanceProject(id: $id) { project { currentStage } gate { nextStage } } }',
      setup: async () => {
        const id = await project();
        await rest(h, 'POST', `/api/v1/projects/${id}/evidence`, { evidence: EVIDENCE });
        await rest(h, 'POST', `/api/v1/projects/${id}/approvals`, { decision: 'approve' });
        return { id };
      },
    },
    blockProject: {
      query: 'mutation($id: ID!) { blockProject(id: $id, reason: "waiting on legal") { blockedReason } }',
      setup: async () => ({ id: await project() }),
    },
    unblockProject: {
      query: 'mutation($id: ID!) { unblockProject(id: $id) { blockedReason } }',
      setup: async () => {
        const id = await project();
        await rest(h, 'POST', `/api/v1/projects/${id}/block`, { reason: 'waiting' });
        return { id };
      },
    },
    closeProject: {
      query:
        'mutation($id: ID!) { closeProject(id: $id, outcome: cancelled, reason: "dropped") { outcome } }',
      setup: async () => ({ id: await project() }),
    },
    submitIdea: {
      query: 'mutation($t: String!) { submitIdea(title: $t, description: null) { id status } }',
      setup: async () => ({ t: unique('idea') }),
    },
    evaluateIdea: {
      query:
        'mutation($id: ID!, $s: JSON!) { evaluateIdea(id: $id, scores: $s) { idea { evaluationCount } } }',
      setup: async () => ({ id: await idea(), s: SCORES }),
    },
    promoteIdea: {
      query: 'mutation($id: ID!) { promoteIdea(id: $id, pod: "ratio") { idea { status } project { id } } }',
      setup: async () => {
        const id = await idea();
        await rest(h, 'POST', `/api/v1/ideas/${id}/evaluations`, { scores: SCORES });
        await rest(h, 'POST', `/api/v1/ideas/${id}/evaluations`, { scores: SCORES }, helper.token);
        return { id };
      },
    },
    archiveIdea: {
      query: 'mutation($id: ID!) { archiveIdea(id: $id, reason: "duplicate") { status } }',
      setup: async () => ({ id: await idea() }),
    },
    recordPodHealth: {
      query: `mutation {
        recordPodHealth(pod: "ratio", metrics: { velocity: 0.9, blockedItems: 1 }) { score metrics { velocity } }
      }`,
      setup: async () => ({}),
    },
    rotatePodMember: {
      query: `mutation($email: String!) {
        rotatePodMember(pod: "ratio", email: $email, toPod: "atlas") { from to }
      }`,
      setup: async () => {
        const email = `${unique('member')}@example.com`;
        await rest(h, 'POST', '/api/v1/users', { email, name: 'Member', role: 'developer' });
        await rest(h, 'POST', '/api/v1/pods/ratio/members', { email });
        return { email };
      },
    },
  };

  it('covers every mutation of the schema, each declaring the permission of its REST twin', async () => {
    const res = await gql(h, '{ __type(name: "Mutation") { fields { name } } }');
    const fields = res.json().data.__type.fields.map((f: { name: string }) => f.name);
    expect(fields.sort()).toEqual(Object.keys(CASES).sort());
    expect(Object.keys(MUTATION_PERMISSIONS).sort()).toEqual(fields);
    for (const [name, twin] of Object.entries(REST_TWIN)) {
      const [method, url] = twin.split(' ');
      const route = h.app.routeCatalog.find((r) => r.method === method && r.url === url);
      expect(route?.permission, `${name} ↔ ${twin}`).toBe(MUTATION_PERMISSIONS[name as MutationName]);
    }
  });

  it('runs every mutation under every role: allowed ones succeed, the others are forbidden', async () => {
    const failures: string[] = [];
    for (const [name, spec] of Object.entries(CASES) as [MutationName, (typeof CASES)[MutationName]][]) {
      const permission = MUTATION_PERMISSIONS[name];
      for (const role of ROLES) {
        const caller = callers[role];
        const variables = await spec.setup(caller);
        const res = await gql(h, spec.query, variables, caller.token);
        const body = res.json();
        const allowed = ROLE_PERMISSIONS[role].has(permission);
        if (res.statusCode !== 200) failures.push(`${name} as ${role}: HTTP ${res.statusCode} ${res.body}`);
        else if (allowed && (body.errors || !body.data?.[name]))
          failures.push(`${name} as ${role}: expected success, got ${res.body}`);
        else if (!allowed) {
          const error = body.errors?.[0];
          if (error?.extensions?.code !== 'forbidden' || body.data?.[name] !== null)
            failures.push(`${name} as ${role}: expected forbidden, got ${res.body}`);
          else if (error.message !== `role "${role}" lacks the "${permission}" permission`)
            failures.push(`${name} as ${role}: message ${error.message}`);
          else expect(error.extensions.details).toEqual({ permission, role });
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps a pod-lead to its pods, refusing as REST does', async () => {
    const lead = callers['pod-lead'].token;
    const zetaProject = await project('zeta');
    const attempts: [string, Record<string, unknown>][] = [
      ['mutation { setWipLimit(pod: "zeta", itemType: "idea", limit: 3) { limit } }', {}],
      ['mutation { acquireWipLock(pod: "zeta", itemType: "pull-request", itemId: "x") { created } }', {}],
      ['mutation { createProject(name: "Elsewhere", pod: "zeta") { id } }', {}],
      ['mutation { recordPodHealth(pod: "zeta", metrics: { velocity: 1 }) { score } }', {}],
      ['mutation($id: ID!) { blockProject(id: $id, reason: "no") { id } }', { id: zetaProject }],
      ['mutation { rotatePodMember(pod: "ratio", email: "x@example.com", toPod: "zeta") { to } }', {}],
    ];
    for (const [query, variables] of attempts) {
      const body = (await gql(h, query, variables, lead)).json();
      expect(body.errors?.[0]?.extensions, query).toEqual({ code: 'forbidden', details: { pod: 'zeta' } });
      expect(body.errors[0].message).toBe('this token is not allowed to act on pod "zeta"');
    }
    const viaRest = await h.call('PUT', '/api/v1/pods/zeta/wip-limits/idea', { limit: 3 }, lead);
    expect(viaRest.json().error.message).toBe('this token is not allowed to act on pod "zeta"');
  });

  it('reports tagged results and faults with the codes and details REST answers with', async () => {
    // wip_limit_exceeded, with the holders
    await rest(h, 'PUT', '/api/v1/pods/atlas/wip-limits/pull-request', { limit: 1 });
    await rest(h, 'POST', '/api/v1/pods/atlas/wip/pull-request/locks', { itemId: 'held' });
    const restFull = await h.call('POST', '/api/v1/pods/atlas/wip/pull-request/locks', { itemId: 'other' });
    const gqlFull = (
      await gql(
        h,
        'mutation { acquireWipLock(pod: "atlas", itemType: "pull-request", itemId: "other") { created } }',
      )
    ).json();
    expect(restFull.statusCode).toBe(409);
    expect(gqlFull.errors[0].extensions).toEqual({
      code: 'wip_limit_exceeded',
      details: restFull.json().error.details,
    });
    expect(gqlFull.errors[0].extensions.details.holders[0].itemId).toBe('held');
    expect(gqlFull.errors[0].message).toBe(restFull.json().error.message);

    // gate_criteria_unmet, with the evaluation
    const id = await project();
    const restGate = await h.call('POST', `/api/v1/projects/${id}/advance`);
    const gqlGate = (
      await gql(h, 'mutation($id: ID!) { advanceProject(id: $id) { gate { ready } } }', { id })
    ).json();
    expect(restGate.statusCode).toBe(422);
    expect(gqlGate.errors[0].extensions).toEqual({
      code: 'gate_criteria_unmet',
      details: restGate.json().error.details,
    });

    // promotion_criteria_unmet, with the blockers
    const unscored = await idea();
    const restPromote = await h.call('POST', `/api/v1/ideas/${unscored}/promote`, { pod: 'ratio' });
    const gqlPromote = (
      await gql(h, 'mutation($id: ID!) { promoteIdea(id: $id, pod: "ratio") { idea { id } } }', {
        id: unscored,
      })
    ).json();
    expect(gqlPromote.errors[0].extensions).toEqual({
      code: 'promotion_criteria_unmet',
      details: restPromote.json().error.details,
    });

    // invalid_request, every problem with its argument path
    const invalid = (
      await gql(
        h,
        'mutation($id: ID!) { evaluateIdea(id: $id, scores: { impact: 9, nope: 1 }) { idea { id } } }',
        {
          id: unscored,
        },
      )
    ).json();
    expect(invalid.errors[0].extensions.code).toBe('invalid_request');
    expect(invalid.errors[0].extensions.details).toContainEqual({
      path: 'scores.impact',
      message: 'must be ≤ 5',
    });
    // Neither a UUID nor a project key (`not-a-uuid` would be a key, and answer not_found).
    const badId = (await gql(h, '{ project(id: "Not_A_UUID") { id } }')).json();
    expect(badId.errors[0].extensions.code).toBe('invalid_request');
    expect(badId.errors[0].extensions.details[0].path).toBe('id');

    // not_found and conflict
    const missing = (await gql(h, '{ pod(slug: "nowhere") { id } }')).json();
    expect(missing).toMatchObject({
      data: { pod: null },
      errors: [
        { path: ['pod'], extensions: { code: 'not_found', details: { entity: 'pod', key: 'nowhere' } } },
      ],
    });
    const duplicate = (
      await gql(h, 'mutation { registerPod(slug: "ratio", name: "Again", timezone: "UTC") { id } }')
    ).json();
    expect(duplicate.errors[0].extensions).toEqual({ code: 'conflict', details: { slug: 'ratio' } });
  });

  it('answers queries with the same data as REST', async () => {
    // A pod with members, health, locks, and projects at several stages with history.
    const pod = 'atlas';
    const member = `${unique('atlas')}@example.com`;
    await rest(h, 'POST', '/api/v1/users', { email: member, name: 'Atlas Member', role: 'developer' });
    await rest(h, 'POST', `/api/v1/pods/${pod}/members`, { email: member, podRole: 'lead' });
    await rest(h, 'POST', `/api/v1/pods/${pod}/health`, {
      metrics: { velocity: 0.8, deploymentSuccess: 0.95 },
    });
    await rest(h, 'PUT', `/api/v1/pods/${pod}/wip-limits/pull-request`, { limit: 10 });
    await rest(h, 'POST', `/api/v1/pods/${pod}/wip/pull-request/locks`, { itemId: 'pr-7' });
    const advanced = await project(pod);
    await rest(h, 'POST', `/api/v1/projects/${advanced}/evidence`, { evidence: EVIDENCE });
    await rest(h, 'POST', `/api/v1/projects/${advanced}/approvals`, { decision: 'approve', comment: 'ok' });
    await rest(h, 'POST', `/api/v1/projects/${advanced}/advance`);
    const blocked = await project(pod);
    await rest(h, 'POST', `/api/v1/projects/${blocked}/block`, { reason: 'vendor outage' });
    const promotedIdea = await idea();
    await rest(h, 'POST', `/api/v1/ideas/${promotedIdea}/evaluations`, { scores: SCORES, comment: 'yes' });
    await rest(h, 'POST', `/api/v1/ideas/${promotedIdea}/evaluations`, { scores: SCORES }, helper.token);
    await rest(h, 'POST', `/api/v1/ideas/${promotedIdea}/promote`, { pod });

    const POD = 'id slug name timezone createdAt';
    const MEMBER = 'podId userId email name role podRole joinedAt leftAt';
    const HEALTH = `id podId score components source recordedBy recordedAt
      metrics { velocity wipUtilisation blockedItems cycleTimeDays deploymentSuccess blockedDays gateRefusals demoParticipation }`;
    const PROJECT = `id key name podId currentStage stageEnteredAt blockedReason blockedAt ideaId wipLockId closedAt
      outcome closeReason createdAt updatedAt`;
    const GATE = `projectId currentStage nextStage ready
      criteria { kind met message path required received roles approvers by comment }`;
    const IDEA = `id title description submittedBy evaluationScore evaluationCount status promotedToProjectId
      archivedReason createdAt updatedAt`;
    const AUDIT = `sequence id occurredAt actorId actorLabel action subjectType subjectId before after reason
      requestId prevHash hash`;
    // Three requests: all of it in one would exceed the default cost budget of 1000.
    const podQuery = `query($pod: String!) {
        pods(first: 10) { nextCursor items { ${POD} } }
        pod(slug: $pod) {
          ${POD}
          status {
            members { ${MEMBER} }
            wip { itemType used limit }
            projectsPerStage { stage count }
            health { ${HEALTH} }
          }
          wip {
            itemType limit used available
            holders { lockId itemId acquiredBy acquiredAt label url }
            queue { itemId label url position enqueuedAt enqueuedBy }
          }
          health(first: 5) { ${HEALTH} changes { input kind from to points } }
          projects(first: 10) { nextCursor items { id } }
        }
        wipLocks(pod: $pod, itemType: "pull-request") {
          id podId itemType itemId acquiredBy acquiredAt releasedAt releasedBy
        }
      }`;
    const projectQuery = `query($pod: String!, $project: ID!, $blocked: ID!) {
        projects(first: 20, pod: $pod) { nextCursor items { ${PROJECT} } }
        project(id: $project) {
          ${PROJECT}
          stageHistory { id projectId fromStage toStage evidence approvedBy actorId createdAt }
          evidence { id projectId stage data submittedBy source createdAt }
          approvals { id projectId stage userId userEmail userRole decision comment createdAt }
          gate { ${GATE} }
        }
        blocked: project(id: $blocked) { gate { ${GATE} } }
      }`;
    const ideaAuditQuery = `query($idea: ID!) {
        ideas(first: 10) { nextCursor items { ${IDEA} } }
        idea(id: $idea) {
          ${IDEA}
          evaluations { id ideaId evaluatorId scores score comment createdAt }
          project { id ideaId }
        }
        auditEvents(first: 30) { nextCursor items { ${AUDIT} } }
      }`;
    // biome-ignore lint/suspicious/noExplicitAny: compared field by field against REST below
    const d: Record<string, any> = {};
    for (const [query, variables] of [
      [podQuery, { pod }],
      [projectQuery, { pod, project: advanced, blocked }],
      [ideaAuditQuery, { idea: promotedIdea }],
    ] as const) {
      const res = await gql(h, query, variables);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().errors).toBeUndefined();
      Object.assign(d, res.json().data);
    }

    /** The REST object's fields, with GraphQL's nulls for the optional fields REST leaves out. */
    const same = (fromGraphql: Record<string, unknown>, fromRest: Record<string, unknown>) => {
      for (const [key, value] of Object.entries(fromGraphql))
        expect(value, key).toEqual(key in fromRest ? fromRest[key] : null);
      for (const key of Object.keys(fromRest)) expect(fromGraphql, key).toHaveProperty(key);
    };
    const pick = (object: Record<string, unknown>, keys: string) =>
      Object.fromEntries(
        keys
          .split(/\s+/)
          .filter(Boolean)
          .map((k) => [k, object[k]]),
      );
    const withoutNulls = (object: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null));

    const page = (
      fromRest: { items: Record<string, unknown>[]; nextCursor: string | null },
      keys: string,
    ) => ({
      nextCursor: fromRest.nextCursor,
      items: fromRest.items.map((item) => pick(item, keys)),
    });
    expect(d.pods).toEqual(page(await rest(h, 'GET', '/api/v1/pods?limit=10'), POD));
    const podRest = await rest(h, 'GET', `/api/v1/pods/${pod}`);
    expect(pick(d.pod, POD)).toEqual(podRest);
    const status = await rest(h, 'GET', `/api/v1/pods/${pod}/status`);
    expect(d.pod.status.members).toEqual(status.members);
    expect(d.pod.status.wip).toEqual(status.wip);
    expect(
      Object.fromEntries(
        d.pod.status.projectsPerStage.map((s: { stage: string; count: number }) => [s.stage, s.count]),
      ),
    ).toEqual(status.projectsPerStage);
    expect({ ...d.pod.status.health, metrics: withoutNulls(d.pod.status.health.metrics) }).toEqual(
      status.health,
    );
    expect(d.pod.wip).toEqual((await rest(h, 'GET', `/api/v1/pods/${pod}/wip`)).types);
    const health = await rest(h, 'GET', `/api/v1/pods/${pod}/health?limit=5`);
    expect(
      d.pod.health.map((s: { metrics: Record<string, unknown> }) => ({
        ...s,
        metrics: withoutNulls(s.metrics),
      })),
    ).toEqual(health.items);
    const podProjects = await rest(h, 'GET', `/api/v1/projects?pod=${pod}&limit=10`);
    expect(d.pod.projects.items.map((p: { id: string }) => p.id)).toEqual(
      podProjects.items.map((p: { id: string }) => p.id),
    );

    expect(d.projects).toEqual(page(await rest(h, 'GET', `/api/v1/projects?pod=${pod}&limit=20`), PROJECT));
    const detail = await rest(h, 'GET', `/api/v1/projects/${advanced}`);
    expect(pick(d.project, PROJECT)).toEqual(pick(detail, PROJECT));
    expect(d.project.stageHistory).toEqual(detail.transitions);
    expect(d.project.stageHistory.map((t: { toStage: string }) => t.toStage)).toEqual([
      'inception',
      'discovery',
    ]);
    expect(d.project.evidence).toEqual(detail.evidence);
    expect(d.project.approvals).toEqual(detail.approvals);
    for (const [fromGraphql, id] of [
      [d.project.gate, advanced],
      [d.blocked.gate, blocked],
    ] as const) {
      const gate = await rest(h, 'GET', `/api/v1/projects/${id}/gate`);
      expect(pick(fromGraphql, 'projectId currentStage nextStage ready')).toEqual(
        pick(gate, 'projectId currentStage nextStage ready'),
      );
      expect(fromGraphql.criteria).toHaveLength(gate.criteria.length);
      for (const [i, criterion] of fromGraphql.criteria.entries()) same(criterion, gate.criteria[i]);
    }
    expect(d.blocked.gate.criteria.map((c: { kind: string }) => c.kind)).toContain('not_blocked');

    expect(d.ideas).toEqual(page(await rest(h, 'GET', '/api/v1/ideas?limit=10'), IDEA));
    const ideaRest = await rest(h, 'GET', `/api/v1/ideas/${promotedIdea}`);
    const { project: promotedProject, evaluations, ...ideaGraphql } = d.idea;
    expect(ideaGraphql).toEqual(pick(ideaRest, IDEA));
    expect(evaluations).toEqual(ideaRest.evaluations);
    expect(evaluations).toHaveLength(2);
    expect(promotedProject).toEqual({ id: ideaRest.promotedToProjectId, ideaId: promotedIdea });

    const wip = await rest(h, 'GET', `/api/v1/pods/${pod}/wip`);
    const holders = wip.types.find((t: { itemType: string }) => t.itemType === 'pull-request').holders;
    expect(d.wipLocks.map((l: { id: string; itemId: string }) => [l.id, l.itemId])).toEqual(
      holders.map((l: { lockId: string; itemId: string }) => [l.lockId, l.itemId]),
    );
    expect(d.wipLocks[0]).toMatchObject({ podId: podRest.id, itemType: 'pull-request', releasedAt: null });

    expect(d.auditEvents).toEqual(page(await rest(h, 'GET', '/api/v1/audit?limit=30'), AUDIT));
    const filtered = await gql(
      h,
      'query($id: String!) { auditEvents(subjectType: "project", subjectId: $id) { items { action } } }',
      { id: advanced },
    );
    const filteredRest = await rest(h, 'GET', `/api/v1/audit?subjectType=project&subjectId=${advanced}`);
    expect(filtered.json().data.auditEvents.items).toEqual(
      filteredRest.items.map((e: { action: string }) => ({ action: e.action })),
    );
  });

  it('runs several mutations in order, each committed on its own, with JSON written inline', async () => {
    const id = await project();
    const res = await gql(
      h,
      `mutation($id: ID!) {
        submitEvidence(id: $id, evidence: { problemStatement: "Checkout drops 4% of carts", owner: "ada@example.com" }) {
          gate { ready }
        }
        decideGate(id: $id, decision: approve, comment: "agreed in review") { gate { ready } }
        advanceProject(id: $id) { project { currentStage } }
        blockProject(id: $id, reason: "") { id }
      }`,
      { id },
    );
    const body = res.json();
    expect(body.data).toEqual({
      submitEvidence: { gate: { ready: false } },
      decideGate: { gate: { ready: true } },
      advanceProject: { project: { currentStage: 'discovery' } },
      blockProject: null,
    });
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['blockProject'],
        extensions: expect.objectContaining({ code: 'invalid_request' }),
      }),
    ]);
    const detail = await rest(h, 'GET', `/api/v1/projects/${id}`);
    expect(detail.evidence[0].data).toEqual(EVIDENCE_INLINE);
    expect(detail.blockedReason).toBeNull();
  });

  it('pages with first and after like REST pages with limit and cursor', async () => {
    const first = (await gql(h, '{ ideas(first: 2) { nextCursor items { id } } }')).json().data.ideas;
    expect(first.nextCursor).toBeTruthy();
    const second = (
      await gql(h, 'query($c: String) { ideas(first: 2, after: $c) { items { id } } }', {
        c: first.nextCursor,
      })
    ).json().data.ideas;
    const restSecond = await rest(
      h,
      'GET',
      `/api/v1/ideas?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`,
    );
    expect(second.items).toEqual(restSecond.items.map((i: { id: string }) => ({ id: i.id })));
    const tooMany = (await gql(h, '{ ideas(first: 201) { items { id } } }')).json();
    expect(tooMany.errors[0].extensions.code).toBe('invalid_request');
  });

  it('refuses a query over the depth or the cost limit before running it', async () => {
    const before = (await rest(h, 'GET', '/api/v1/audit?limit=1')).items[0].sequence;
    // project → idea → project → … : ten levels against the default limit of eight.
    const deep = await gql(
      h,
      `query($id: ID!) { project(id: $id) { idea { project { idea { project { idea { project { idea {
        project { id } } } } } } } } } }`,
      { id: SOME_UUID },
    );
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toEqual({
      errors: [
        {
          message: expect.stringContaining('depth 10 exceeds the limit of 8'),
          extensions: {
            code: 'query_too_complex',
            details: { depth: 10, cost: 10, maxDepth: 8, maxCost: 1000 },
          },
        },
      ],
    });

    const wide = await gql(h, '{ pods(first: 200) { items { projects(first: 200) { items { id } } } } }');
    expect(wide.statusCode).toBe(400);
    const error = wide.json().errors[0];
    expect(error.extensions.code).toBe('query_too_complex');
    expect(error.message).toContain('estimated cost 40402 exceeds the limit of 1000');

    // Mutations are measured too, and a refused one changes nothing.
    const mutation = await gql(
      h,
      'mutation { submitIdea(title: "refused") { project { idea { project { idea { project { idea { project { id } } } } } } } } }',
    );
    expect(mutation.json().errors[0].extensions.code).toBe('query_too_complex');
    expect((await rest(h, 'GET', '/api/v1/audit?limit=1')).items[0].sequence).toBe(before);

    // `first` given as a variable is costed at its value.
    const query = 'query($n: Int) { pods(first: $n) { items { projects(first: $n) { items { id } } } } }';
    expect((await gql(h, query, { n: 200 })).statusCode).toBe(400);
    expect((await gql(h, query, { n: 5 })).json().errors).toBeUndefined();
  });

  it('takes its limits from the app options', async () => {
    const app = await buildApp({ services: h.services, database: h.database, graphql: { maxDepth: 2 } });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { query: '{ pods { items { id } } }' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].extensions.details).toMatchObject({ depth: 3, maxDepth: 2, maxCost: 1000 });
    } finally {
      await app.close();
    }
  });

  it('serves introspection to any token and to no one without one', async () => {
    const query = getIntrospectionQuery();
    const anonymous = await gql(h, query, {}, null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');
    expect(anonymous.body).not.toContain('__schema');
    const viewer = await gql(h, query, {}, callers.viewer.token);
    expect(viewer.statusCode).toBe(200);
    const types = viewer.json().data.__schema.types.map((t: { name: string }) => t.name);
    expect(types).toEqual(
      expect.arrayContaining(['Pod', 'Project', 'Idea', 'WipLock', 'AuditEvent', 'Mutation']),
    );
  });

  it('answers request errors with status 400 and no data', async () => {
    const syntax = await gql(h, '{ pods { items { id }');
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().errors[0]).toMatchObject({ extensions: { code: 'invalid_request' } });
    expect(syntax.json().errors[0].message).toContain('Syntax Error');
    const unknownField = await gql(h, '{ pods { items { nope } } }');
    expect(unknownField.json()).toEqual({
      errors: [
        {
          message: expect.stringContaining('Cannot query field "nope" on type "Pod".'),
          locations: [{ line: 1, column: 18 }],
          extensions: { code: 'invalid_request' },
        },
      ],
    });
    const badVariable = await gql(h, 'query($n: Int) { pods(first: $n) { items { id } } }', { n: 'many' });
    expect(badVariable.statusCode).toBe(400);
    expect(badVariable.json().errors[0].extensions.code).toBe('invalid_request');
    const badTimestamp = await gql(h, '{ auditEvents(from: "yesterday") { items { id } } }');
    expect(badTimestamp.statusCode).toBe(400);
    expect(badTimestamp.json().errors[0].message).toContain('ISO-8601');
    // Not a GraphQL request at all: the REST error body, as for any malformed request.
    const notGraphql = await h.call('POST', '/graphql', { mutation: '{}' });
    expect(notGraphql.statusCode).toBe(400);
    expect(notGraphql.json().error.code).toBe('invalid_request');
  });
});

const SOME_UUID = '7b1e4c1a-3f59-4a8e-9d0e-5a6f2b1c9d00';
