import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const DISCOVERY = {
  problemStatement: 'Teams lose a day a week to manual release notes',
  owner: 'ada@example.com',
};

interface GateReady {
  projectId: string;
  projectName: string;
  stage: string;
  approvalsNeeded: number;
  approverRoles: string[];
  evidenceId: string | null;
  canAdvance: boolean;
}

describe.each(testEngines())('project lifecycle on %s', (engine) => {
  let h: Harness;
  let lead: { token: string; email: string };
  let dev: { token: string; email: string };
  let projectId: string;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    dev = await h.userWithToken('developer');
    const project = await h.call(
      'POST',
      '/api/v1/projects',
      { name: 'Release notes bot', pod: 'ratio' },
      lead.token,
    );
    expect(project.statusCode, project.body).toBe(201);
    projectId = project.json().id;
    await h.drain();
  });

  const submit = async (evidence: Record<string, unknown>) => {
    h.clock.advance(1000);
    const res = await h.call('POST', `/api/v1/projects/${projectId}/evidence`, { evidence }, dev.token);
    expect(res.statusCode, res.body).toBe(201);
    await h.drain();
    return res.json();
  };

  const gateReady = async () =>
    (
      await h.database.query<{ data: GateReady; pod_id: string | null; subject_id: string }>(
        "select data, pod_id, subject_id from domain_events where type = 'gate.ready' order by occurred_at, seq",
      )
    ).map((e) => e.data);

  const lifecycleRuns = async () =>
    (await h.call('GET', '/api/v1/workflows/runs?workflow=project-lifecycle')).json().items as {
      id: string;
      status: string;
      input: { projectId: string; eventId: string };
    }[];

  it('re-evaluates the gate in a run and tells approvers once the evidence is complete', async () => {
    const submitted = await submit(DISCOVERY);
    const runs = await lifecycleRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', input: { projectId } });
    const detail = (await h.call('GET', `/api/v1/workflows/runs/${runs[0]!.id}`)).json();
    expect(detail.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['evaluate', 'succeeded'],
      ['notify-approvers', 'succeeded'],
    ]);
    expect(detail.steps[0].output).toMatchObject({
      stage: 'discovery',
      ready: false,
      evidenceComplete: true,
      approvalsRequired: 1,
      approvalsReceived: 0,
      evidenceId: submitted.evidence.id,
    });

    expect(await gateReady()).toEqual([
      {
        projectId,
        projectName: 'Release notes bot',
        stage: 'discovery',
        approvalsNeeded: 1,
        approverRoles: ['pod-lead', 'admin'],
        evidenceId: submitted.evidence.id,
        canAdvance: false,
      },
    ]);
    const [event] = await h.database.query<{ pod_id: string; subject_id: string }>(
      "select pod_id, subject_id from domain_events where type = 'gate.ready'",
    );
    expect(event!.subject_id).toBe(projectId);
    expect(event!.pod_id).not.toBeNull();
  });

  it('the same evidence submitted again does not notify again; different evidence does', async () => {
    await submit(DISCOVERY);
    await submit(DISCOVERY);
    // Same content, keys in another order.
    await submit({ owner: DISCOVERY.owner, problemStatement: DISCOVERY.problemStatement });
    expect(await lifecycleRuns()).toHaveLength(3);
    expect(await gateReady()).toHaveLength(1);

    await submit({ ...DISCOVERY, problemStatement: 'Teams lose two days a week to manual release notes' });
    expect(await gateReady()).toHaveLength(2);
  });

  it('approving completes the gate: gate.ready with canAdvance, and the project stays put', async () => {
    await submit(DISCOVERY);
    h.clock.advance(1000);
    const approved = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/approvals`,
      { decision: 'approve', comment: 'clear problem' },
      lead.token,
    );
    expect(approved.statusCode, approved.body).toBe(201);
    await h.drain();

    const events = await gateReady();
    expect(events.map((e) => [e.canAdvance, e.approvalsNeeded])).toEqual([
      [false, 1],
      [true, 0],
    ]);
    expect(await lifecycleRuns()).toHaveLength(2);
    // Advancing is a person's decision: the workflow only says it is possible.
    expect((await h.call('GET', `/api/v1/projects/${projectId}`)).json().currentStage).toBe('inception');

    // A further approval of the same gate says nothing new.
    const admin = await h.userWithToken('admin');
    h.clock.advance(1000);
    await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, admin.token);
    await h.drain();
    expect(await lifecycleRuns()).toHaveLength(3);
    expect(await gateReady()).toHaveLength(2);
  });

  it('invalid evidence starts a run but notifies nobody', async () => {
    await submit({ problemStatement: 'short', owner: 'not-an-email' });
    const runs = await lifecycleRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('succeeded');
    const detail = (await h.call('GET', `/api/v1/workflows/runs/${runs[0]!.id}`)).json();
    expect(detail.steps[0].output).toMatchObject({ ready: false, evidenceComplete: false });
    expect(detail.steps[0].output.unmet.length).toBeGreaterThan(0);
    expect(detail.steps[1].output).toMatchObject({ notified: false });
    expect(await gateReady()).toEqual([]);

    // An approval with the evidence still invalid does not make the gate ready either.
    h.clock.advance(1000);
    await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, lead.token);
    await h.drain();
    expect(await gateReady()).toEqual([]);
  });

  it('relaying the same event again starts no second run', async () => {
    await submit(DISCOVERY);
    // As if the relay crashed after dispatching but before recording it: the event goes out again.
    await h.database.query("update domain_events set seq = null where type = 'project.evidence_submitted'");
    await h.drain();
    expect(await lifecycleRuns()).toHaveLength(1);
    expect(await gateReady()).toHaveLength(1);
  });
});
