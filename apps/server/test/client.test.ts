import { createServer, type Server, type Socket } from 'node:net';
import {
  ClosApiError,
  type ClosClient,
  ClosConnectionError,
  createClosClient,
  isClosApiError,
  routes,
} from '@clos/contract';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

/** Listens on a free port and closes again: nothing answers there afterwards. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts connections and never answers them. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the route table and the server agree', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  });
  afterAll(() => h.close());

  it('registers every route of the table with its permission, and nothing under /api/v1 beside it', () => {
    const table = Object.values(routes)
      .map((r) => `${r.method} ${r.path} ${r.permission}`)
      .sort();
    const registered = h.app.routeCatalog
      .filter(
        (r) =>
          (r.url.startsWith('/api/v1/') && r.url !== '/api/v1/openapi.json') ||
          r.url === '/healthz' ||
          r.url === '/readyz',
      )
      .map((r) => `${r.method} ${r.url} ${r.permission}`)
      .sort();
    expect(registered).toEqual(table);
  });
});

describe.each(testEngines())('the typed client against a real server on %s', (engine) => {
  let h: Harness;
  let url: string;
  let admin: ClosClient;

  /** A user of `role` and a client holding their token. */
  async function clientAs(role: 'developer' | 'viewer', pods?: string[]) {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const user = await admin.createUser({ body: { email, name: role, role } });
    const { value } = await admin.createToken({
      body: { name: `${role} token`, role, user: email, ...(pods ? { pods } : {}) },
    });
    return { user, client: createClosClient({ url, token: value, validateResponses: true }) };
  }

  beforeAll(async () => {
    h = await startHarness(engine);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as { port: number };
    url = `http://127.0.0.1:${port}`;
    // Validating every answer against its schema proves the server keeps to the contract.
    admin = createClosClient({ url, token: ADMIN_TOKEN, validateResponses: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    await admin.registerPod({ body: { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' } });
  });

  it('answers the public probes without a token', async () => {
    const anonymous = createClosClient({ url, validateResponses: true });
    expect(await anonymous.healthz()).toEqual({ status: 'ok' });
    expect(await anonymous.readyz()).toEqual({ status: 'ready', engine });
  });

  it('drives a project through its first gate, with a CI status on the way', async () => {
    const { client: dev } = await clientAs('developer', ['ratio']);
    const project = await admin.createProject({ body: { name: 'Card-on-file checkout', pod: 'ratio' } });
    expect(project).toMatchObject({ currentStage: 'inception', closedAt: null });
    expect(project.wipLockId).not.toBeNull();

    const early = await dev.advanceProject({ params: { id: project.id } }).catch((e: unknown) => e);
    expect(isClosApiError(early, 'gate_criteria_unmet')).toBe(true);
    if (!isClosApiError(early, 'gate_criteria_unmet')) throw early;
    expect(early.status).toBe(422);
    expect(early.details?.evaluation.criteria.filter((c) => !c.met).map((c) => c.kind)).toContain('evidence');

    const submitted = await dev.submitEvidence({
      params: { id: project.id },
      body: {
        evidence: {
          problemStatement: 'Returning customers re-enter their card on every purchase.',
          owner: 'ada@example.com',
        },
      },
    });
    expect(submitted.evidence.stage).toBe('discovery');
    const decided = await admin.decideGate({
      params: { id: project.id },
      body: { decision: 'approve', comment: 'agreed' },
    });
    expect(decided.gate.ready).toBe(true);

    const advanced = await dev.advanceProject({ params: { id: project.id } });
    expect(advanced.project.currentStage).toBe('discovery');
    expect(advanced.gate.nextStage).toBe('build');

    const reported = await dev.raw.recordCiStatus({
      params: { id: project.id },
      body: { status: 'passed', url: 'https://ci.example.com/runs/1', context: 'build' },
    });
    expect(reported.status).toBe(201);
    const detail = await dev.getProject({ params: { id: project.id } });
    expect(detail.transitions.map((t) => t.toStage)).toEqual(['inception', 'discovery']);
    expect(detail.ciStatus).toEqual([reported.data]);
    expect((await dev.listCiStatuses({ params: { id: project.id } })).items).toEqual([reported.data]);

    const audit = await dev.listAudit({ query: { subjectId: project.id, limit: 200 } });
    expect(audit.items.map((e) => e.action).reverse()).toEqual([
      'project.created',
      'project.evidence_submitted',
      'gate.approved',
      'stage.advanced',
      'project.ci_status',
    ]);
    expect(await dev.verifyAudit()).toMatchObject({ ok: true });
  });

  it('takes WIP slots until the limit, then throws wip_limit_exceeded with the holders', async () => {
    const { client: dev, user } = await clientAs('developer', ['ratio']);
    const params = { slug: 'ratio', itemType: 'pull-request' };
    expect(await admin.setWipLimit({ params, body: { limit: 2 } })).toMatchObject({ limit: 2, used: 0 });

    const first = await dev.raw.acquireWipLock({ params, body: { itemId: 'web#1' } });
    expect(first.status).toBe(201);
    // Only an acquire with `queue: true` can answer 202; narrows the union of 2xx bodies.
    if (first.status === 202) throw new Error('not queued without `queue: true`');
    expect(first.data.acquiredBy).toBe(user.id);
    const again = await dev.raw.acquireWipLock({ params, body: { itemId: 'web#1' } });
    expect(again).toMatchObject({ status: 200, data: { id: first.data.id } });
    await dev.acquireWipLock({ params, body: { itemId: 'web#2' } });
    expect(await dev.checkWip({ params })).toMatchObject({ used: 2, available: 0, allowed: false });

    const refused = await dev
      .acquireWipLock({ params, body: { itemId: 'web#3' } }, { requestId: 'ci-run-7' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClosApiError);
    if (!isClosApiError(refused, 'wip_limit_exceeded')) throw refused;
    expect(refused).toMatchObject({ status: 409, route: 'acquireWipLock', requestId: 'ci-run-7' });
    expect(refused.message).toContain('WIP limit');
    expect(refused.details?.holders.map((holder) => holder.itemId)).toEqual(['web#1', 'web#2']);
    expect(refused.details).toMatchObject({ pod: 'ratio', itemType: 'pull-request', limit: 2, used: 2 });

    const released = await dev.releaseWipLock({ params: { id: first.data.id } });
    expect(released.releasedAt).not.toBeNull();
    expect((await dev.raw.acquireWipLock({ params, body: { itemId: 'web#3' } })).status).toBe(201);
    const status = await dev.getPodStatus({ params: { slug: 'ratio' } });
    expect(status.wip.find((w) => w.itemType === 'pull-request')).toEqual({
      itemType: 'pull-request',
      used: 2,
      limit: 2,
    });
  });

  it('throws the server’s 401, 403 and 400 as typed errors', async () => {
    const stranger = createClosClient({ url, token: 'clos_not_a_real_token' });
    const unauthorized = await stranger.listPods().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(ClosApiError);
    expect(unauthorized).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((unauthorized as ClosApiError).requestId).toMatch(/\S/);

    const { client: viewer } = await clientAs('viewer');
    const forbidden = await viewer
      .registerPod({ body: { slug: 'atlas', name: 'Atlas', timezone: 'UTC' } })
      .catch((e: unknown) => e);
    expect(forbidden).toMatchObject({
      status: 403,
      code: 'forbidden',
      details: { permission: 'pods:create' },
    });

    const invalid = await admin
      .registerPod({ body: { slug: 'Not A Slug', name: 'x', timezone: 'UTC' } })
      .catch((e: unknown) => e);
    if (!isClosApiError(invalid, 'invalid_request')) throw invalid;
    expect(invalid.details?.map((d) => d.path)).toEqual(['body.slug']);

    const missing = await admin.getPod({ params: { slug: 'nope' } }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('throws ClosConnectionError against a closed port and on a timeout', async () => {
    const port = await closedPort();
    const nowhere = createClosClient({ url: `http://127.0.0.1:${port}`, token: ADMIN_TOKEN });
    const refused = await nowhere.listPods().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClosConnectionError);
    expect((refused as ClosConnectionError).timedOut).toBe(false);
    expect((refused as Error).message).toContain('ECONNREFUSED');
    expect((refused as Error).cause).toBeDefined();

    const silent = await silentServer();
    try {
      const slow = createClosClient({ url: `http://127.0.0.1:${silent.port}`, timeoutMs: 200 });
      const timedOut = await slow.healthz().catch((e: unknown) => e);
      expect(timedOut).toBeInstanceOf(ClosConnectionError);
      expect((timedOut as ClosConnectionError).timedOut).toBe(true);
    } finally {
      await silent.close();
    }
  });
});
