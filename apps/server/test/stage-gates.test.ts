import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const DISCOVERY = {
  problemStatement: 'Teams lose a day a week to manual release notes',
  owner: 'ada@example.com',
};

describe.each(testEngines())('stage gates on %s', (engine) => {
  let h: Harness;
  let lead: { token: string; email: string };
  let lead2: { token: string; email: string };
  let dev: { token: string; email: string };
  let projectId: string;

  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    lead2 = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    dev = await h.userWithToken('developer');
    const project = await h.call(
      'POST',
      '/api/v1/projects',
      { name: 'Release notes bot', pod: 'ratio' },
      lead.token,
    );
    expect(project.statusCode, project.body).toBe(201);
    projectId = project.json().id;
  });

  it('starts a project at the first stage holding a project WIP slot', async () => {
    const project = await h.call('GET', `/api/v1/projects/${projectId}`);
    expect(project.json()).toMatchObject({ currentStage: 'inception', blockedReason: null });
    expect(project.json().transitions).toHaveLength(1);
    const wip = await h.call('GET', '/api/v1/pods/ratio/wip');
    expect(wip.json().types.find((t: { itemType: string }) => t.itemType === 'project')).toMatchObject({
      used: 1,
      limit: 3,
    });
  });

  it('evaluates the next gate criterion by criterion', async () => {
    const gate = await h.call('GET', `/api/v1/projects/${projectId}/gate`);
    expect(gate.json()).toMatchObject({ currentStage: 'inception', nextStage: 'discovery', ready: false });
    const unmet = gate.json().criteria.filter((c: { met: boolean }) => !c.met);
    expect(unmet.map((c: { path?: string; kind: string }) => c.path ?? c.kind)).toEqual([
      '(root)',
      'problemStatement',
      'owner',
      'approvals',
    ]);
    expect(unmet[1].message).toBe('evidence field "problemStatement" is required');
  });

  it('refuses to advance with every unmet criterion and changes nothing', async () => {
    await h.call(
      'POST',
      `/api/v1/projects/${projectId}/evidence`,
      { evidence: { problemStatement: 'short', owner: 'not-an-email' } },
      dev.token,
    );
    const before = await h.call('GET', '/api/v1/audit/verify');
    const res = await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token);
    expect(res.statusCode).toBe(422);
    const { error } = res.json();
    expect(error.code).toBe('gate_criteria_unmet');
    const paths = error.details.evaluation.criteria
      .filter((c: { met: boolean }) => !c.met)
      .map((c: { path?: string; kind: string }) => c.path ?? c.kind);
    expect(paths).toEqual(['problemStatement', 'owner', 'approvals']);
    expect(error.message).toContain('must NOT have fewer than 10 characters');
    expect((await h.call('GET', `/api/v1/projects/${projectId}`)).json().currentStage).toBe('inception');
    expect((await h.call('GET', '/api/v1/audit/verify')).json().count).toBe(before.json().count);
  });

  it('advances once evidence validates and approvals are met, recording the transition', async () => {
    const ev = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/evidence`,
      { evidence: DISCOVERY },
      dev.token,
    );
    expect(ev.statusCode, ev.body).toBe(201);
    expect(
      ev
        .json()
        .gate.criteria.filter((c: { met: boolean }) => !c.met)
        .map((c: { kind: string }) => c.kind),
    ).toEqual(['approvals']);
    const approve = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/approvals`,
      { decision: 'approve', comment: 'clear problem' },
      lead.token,
    );
    expect(approve.statusCode, approve.body).toBe(201);
    expect(approve.json().gate.ready).toBe(true);
    const res = await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().project.currentStage).toBe('discovery');
    expect(res.json().gate.nextStage).toBe('build');
    const detail = (await h.call('GET', `/api/v1/projects/${projectId}`)).json();
    expect(detail.transitions.at(-1)).toMatchObject({
      fromStage: 'inception',
      toStage: 'discovery',
      evidence: DISCOVERY,
    });
    expect(detail.transitions.at(-1).approvedBy).toHaveLength(1);
    const audit = await h.call('GET', `/api/v1/audit?subjectId=${projectId}&action=stage.advanced`);
    expect(audit.json().items).toHaveLength(1);
  });

  it('counts the same approver once and only listed roles', async () => {
    // The shipping gate needs 2 approvals; walk the project there.
    const evidence: Record<string, unknown> = {
      discovery: DISCOVERY,
      build: { designDocUrl: 'https://docs.example.com/design', successMetrics: ['time saved'] },
      validate: { testPlanUrl: 'https://docs.example.com/tests', ciPassing: true },
    };
    for (const stage of ['discovery', 'build', 'validate']) {
      const ev = await h.call(
        'POST',
        `/api/v1/projects/${projectId}/evidence`,
        { evidence: evidence[stage] },
        dev.token,
      );
      expect(
        ev
          .json()
          .gate.criteria.filter((c: { met: boolean; kind: string }) => !c.met && c.kind === 'evidence'),
        `${stage}: ${ev.body}`,
      ).toEqual([]);
      await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, lead.token);
      expect(
        (await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token)).statusCode,
      ).toBe(200);
    }
    const shipping = {
      releaseNotesUrl: 'https://x.example.com/n',
      rollbackPlan: 'Revert the deploy and restore',
      validationReportUrl: 'https://x.example.com/v',
    };
    await h.call('POST', `/api/v1/projects/${projectId}/evidence`, { evidence: shipping }, dev.token);
    await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, lead.token);
    const twice = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/approvals`,
      { decision: 'approve' },
      lead.token,
    );
    const approvals = twice.json().gate.criteria.find((c: { kind: string }) => c.kind === 'approvals');
    expect(approvals).toMatchObject({ required: 2, received: 1, met: false });
    const byDev = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/approvals`,
      { decision: 'approve' },
      dev.token,
    );
    expect(byDev.statusCode).toBe(403);
    const second = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/approvals`,
      { decision: 'approve' },
      lead2.token,
    );
    expect(second.json().gate.ready).toBe(true);
    const last = await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token);
    expect(last.json().project.currentStage).toBe('shipping');
    expect(last.json().gate).toMatchObject({ nextStage: null, ready: false });
    const beyond = await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token);
    expect(beyond.statusCode).toBe(409);
  });

  it('does not count an approval from a user whose role was lowered since', async () => {
    await h.call('POST', `/api/v1/projects/${projectId}/evidence`, { evidence: DISCOVERY }, dev.token);
    await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, lead.token);
    await h.database.query("update users set role = 'developer' where email = $1", [lead.email]);
    const gate = await h.call('GET', `/api/v1/projects/${projectId}/gate`);
    expect(gate.json().criteria.find((c: { kind: string }) => c.kind === 'approvals')).toMatchObject({
      received: 0,
      met: false,
    });
  });

  it('a rejection holds the gate until the same approver approves', async () => {
    await h.call('POST', `/api/v1/projects/${projectId}/evidence`, { evidence: DISCOVERY }, dev.token);
    const noComment = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/approvals`,
      { decision: 'reject' },
      lead.token,
    );
    expect(noComment.statusCode).toBe(400);
    expect(noComment.json().error.details[0].path).toBe('body.comment');
    await h.call(
      'POST',
      `/api/v1/projects/${projectId}/approvals`,
      { decision: 'reject', comment: 'who is the customer?' },
      lead.token,
    );
    await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, lead2.token);
    const blocked = await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token);
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().error.message).toContain('who is the customer?');
    await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, lead.token);
    expect(
      (await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token)).statusCode,
    ).toBe(200);
  });

  it('a blocked project cannot advance until unblocked', async () => {
    await h.call('POST', `/api/v1/projects/${projectId}/evidence`, { evidence: DISCOVERY }, dev.token);
    await h.call('POST', `/api/v1/projects/${projectId}/approvals`, { decision: 'approve' }, lead.token);
    const block = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/block`,
      { reason: 'waiting on legal' },
      dev.token,
    );
    expect(block.json()).toMatchObject({ blockedReason: 'waiting on legal' });
    const res = await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toContain('project is blocked: waiting on legal');
    expect(
      (await h.call('POST', `/api/v1/projects/${projectId}/unblock`, {}, dev.token)).json().blockedReason,
    ).toBeNull();
    expect(
      (await h.call('POST', `/api/v1/projects/${projectId}/unblock`, undefined, dev.token)).statusCode,
    ).toBe(200);
    expect(
      (await h.call('POST', `/api/v1/projects/${projectId}/advance`, undefined, dev.token)).statusCode,
    ).toBe(200);
    const blocked = await h.call('GET', '/api/v1/projects?blocked=true');
    expect(blocked.json().items).toHaveLength(0);
  });

  it('closing a project frees its WIP slot; a closed project no longer changes', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 1 });
    expect(
      (await h.call('POST', '/api/v1/projects', { name: 'Next', pod: 'ratio' }, lead.token)).statusCode,
    ).toBe(409);
    const early = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/close`,
      { outcome: 'shipped' },
      lead.token,
    );
    expect(early.statusCode).toBe(409);
    expect(early.json().error.message).toContain('last stage "shipping"');
    const noReason = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/close`,
      { outcome: 'cancelled' },
      lead.token,
    );
    expect(noReason.json().error.details).toEqual([
      { path: 'body.reason', message: 'is required when cancelling a project' },
    ]);
    expect(
      (
        await h.call(
          'POST',
          `/api/v1/projects/${projectId}/close`,
          { outcome: 'cancelled', reason: 'x' },
          dev.token,
        )
      ).statusCode,
    ).toBe(403);
    const closed = await h.call(
      'POST',
      `/api/v1/projects/${projectId}/close`,
      { outcome: 'cancelled', reason: 'customer churned' },
      lead.token,
    );
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ outcome: 'cancelled', closeReason: 'customer churned' });
    expect(closed.json().closedAt).not.toBeNull();
    const next = await h.call('POST', '/api/v1/projects', { name: 'Next', pod: 'ratio' }, lead.token);
    expect(next.statusCode).toBe(201);
    for (const [url, body] of [
      ['evidence', { evidence: DISCOVERY }],
      ['advance', undefined],
      ['block', { reason: 'x' }],
      ['close', { outcome: 'cancelled', reason: 'again' }],
    ] as const) {
      const res = await h.call('POST', `/api/v1/projects/${projectId}/${url}`, body, lead.token);
      expect(res.statusCode, url).toBe(409);
    }
    const gate = (await h.call('GET', `/api/v1/projects/${projectId}/gate`)).json();
    expect(gate).toMatchObject({
      nextStage: null,
      ready: false,
      criteria: [{ kind: 'not_closed', met: false }],
    });
    expect(
      (await h.call('GET', '/api/v1/projects?closed=true')).json().items.map((p: { id: string }) => p.id),
    ).toEqual([projectId]);
    expect((await h.call('GET', '/api/v1/projects?closed=false')).json().items).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/pods/ratio/status')).json().projectsPerStage.inception).toBe(1);
    expect(
      (await h.call('GET', `/api/v1/audit?subjectId=${projectId}&action=project.closed`)).json().items,
    ).toHaveLength(1);
  });

  it('refuses a project in a full pod with the holders', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 1 });
    const res = await h.call('POST', '/api/v1/projects', { name: 'One too many', pod: 'ratio' }, lead.token);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'wip_limit_exceeded', details: { limit: 1, used: 1 } });
    expect(res.json().error.details.holders[0].itemId).toBe(projectId);
    expect((await h.call('GET', '/api/v1/projects')).json().items).toHaveLength(1);
  });

  it('lists projects with cursor pagination and filters', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 10 });
    for (let i = 0; i < 4; i++) {
      h.clock.advance(1000);
      await h.call('POST', '/api/v1/projects', { name: `P${i}`, pod: 'ratio' }, lead.token);
    }
    const first = await h.call('GET', '/api/v1/projects?limit=2');
    expect(first.json().items.map((p: { name: string }) => p.name)).toEqual(['P3', 'P2']);
    const second = await h.call('GET', `/api/v1/projects?limit=2&cursor=${first.json().nextCursor}`);
    expect(second.json().items.map((p: { name: string }) => p.name)).toEqual(['P1', 'P0']);
    const third = await h.call('GET', `/api/v1/projects?limit=2&cursor=${second.json().nextCursor}`);
    expect(third.json()).toEqual({
      items: [expect.objectContaining({ name: 'Release notes bot' })],
      nextCursor: null,
    });
    expect((await h.call('GET', '/api/v1/projects?stage=discovery')).json().items).toHaveLength(0);
    expect((await h.call('GET', '/api/v1/projects?pod=nope')).statusCode).toBe(404);
  });
});
