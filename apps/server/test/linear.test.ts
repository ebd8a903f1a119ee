import { randomUUID } from 'node:crypto';
import { configureIntegrations, configureLinear, LINEAR_QUEUE, linearIntegration } from '@clos/integrations';
import {
  defaultPolicy,
  type FakeLinear,
  type FakeLinearIssue,
  linearWebhookHeaders,
  startFakeLinear,
  testEngines,
} from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const KEY = 'lin_api_clos_test_0123456789';
const SECRET = 'linear-webhook-secret-0123456789abcdef';
const URL_PATH = '/api/v1/integrations/linear/webhook';
const silent = { info() {}, warn() {}, error() {} };

const POLICY = {
  stages: [
    { name: 'discovery' },
    {
      name: 'build',
      gate: { evidence: {}, approvals: { count: 0 }, criteria: [{ kind: 'linear_issues_done' }] },
    },
    { name: 'ship', gate: { evidence: {}, approvals: { count: 0 } } },
  ],
  linear: {
    teams: { ratio: 'RAT' },
    stages: {
      discovery: {
        issues: [
          { title: 'Interview 5 customers for {project}', labels: ['research'], estimate: 3 },
          { title: 'Write the problem statement', description: 'Gate: {gateUrl}' },
        ],
      },
      build: { issues: [{ title: 'Build {project} for {pod}' }] },
    },
  },
};

interface GateCriterion {
  kind: string;
  met: boolean;
  message: string;
  issues?: { identifier: string; title: string; url: string | null; state: string }[];
}

