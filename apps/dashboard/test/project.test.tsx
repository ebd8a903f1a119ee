// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
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

function client(overrides: Parameters<typeof fakeClient>[0] = {}, project: Detail = detail) {
  return fakeClient({
    getProject: async () => project,
    getProjectGate: async () => gate,
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

  it('catches invalid JSON in the browser, then shows the server’s field errors', async () => {
    const submitEvidence = vi.fn(async () => {
      throw new ClosApiError({
        status: 400,
        code: 'invalid_request',
        message: 'The request is invalid',
        details: [{ path: 'body.evidence', message: 'expected record' }],
        requestId: 'r',
        route: 'submitEvidence',
      });
    });
    view(client({ submitEvidence }));
    const textarea = (await screen.findByLabelText('Evidence (JSON)')) as HTMLTextAreaElement;
    expect(JSON.parse(textarea.value)).toEqual({ spec: '' });
    fireEvent.change(textarea, { target: { value: '{"spec": ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Evidence is not valid JSON/);
    expect(submitEvidence).not.toHaveBeenCalled();

    fireEvent.change(textarea, { target: { value: '{"spec": "https://docs/spec"}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit evidence' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toContain('body.evidence: expected record'),
    );
    expect(submitEvidence).toHaveBeenCalledWith({
      params: { id: P },
      body: { evidence: { spec: 'https://docs/spec' } },
    });
  });

  it('shows why the server refused to advance', async () => {
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
    view(client({ advanceProject }));
    fireEvent.click(await screen.findByRole('button', { name: 'Advance' }));
    const why = await screen.findByRole('list', { name: 'Why the gate refused' });
    expect(why.textContent).toContain('evidence field "spec" is required');
    expect(why.textContent).toContain('needs 1 more approval');
    expect(screen.getByRole('alert').textContent).toContain('the gate to "build" is not met');
  });

  it('approves and rejects with a comment', async () => {
    const decideGate = vi.fn(async ({ body }: { body: { decision: 'approve' | 'reject' } }) => ({
      approval: { decision: body.decision },
      gate,
    }));
    view(client({ decideGate }));
    fireEvent.change(await screen.findByLabelText('Decision comment'), {
      target: { value: 'needs a rollback plan' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Reject' }));
    await waitFor(() =>
      expect(decideGate).toHaveBeenCalledWith({
        params: { id: P },
        body: { decision: 'reject', comment: 'needs a rollback plan' },
      }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Approve' }));
    await waitFor(() =>
      expect(decideGate).toHaveBeenLastCalledWith({
        params: { id: P },
        body: { decision: 'approve', comment: null },
      }),
    );
  });

  it('blocks with a reason and offers unblock on a blocked project', async () => {
    const blockProject = vi.fn(async () => ({ ...detail, blockedReason: 'legal' }));
    view(client({ blockProject }));
    fireEvent.change(await screen.findByLabelText('Block reason'), { target: { value: 'legal' } });
    fireEvent.click(screen.getByRole('button', { name: 'Block' }));
    await waitFor(() =>
      expect(blockProject).toHaveBeenCalledWith({ params: { id: P }, body: { reason: 'legal' } }),
    );
    cleanup();
    view(client({}, { ...detail, blockedReason: 'legal', blockedAt: '2026-03-03T09:00:00.000Z' }));
    expect(await screen.findByRole('button', { name: 'Unblock' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Block' })).toBeNull();
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
    for (const name of ['Submit evidence', 'Approve', 'Reject', 'Advance', 'Block', 'Close project'])
      expect(screen.queryByRole('button', { name })).toBeNull();
  });
});
