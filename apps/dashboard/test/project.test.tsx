// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProjectDetail as Detail, GateEvaluation } from '../src/lib/stage-gates.ts';
import { ProjectDetail } from '../src/views/project.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

afterEach(cleanup);

const P = '00000000-0000-4000-8000-000000000100';
const POD = {
  id: '00000000-0000-4000-8000-0000000000a1',
  slug: 'alpha',
  name: 'Alpha',
  timezone: 'UTC',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const U1 = '00000000-0000-4000-8000-000000000001';

const detail: Detail = {
  id: P,
  key: 'checkout',
  name: 'Checkout',
  podId: POD.id,
  currentStage: 'discovery',
  stageEnteredAt: '2026-03-01T09:00:00.000Z',
  blockedReason: null,
  blockedAt: null,
  ideaId: null,
  wipLockId: null,
  closedAt: null,
  outcome: null,
  closeReason: null,
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:00.000Z',
  transitions: [
    {
      id: '00000000-0000-4000-8000-000000000201',
      projectId: P,
      fromStage: null,
      toStage: 'discovery',
      evidence: {},
      approvedBy: [],
      actorId: U1,
      createdAt: '2026-03-01T09:00:00.000Z',
    },
  ],
  evidence: [],
  approvals: [],
  linear: null,
  ciStatus: [
    {
      id: '00000000-0000-4000-8000-000000000301',
      projectId: P,
      status: 'failed',
      url: 'https://ci.example.com/1',
      context: 'ci',
      reportedBy: null,
      createdAt: '2026-03-02T09:00:00.000Z',
    },
  ],
};

const gate: GateEvaluation = {
  projectId: P,
  currentStage: 'discovery',
  nextStage: 'build',
  ready: false,
  criteria: [
    { kind: 'not_blocked', met: true, message: 'project is not blocked' },
    { kind: 'evidence', met: false, path: '(root)', message: 'no evidence submitted for stage "build"' },
    { kind: 'evidence', met: false, path: 'spec', message: 'evidence field "spec" is required' },
    {
      kind: 'approvals',
      met: false,
      required: 1,
      received: 0,
      roles: ['pod-lead', 'admin'],
      approvers: [],
      message: 'needs 1 more approval from pod-lead or admin (0 of 1)',
    },
  ],
};

const policy = {
  stages: [
    { name: 'discovery', description: null, gate: null },
    {
      name: 'build',
      description: null,
      gate: {
        evidence: {
          type: 'object',
          required: ['spec'],
          properties: {
            spec: { type: 'string', format: 'uri', title: 'Spec', description: 'Link to the spec.' },
            notes: { type: 'string', minLength: 10 },
          },
        },
        approvals: { count: 1, roles: ['pod-lead', 'admin'] },
      },
    },
  ],
  wip: { types: [] },
  ideas: { criteria: [], minEvaluations: 1, promotionThreshold: 3 },
};

const readyGate: GateEvaluation = {
  ...gate,
  ready: true,
  criteria: [{ kind: 'not_blocked', met: true, message: 'project is not blocked' }],
};

function client(overrides: Parameters<typeof fakeClient>[0] = {}, project: Detail = detail) {
  return fakeClient({
    getProject: async () => project,
    getProjectGate: async () => gate,
    getPolicy: async () => policy,
    listCiStatuses: async () => ({ items: project.ciStatus, nextCursor: null }),
    listAudit: async () => ({
      items: [
        {
          sequence: 1,
          id: '00000000-0000-4000-8000-000000000401',
          occurredAt: '2026-03-03T09:00:00.000Z',
          actorId: U1,
          actorLabel: 'dev@example.com',
          action: 'stage.blocked',
          subjectType: 'project',
          subjectId: P,
          before: null,
          after: null,
          reason: 'waiting on legal',
          requestId: null,
          prevHash: '',
          hash: '',
        },
      ],
      nextCursor: null,
    }),
    listPods: async () => ({ items: [POD], nextCursor: null }),
    ...overrides,
  });
}

const view = (c: ReturnType<typeof fakeClient>, me = fakeMe()) =>
  renderView(<ProjectDetail />, { client: c, me, url: `/projects/${P}`, path: '/projects/:id' });

describe('Project page', () => {
  it('shows the header, the gate criterion by criterion in words, and the merged timeline', async () => {
    view(client());
    expect(await screen.findByRole('heading', { level: 1, name: 'Checkout' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Alpha' }).getAttribute('href')).toBe('/pods/alpha');
    expect(screen.getByText('ci: failed')).toBeTruthy();
    expect(screen.getByText('checkout').tagName).toBe('CODE');
    const criteria = await screen.findByRole('list', { name: 'Gate criteria' });
    const items = within(criteria).getAllByRole('listitem');
    expect(
      items.map((li) =>
        li.textContent?.startsWith('✓ Met') ? 'met' : li.textContent?.startsWith('✗ Unmet') ? 'unmet' : '?',
      ),
    ).toEqual(['met', 'unmet', 'unmet', 'unmet']);
    expect(items[2]!.textContent).toContain('Evidence: spec');
    expect(items[3]!.textContent).toContain('0 of 1 approvals received');
    const timeline = await screen.findByRole('list', { name: 'Timeline, newest first' });
    await waitFor(() => expect(within(timeline).getAllByRole('listitem')).toHaveLength(3));
    const entries = within(timeline)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(entries[0]).toContain('Blocked');
    expect(entries[0]).toContain('waiting on legal');
    expect(entries[1]).toContain('CI ci: failed');
    expect(entries[2]).toContain('Created in discovery');
    expect(entries[2]).toContain('dev@example.com');
  });

  it('draws the evidence form from the gate’s schema, checks it in words, and submits it', async () => {
    const submitEvidence = vi.fn(async () => ({ evidence: {}, gate }));
    view(client({ submitEvidence }));
    const spec = await screen.findByLabelText(/^Spec/);
    expect(spec.getAttribute('type')).toBe('url');
    expect(screen.getByText('Link to the spec.')).toBeTruthy();
    fireEvent.change(spec, { target: { value: 'docs/spec' } });
    fireEvent.blur(spec);
    expect(screen.getByText(/must be a URL/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    expect(submitEvidence).not.toHaveBeenCalled();
    fireEvent.change(spec, { target: { value: 'https://docs.example.com/spec' } });
    expect(screen.queryByText(/must be a URL/)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    await waitFor(() =>
      expect(submitEvidence).toHaveBeenCalledWith({
        params: { id: P },
        body: { evidence: { spec: 'https://docs.example.com/spec' } },
      }),
    );
    expect(await screen.findByText(/Evidence submitted/)).toBeTruthy();
  });

  it('puts the evidence first while the gate finds it lacking, keeping what was typed when it moves', async () => {
    const { queryClient } = view(client());
    const spec = await screen.findByLabelText(/^Spec/);
    const order = () =>
      screen
        .getAllByRole('heading', { level: 2 })
        .map((h) => h.textContent)
        .filter((t) => t === 'Actions' || t === 'Evidence for build');
    expect(order()).toEqual(['Evidence for build', 'Actions']);
    fireEvent.change(spec, { target: { value: 'https://typed.example/spec' } });
    act(() => queryClient.setQueryData(['projects', P, 'gate'], readyGate));
    await waitFor(() => expect(order()).toEqual(['Actions', 'Evidence for build']));
    expect((screen.getByLabelText(/^Spec/) as HTMLInputElement).value).toBe('https://typed.example/spec');
  });

  it('puts the server’s refusal beside the field, in words', async () => {
    const submitEvidence = vi.fn(async () => {
      throw new ClosApiError({
        status: 400,
        code: 'invalid_request',
        message: 'The request is invalid',
        details: [{ path: 'body.evidence.notes', message: 'must NOT have fewer than 10 characters' }],
        requestId: 'r',
        route: 'submitEvidence',
      });
    });
    view(client({ submitEvidence }));
    // The JSON tab for power users: what is typed there is sent as it is.
    fireEvent.click(await screen.findByRole('tab', { name: 'JSON' }));
    const json = screen.getByLabelText('Evidence (JSON)') as HTMLTextAreaElement;
    expect(JSON.parse(json.value)).toEqual({ spec: '' });
    fireEvent.change(json, { target: { value: '{"spec": ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Evidence is not valid JSON/);
    expect(submitEvidence).not.toHaveBeenCalled();
    fireEvent.change(json, { target: { value: '{"spec": "https://x.example/s", "notes": "short"}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    await waitFor(() => expect(submitEvidence).toHaveBeenCalled());
    fireEvent.click(screen.getByRole('tab', { name: 'Form' }));
    await screen.findByText('needs at least 10 characters');
    expect(document.body.textContent).not.toMatch(/must NOT|body\.evidence/);
  });

  it('marks invalid evidence in the timeline, judged by the gate', async () => {
    const withEvidence: Detail = {
      ...detail,
      evidence: [
        {
          id: '00000000-0000-4000-8000-000000000501',
          projectId: P,
          stage: 'build',
          data: { spec: 'not a url' },
          submittedBy: U1,
          source: null,
          createdAt: '2026-03-02T10:00:00.000Z',
        },
        {
          id: '00000000-0000-4000-8000-000000000502',
          projectId: P,
          stage: 'build',
          data: { spec: 'https://x.example/s', notes: 'tiny' },
          submittedBy: U1,
          source: null,
          createdAt: '2026-03-02T11:00:00.000Z',
        },
      ],
    };
    const judged: GateEvaluation = {
      ...gate,
      criteria: [
        {
          kind: 'evidence',
          met: false,
          path: 'notes',
          message: 'evidence field "notes" must NOT have fewer than 10 characters',
        },
      ],
    };
    view(client({ getProjectGate: async () => judged }, withEvidence));
    const timeline = await screen.findByRole('list', { name: 'Timeline, newest first' });
    await waitFor(() => expect(within(timeline).getAllByText('✗ Invalid')).toHaveLength(2));
    const why = within(timeline).getAllByRole('list', {
      name: 'Why this evidence does not satisfy the gate',
    });
    expect(why.map((w) => w.textContent)).toEqual([
      'Notes needs at least 10 characters',
      'Spec must be a URL, e.g. https://example.com/doc',
    ]);
    // The gate card says it in the same words.
    const criteria = screen.getByRole('list', { name: 'Gate criteria' });
    expect(criteria.textContent).toContain('needs at least 10 characters');
    expect(criteria.textContent).not.toContain('must NOT');
  });

  it('disables Advance with the reason while the gate is unmet', async () => {
    const advanceProject = vi.fn();
    view(client({ advanceProject }));
    const advance = await screen.findByRole('button', { name: 'Advance to build' });
    await waitFor(() => expect((advance as HTMLButtonElement).disabled).toBe(true));
    const why = document.getElementById(advance.getAttribute('aria-describedby') ?? '');
    expect(why?.textContent).toBe(
      'Advance is possible once the gate is met: 3 criteria unmet (Evidence: spec, Approvals).',
    );
    fireEvent.click(advance);
    expect(advanceProject).not.toHaveBeenCalled();
  });

  it('shows why the server refused to advance, and clears it after the next action', async () => {
    const advanceProject = vi.fn(async () => {
      throw new ClosApiError({
        status: 422,
        code: 'gate_criteria_unmet',
        message: 'the gate to "build" is not met',
        details: { evaluation: gate },
        requestId: 'r',
        route: 'advanceProject',
      });
    });
    const decideGate = vi.fn(async () => ({ approval: { decision: 'approve' }, gate }));
    view(client({ advanceProject, decideGate, getProjectGate: async () => readyGate }));
    const advance = await screen.findByRole('button', { name: 'Advance to build' });
    await waitFor(() => expect((advance as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(advance);
    const why = await screen.findByRole('list', { name: 'Why the gate refused' });
    expect(why.textContent).toContain('Evidence: spec: is required');
    expect(why.textContent).toContain('needs 1 more approval');
    expect(screen.getByRole('alert').textContent).toContain('the gate to "build" is not met');
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    await screen.findByText('Approved.');
    expect(screen.queryByRole('list', { name: 'Why the gate refused' })).toBeNull();
    expect(screen.queryByText(/Could not advance/)).toBeNull();
  });

  it('approves at once, and rejects only after confirming with a comment', async () => {
    const decideGate = vi.fn(async ({ body }: { body: { decision: 'approve' | 'reject' } }) => ({
      approval: { decision: body.decision },
      gate,
    }));
    view(client({ decideGate }));
    fireEvent.click(await screen.findByRole('button', { name: 'Reject…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject the build gate?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reject' }));
    expect(within(dialog).getByRole('alert').textContent).toContain('a rejection needs a comment');
    expect(decideGate).not.toHaveBeenCalled();
    fireEvent.change(within(dialog).getByLabelText('Rejection comment'), {
      target: { value: 'needs a rollback plan' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reject' }));
    await waitFor(() =>
      expect(decideGate).toHaveBeenCalledWith({
        params: { id: P },
        body: { decision: 'reject', comment: 'needs a rollback plan' },
      }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await screen.findByText('Rejected.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    await waitFor(() =>
      expect(decideGate).toHaveBeenLastCalledWith({
        params: { id: P },
        body: { decision: 'approve', comment: null },
      }),
    );
    await screen.findByText('Approved.');
    expect(screen.queryByText('Rejected.')).toBeNull();
  });

  it('keeps block, unblock and close in a menu; blocking asks for a reason, closing for confirmation', async () => {
    const blockProject = vi.fn(async () => ({ ...detail, blockedReason: 'legal' }));
    const closeProject = vi.fn(async () => ({ ...detail, closedAt: '2026-03-04T00:00:00.000Z' }));
    view(client({ blockProject, closeProject }));
    expect(screen.queryByRole('menu')).toBeNull();
    fireEvent.click(await screen.findByRole('button', { name: /More actions/ }));
    const menu = screen.getByRole('menu', { name: 'More actions' });
    expect(
      within(menu)
        .getAllByRole('menuitem')
        .map((m) => m.textContent),
    ).toEqual(['Block…', 'Close project…']);
    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Block…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Block this project?' });
    fireEvent.change(within(dialog).getByLabelText('Block reason'), { target: { value: 'legal' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Block' }));
    await waitFor(() =>
      expect(blockProject).toHaveBeenCalledWith({ params: { id: P }, body: { reason: 'legal' } }),
    );
    await screen.findByText(/Blocked: it cannot advance/);

    fireEvent.click(screen.getByRole('button', { name: /More actions/ }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Close project…' }));
    const confirm = await screen.findByRole('dialog', { name: 'Close Checkout?' });
    // Opening another action clears the last one's message.
    expect(screen.queryByText(/Blocked: it cannot advance/)).toBeNull();
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(closeProject).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: /More actions/ }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Close project…' }));
    const again = await screen.findByRole('dialog', { name: 'Close Checkout?' });
    fireEvent.change(within(again).getByLabelText('Outcome'), { target: { value: 'cancelled' } });
    fireEvent.click(within(again).getByRole('button', { name: 'Close project' }));
    await waitFor(() =>
      expect(closeProject).toHaveBeenCalledWith({
        params: { id: P },
        body: { outcome: 'cancelled', reason: null },
      }),
    );

    cleanup();
    const unblockProject = vi.fn(async () => detail);
    view(
      client(
        { unblockProject },
        { ...detail, blockedReason: 'legal', blockedAt: '2026-03-03T09:00:00.000Z' },
      ),
    );
    fireEvent.click(await screen.findByRole('button', { name: /More actions/ }));
    expect(screen.queryByRole('menuitem', { name: 'Block…' })).toBeNull();
    fireEvent.click(screen.getByRole('menuitem', { name: 'Unblock' }));
    await waitFor(() => expect(unblockProject).toHaveBeenCalledWith({ params: { id: P }, body: {} }));
  });

  it('shows no actions to a viewer, nor to a lead of another pod', async () => {
    view(client(), fakeMe({ role: 'viewer', permissions: ['read'] }));
    expect(await screen.findByRole('list', { name: 'Gate criteria' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Actions' })).toBeNull();
    cleanup();
    view(
      client(),
      fakeMe({
        role: 'pod-lead',
        pods: [{ id: '00000000-0000-4000-8000-0000000000b9', slug: 'other', name: 'Other' }],
      }),
    );
    expect(await screen.findByRole('list', { name: 'Gate criteria' })).toBeTruthy();
    for (const name of ['Submit evidence', 'Approve', 'Reject…', 'Advance to build', /More actions/])
      expect(screen.queryByRole('button', { name })).toBeNull();
  });
  it('shows the Linear project and its issues as links, and the gate’s open ones', async () => {
    const linear = {
      project: { name: 'Checkout', url: 'https://linear.app/acme/project/checkout-1' },
      issues: [
        {
          identifier: 'RAT-1',
          title: 'Interview 5 customers',
          url: 'https://linear.app/acme/issue/rat-1',
          stage: 'discovery',
          state: 'In Progress',
          stateType: 'started' as const,
        },
      ],
    };
    const linearGate: GateEvaluation = {
      ...gate,
      criteria: [
        {
          kind: 'linear_issues_done',
          met: false,
          message: '1 of 1 Linear issue of stage "discovery" still open: RAT-1 Interview 5 customers',
          issues: [
            {
              identifier: 'RAT-1',
              title: 'Interview 5 customers',
              url: linear.issues[0]!.url,
              state: 'In Progress',
            },
          ],
        },
      ],
    };
    view(client({ getProjectGate: async () => linearGate }, { ...detail, linear }));
    const issues = await screen.findByRole('list', { name: 'Linear issues' });
    expect(within(issues).getByRole('link', { name: 'RAT-1' }).getAttribute('href')).toBe(
      linear.issues[0]!.url,
    );
    expect(issues.textContent).toContain('discovery · In Progress');
    expect(screen.getByRole('link', { name: 'Checkout' }).getAttribute('href')).toBe(linear.project.url);
    const open = await screen.findByRole('list', { name: 'Open Linear issues' });
    expect(within(open).getByRole('link', { name: 'RAT-1' }).getAttribute('href')).toBe(
      linear.issues[0]!.url,
    );
  });

  it('has no Linear section for a project that is not linked', async () => {
    view(client());
    await screen.findByRole('list', { name: 'Gate criteria' });
    expect(screen.queryByRole('list', { name: 'Linear issues' })).toBeNull();
  });
});