describe.each(testEngines())('the Linear integration on %s', (engine) => {
  let linear: FakeLinear;
  let h: Harness;

  beforeAll(async () => {
    linear = await startFakeLinear({ apiKeys: [KEY] });
    const policy = defaultPolicy(POLICY);
    const settings = {
      apiKey: KEY,
      webhookSecret: SECRET,
      apiUrl: linear.url,
      publicUrl: 'https://clos.example.com',
    };
    // The real integration, its webhook's clock the harness's fake one.
    const on = await configureIntegrations(
      [
        {
          ...linearIntegration,
          configure: (c) =>
            configureLinear(settings, c.policy, c.logger, { now: () => h.clock.now().getTime() }),
        },
      ],
      { policy, env: {}, logger: silent },
    );
    h = await startHarness(engine, {}, policy, {
      runtime: true,
      extraModules: on.modules,
      inbound: on.routes,
      integrationStatus: on.status,
      importers: on.importers,
    });
  });
  afterAll(async () => {
    await h?.close();
    await linear?.close();
  });
  beforeEach(async () => {
    await h.reset();
    expect(
      (await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/Paris' }))
        .statusCode,
    ).toBe(201);
  });

  const create = async (name: string) => {
    const res = await h.call('POST', '/api/v1/projects', { name, pod: 'ratio' });
    expect(res.statusCode, res.body).toBe(201);
    await h.drain();
    return res.json<{ id: string }>().id;
  };
  const linkedProject = async (projectId: string) => {
    const rows = await h.database.query<{ linear_id: string }>(
      'select linear_id from linear_projects where project_id = $1',
      [projectId],
    );
    expect(rows).toHaveLength(1);
    return linear.project(rows[0]!.linear_id)!;
  };
  const issuesOf = (linearProjectId: string) => linear.issues(linearProjectId).filter((i) => !i.trashed);
  const post = (body: string, headers: Record<string, string>) =>
    h.app.inject({ method: 'POST', url: URL_PATH, payload: body, headers });
  /** Sends Linear's webhook for an issue as it now is, signed, stamped with the clock's now. */
  const webhook = async (
    action: 'create' | 'update' | 'remove',
    issue: FakeLinearIssue,
    options: { delivery?: string; at?: number; secret?: string } = {},
  ) => {
    const { body } = linear.issueWebhook(action, issue.id, options.at ?? h.clock.now().getTime());
    return post(body, linearWebhookHeaders(body, options.secret ?? SECRET, options.delivery ?? randomUUID()));
  };
  const gate = async (projectId: string) => {
    const res = await h.call('GET', `/api/v1/projects/${projectId}/gate`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ ready: boolean; criteria: GateCriterion[] }>();
  };
  const linearCriterion = async (projectId: string) =>
    (await gate(projectId)).criteria.find((c) => c.kind === 'linear_issues_done')!;
  const count = async (sql: string, params: unknown[] = []) =>
    (await h.database.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params))[0]!.n;
  const gateReadyEvents = (projectId: string) =>
    h.database.query<{ data: { canAdvance: boolean; stage: string } }>(
      "select data from domain_events where type = 'gate.ready' and subject_id = $1 order by seq",
      [projectId],
    );

  it('creates the Linear project and the stage’s two issues once, even when the job runs again', async () => {
    const projectId = await create('Alpha onboarding');
    const project = await linkedProject(projectId);
    expect(project.name).toBe('Alpha onboarding');
    expect(project.teamIds).toEqual([linear.team('RAT').id]);
    const issues = issuesOf(project.id);
    expect(issues.map((i) => i.title).sort()).toEqual([
      'Interview 5 customers for Alpha onboarding',
      'Write the problem statement',
    ]);
    const interview = issues.find((i) => i.title.startsWith('Interview'))!;
    expect(linear.labelNames(interview).sort()).toEqual(['discovery', 'research']);
    expect(interview.estimate).toBe(3);
    const statement = issues.find((i) => i.title.startsWith('Write'))!;
    expect(statement.description).toContain(`Gate: https://clos.example.com/projects/`);

    // The job again, as a retry would run it: nothing new in Linear.
    const before = linear.mutations().length;
    await h.runtime!.queue.enqueue(LINEAR_QUEUE, { stageEntered: { projectId, stage: 'discovery' } });
    await h.drain();
    expect(linear.mutations().length).toBe(before);
    // A retry after Linear accepted the calls but before CLOS stored the links: the ids are the same,
    // Linear refuses the duplicates, and CLOS reads the project and issues back.
    await h.database.query('delete from linear_issues where project_id = $1', [projectId]);
    await h.database.query('delete from linear_projects where project_id = $1', [projectId]);
    await h.runtime!.queue.enqueue(LINEAR_QUEUE, { stageEntered: { projectId, stage: 'discovery' } });
    await h.drain();
    expect(linear.projects().filter((p) => p.name === 'Alpha onboarding')).toHaveLength(1);
    expect(issuesOf(project.id)).toHaveLength(2);
    expect(linear.mutations('projectCreate').filter((m) => m.args && m.ok === false).length).toBeGreaterThan(
      0,
    );
    expect((await linkedProject(projectId)).id).toBe(project.id);

    const shown = await h.call('GET', `/api/v1/projects/${projectId}`);
    expect(shown.json().linear).toEqual({
      project: { name: 'Alpha onboarding', url: project.url },
      issues: expect.arrayContaining(
        issues.map((i) => ({
          identifier: i.identifier,
          title: i.title,
          url: i.url,
          stage: 'discovery',
          state: 'Backlog',
          stateType: 'backlog',
        })),
      ),
    });
    expect(shown.json().linear.issues).toHaveLength(2);
    // A project of a pod no team is mapped for has none.
    await h.call('POST', '/api/v1/pods', { slug: 'other', name: 'Other', timezone: 'Europe/Paris' });
    const other = await h.call('POST', '/api/v1/projects', { name: 'Unmapped', pod: 'other' });
    await h.drain();
    expect((await h.call('GET', `/api/v1/projects/${other.json().id}`)).json().linear).toBeNull();
  });

  it('meets linear_issues_done once every issue is done, and emits gate.ready with the last one', async () => {
    const projectId = await create('Beta billing');
    const [first, second] = issuesOf((await linkedProject(projectId)).id);
    const unmet = await linearCriterion(projectId);
    expect(unmet.met).toBe(false);
    expect(unmet.issues?.map((i) => i.identifier).sort()).toEqual(
      [first!.identifier, second!.identifier].sort(),
    );
    expect(unmet.message).toContain(first!.url);

    linear.setIssueState(first!.id, 'completed');
    expect((await webhook('update', first!)).statusCode).toBe(202);
    await h.drain();
    const half = await linearCriterion(projectId);
    expect(half.met).toBe(false);
    expect(half.issues?.map((i) => i.identifier)).toEqual([second!.identifier]);
    expect(await gateReadyEvents(projectId)).toEqual([]);

    linear.setIssueState(second!.id, 'canceled');
    expect((await webhook('update', second!)).statusCode).toBe(202);
    await h.drain();
    expect((await linearCriterion(projectId)).met).toBe(true);
    expect((await gate(projectId)).ready).toBe(true);
    const ready = await gateReadyEvents(projectId);
    expect(ready.map((r) => r.data)).toEqual([expect.objectContaining({ stage: 'build', canAdvance: true })]);
    const events = await h.database.query<{
      data: { after: { identifier: string; stateType: string; source: string } };
    }>(
      "select data from domain_events where type = 'linear.issue_updated' and subject_id = $1 order by seq",
      [projectId],
    );
    expect(events.map((e) => [e.data.after.source, e.data.after.stateType])).toEqual([
      ['created', 'backlog'],
      ['created', 'backlog'],
      ['webhook', 'completed'],
      ['webhook', 'canceled'],
    ]);

    // Advancing into build creates build's issue; the gate into ship does not ask for Linear.
    expect((await h.call('POST', `/api/v1/projects/${projectId}/advance`)).statusCode).toBe(200);
    await h.drain();
    const buildIssues = (await h.call('GET', `/api/v1/projects/${projectId}`))
      .json()
      .linear.issues.filter((i: { stage: string }) => i.stage === 'build');
    expect(buildIssues.map((i: { title: string }) => i.title)).toEqual(['Build Beta billing for ratio']);
  });

  it('changes nothing for a stale timestamp, a forged signature or a redelivery', async () => {
    const projectId = await create('Gamma search');
    const [issue] = issuesOf((await linkedProject(projectId)).id);
    linear.setIssueState(issue!.id, 'completed');
    const stale = await webhook('update', issue!, { at: h.clock.now().getTime() - 61_000 });
    expect(stale.statusCode).toBe(401);
    const forged = await webhook('update', issue!, { secret: 'not-the-secret' });
    expect(forged.statusCode).toBe(401);
    const { body } = linear.issueWebhook('update', issue!.id, h.clock.now().getTime());
    const unsigned = await post(body, {
      'content-type': 'application/json',
      'linear-delivery': randomUUID(),
    });
    expect(unsigned.statusCode).toBe(401);
    expect(await count('inbound_deliveries')).toBe(0);
    await h.drain();
    expect((await linearCriterion(projectId)).issues).toHaveLength(2);

    const delivery = randomUUID();
    const headers = linearWebhookHeaders(body, SECRET, delivery);
    expect((await post(body, headers)).statusCode).toBe(202);
    await h.drain();
    expect((await linearCriterion(projectId)).issues).toHaveLength(1);
    const events = await count("domain_events where type = 'linear.issue_updated'");
    const again = await post(body, headers);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ duplicate: delivery });
    await h.drain();
    expect(await count("domain_events where type = 'linear.issue_updated'")).toBe(events);
    expect(await count('inbound_deliveries')).toBe(1);
    // Another entity type is acknowledged and not recorded.
    const comment = JSON.stringify({
      action: 'create',
      type: 'Comment',
      data: { id: 'x' },
      webhookTimestamp: h.clock.now().getTime(),
    });
    const ignored = await post(comment, linearWebhookHeaders(comment, SECRET, randomUUID(), 'Comment'));
    expect(ignored.statusCode).toBe(202);
    expect(ignored.json()).toEqual({ ignored: 'Comment' });
    expect(await count('inbound_deliveries')).toBe(1);
  });

  it('tracks an issue added by hand to the linked project, and one removed from it', async () => {
    const projectId = await create('Delta exports');
    const project = await linkedProject(projectId);
    const hand = linear.addIssue({ projectId: project.id, title: 'Check the CSV encoding' });
    expect((await webhook('create', hand)).statusCode).toBe(202);
    await h.drain();
    const shown = (await h.call('GET', `/api/v1/projects/${projectId}`)).json().linear.issues;
    expect(shown).toContainEqual(
      expect.objectContaining({ identifier: hand.identifier, stage: 'discovery', stateType: 'backlog' }),
    );
    const rows = await h.database.query<{ template_index: number | null }>(
      'select template_index from linear_issues where linear_id = $1',
      [hand.id],
    );
    expect(rows).toEqual([{ template_index: null }]);
    expect((await linearCriterion(projectId)).issues).toHaveLength(3);

    linear.trashIssue(hand.id);
    expect((await webhook('remove', hand)).statusCode).toBe(202);
    await h.drain();
    expect((await linearCriterion(projectId)).issues).toHaveLength(2);
  });

  it('claims the template slot of an issue whose webhook came before CLOS stored it', async () => {
    const projectId = await create('Theta race');
    const project = await linkedProject(projectId);
    const issue = issuesOf(project.id).find((i) => i.title.startsWith('Interview'))!;
    // As if the webhook of Linear's own create had been applied first: the issue is tracked by hand.
    await h.database.query('delete from linear_issues where linear_id = $1', [issue.id]);
    expect((await webhook('create', issue)).statusCode).toBe(202);
    await h.drain();
    const slot = () =>
      h.database.query<{ template_index: number | null; stage: string }>(
        'select template_index, stage from linear_issues where linear_id = $1',
        [issue.id],
      );
    expect(await slot()).toEqual([{ template_index: null, stage: 'discovery' }]);
    const created = linear.mutations('issueCreate').length;
    await h.runtime!.queue.enqueue(LINEAR_QUEUE, { stageEntered: { projectId, stage: 'discovery' } });
    await h.drain();
    expect(await slot()).toEqual([{ template_index: 0, stage: 'discovery' }]);
    // One create attempt, refused as a duplicate and read back: still two issues.
    expect(
      linear
        .mutations('issueCreate')
        .slice(created)
        .map((m) => m.ok),
    ).toEqual([false]);
    expect(issuesOf(project.id)).toHaveLength(2);
  });

  it('posts a note on the Linear project when the project is blocked, and another when unblocked', async () => {
    const projectId = await create('Epsilon audit');
    const project = await linkedProject(projectId);
    expect(
      (await h.call('POST', `/api/v1/projects/${projectId}/block`, { reason: 'waiting on legal' }))
        .statusCode,
    ).toBe(200);
    await h.drain();
    expect((await h.call('POST', `/api/v1/projects/${projectId}/unblock`, {})).statusCode).toBe(200);
    await h.drain();
    const notes = linear.projectUpdates(project.id);
    expect(notes.map((n) => n.health)).toEqual(['atRisk', 'onTrack']);
    expect(notes[0]!.body).toContain('waiting on legal');
    expect(notes[0]!.body).toContain('Blocked in CLOS');
    expect(notes[1]!.body).toContain('Unblocked in CLOS');
  });

  it('reconciles changes made while webhooks were missed', async () => {
    const projectId = await create('Zeta sync');
    const project = await linkedProject(projectId);
    const [first, second] = issuesOf(project.id);
    linear.setIssueState(first!.id, { name: 'Done' });
    linear.moveIssue(second!.id, null);
    const hand = linear.addIssue({
      projectId: project.id,
      title: 'Found while webhooks were down',
      state: 'started',
    });
    await h.runtime!.queue.enqueue(LINEAR_QUEUE, { reconcileAll: true });
    await h.drain();
    const open = (await linearCriterion(projectId)).issues!;
    expect(open.map((i) => [i.identifier, i.state])).toEqual([[hand.identifier, 'In Progress']]);
    const sources = await h.database.query<{ source: string; identifier: string; removed: boolean }>(
      `select data->'after'->>'source' as source, data->'after'->>'identifier' as identifier,
              (data->'after'->>'removed')::boolean as removed
         from domain_events where type = 'linear.issue_updated' and subject_id = $1 and data->'after'->>'source' = 'reconciliation'
        order by seq`,
      [projectId],
    );
    expect(sources.map((s) => [s.identifier, s.removed]).sort()).toEqual(
      [
        [first!.identifier, false],
        [second!.identifier, true],
        [hand.identifier, false],
      ].sort(),
    );
    // Nothing changed since: a second pass records nothing.
    const events = await count("domain_events where type = 'linear.issue_updated'");
    await h.runtime!.queue.enqueue(LINEAR_QUEUE, { reconcileAll: true });
    await h.drain();
    expect(await count("domain_events where type = 'linear.issue_updated'")).toBe(events);

    const status = await on_status();
    expect(status).toMatchObject({ configured: true, linkedProjects: 1, trackedIssues: 2, problems: [] });
    expect(status.teams).toEqual([{ pod: 'ratio', team: 'RAT', podExists: true, teamExists: true }]);
  });

  it('waits for the rate limit’s reset, then does the work: nothing is lost', async () => {
    linear.rateLimitNext(1, { resetInSeconds: 120 });
    const projectId = await create('Eta rate');
    expect(await count('linear_projects')).toBe(0);
    const waiting = await h.database.query<{ later: boolean }>(
      "select start_after > now() + interval '60 seconds' as later from pgboss.job where name = $1 and state = 'created'",
      [LINEAR_QUEUE],
    );
    expect(waiting).toEqual([{ later: true }]);
    // Nothing runs it before then: draining again does not touch Linear.
    const requests = linear.requestCount();
    await h.drain();
    expect(linear.requestCount()).toBe(requests);
    // The reset comes.
    await h.database.query(
      "update pgboss.job set start_after = now() where name = $1 and state = 'created'",
      [LINEAR_QUEUE],
    );
    await h.drain();
    expect(issuesOf((await linkedProject(projectId)).id)).toHaveLength(2);
  });

  const on_status = async () => {
    const res = await h.call('GET', '/api/v1/integrations/linear/status');
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('imports the team’s projects at their mapped stages, linked both ways, once; a dry run writes nothing', async () => {
    // A team of its own: the other tests' Linear projects stay in RAT.
    const teamKey = `I${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    linear.addTeam(teamKey, 'Imports');
    const started = linear.addProject({ name: 'Checkout revamp', state: 'started', teamKey });
    const backlog = linear.addProject({ name: 'Search', state: 'backlog', teamKey });
    linear.addProject({ name: 'Old idea', state: 'canceled', teamKey });
    linear.addIssue({ projectId: started.id, title: 'Existing work', state: 'started' });
    const count = async () =>
      (await h.database.query<{ n: number }>('select count(*)::int as n from projects'))[0]!.n;
    const head = async () => (await h.call('GET', '/api/v1/audit/verify')).json().head;
    const before = { projects: await count(), head: await head(), links: linear.externalLinks().length };

    const dry = await h.call('POST', '/api/v1/imports/linear', {
      team: teamKey.toLowerCase(),
      pod: 'ratio',
      dryRun: true,
    });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, team: teamKey, created: 2, skipped: 0, failed: 0 });
    expect(dry.json().skippedByState).toEqual([
      { externalId: expect.any(String), name: 'Old idea', state: 'canceled' },
    ]);
    expect({ projects: await count(), head: await head(), links: linear.externalLinks().length }).toEqual(
      before,
    );

    const real = await h.call('POST', '/api/v1/imports/linear', { team: teamKey, pod: 'ratio' });
    expect(real.statusCode, real.body).toBe(200);
    expect(real.json()).toMatchObject({ created: 2, failed: 0 });
    await h.drain();
    const rows = real.json().rows as { externalId: string; id: string; stage: string }[];
    // Defaults over this policy's stages (discovery, build, ship): backlog → discovery, started → build.
    const byLinear = Object.fromEntries(rows.map((r) => [r.externalId, r]));
    expect(byLinear[started.id]!.stage).toBe('build');
    expect(byLinear[backlog.id]!.stage).toBe('discovery');
    for (const [linearProject, row] of [
      [started, byLinear[started.id]!],
      [backlog, byLinear[backlog.id]!],
    ] as const) {
      const project = (await h.call('GET', `/api/v1/projects/${row.id}`)).json();
      expect(project.currentStage).toBe(row.stage);
      // Linked in CLOS to the existing Linear project (none created), and from Linear back to CLOS.
      expect(project.linear.project.url).toBe(linearProject.url);
      expect(linear.externalLinks(linearProject.id)).toEqual([
        expect.objectContaining({ url: `https://clos.example.com/projects/${row.id}`, label: 'CLOS' }),
      ]);
    }
    const mutations = linear.mutations().length;
    expect(linear.projects().filter((p) => p.teamIds.includes(linear.team(teamKey).id))).toHaveLength(3);
    // Imported work is not given template issues for the stage it was imported at.
    expect(linear.issues(backlog.id)).toEqual([]);

    const again = await h.call('POST', '/api/v1/imports/linear', { team: teamKey, pod: 'ratio' });
    expect(again.json()).toMatchObject({ created: 0, skipped: 2, failed: 0 });
    expect(linear.externalLinks()).toHaveLength(2);
    expect(linear.mutations().length - mutations).toBe(2); // the two links, asked again and refused as duplicates
    expect(await count()).toBe(before.projects + 2);
  });

  it('refuses an unknown team or a stage map naming no stage, naming the field', async () => {
    const team = await h.call('POST', '/api/v1/imports/linear', { team: 'NOPE', pod: 'ratio' });
    expect(team.statusCode).toBe(400);
    expect(team.json().error.details).toEqual([
      { path: 'body.team', message: 'no Linear team has the key "NOPE"' },
    ]);
    const map = await h.call('POST', '/api/v1/imports/linear', {
      team: 'RAT',
      pod: 'ratio',
      stageMap: { started: 'nowhere', sideways: 'build' },
    });
    expect(map.statusCode).toBe(400);
    expect(map.json().error.details.map((d: { path: string }) => d.path)).toEqual([
      'body.stageMap.started',
      'body.stageMap.sideways',
    ]);
  });
});
