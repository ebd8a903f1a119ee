import { ClosApiError } from '@clos/contract/client';
import { describe, expect, it } from 'vitest';
import { errorMessage } from '../src/lib/api.ts';
import { stageColour } from '../src/lib/palette.ts';
import {
  type AuditEvent,
  buildTimeline,
  ciSummary,
  criterionLabel,
  evidenceSkeleton,
  type Funnel,
  filtersFromSearch,
  formatHours,
  funnelOption,
  funnelRows,
  type GateEvaluation,
  latestEvidence,
  type ProjectDetail,
  parseEvidence,
  unmetFromError,
} from '../src/lib/stage-gates.ts';

const P = '00000000-0000-4000-8000-000000000100';
const U1 = '00000000-0000-4000-8000-000000000001';
const U2 = '00000000-0000-4000-8000-000000000002';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const funnel: Funnel = {
  stages: [
    { stage: 'discovery', current: 2, entered: 10, conversion: 0.6, medianHoursInStage: 30 },
    { stage: 'build', current: 3, entered: 6, conversion: 0.5, medianHoursInStage: 100 },
    { stage: 'launch', current: 1, entered: 3, conversion: null, medianHoursInStage: null },
  ],
  closed: { shipped: 2, cancelled: 1 },
};

const ORDER = ['discovery', 'build', 'launch'];

describe('funnel', () => {
  it('names the stage each conversion leads to; the last stage converts into nothing', () => {
    const rows = funnelRows(funnel);
    expect(rows.map((r) => [r.stage, r.next])).toEqual([
      ['discovery', 'build'],
      ['build', 'launch'],
      ['launch', null],
    ]);
    expect(rows[0]).toMatchObject({ current: 2, entered: 10, conversion: 0.6 });
  });

  it('keeps policy order in the chart, sized by projects that entered each stage', () => {
    const option = funnelOption(funnel) as { series: { sort: string; max: number; data: unknown[] }[] };
    expect(option.series[0]!.sort).toBe('none');
    expect(option.series[0]!.max).toBe(10);
    expect(option.series[0]!.data).toEqual([
      { name: 'discovery', value: 10, itemStyle: { color: stageColour('discovery', ORDER) } },
      { name: 'build', value: 6, itemStyle: { color: stageColour('build', ORDER) } },
      { name: 'launch', value: 3, itemStyle: { color: stageColour('launch', ORDER) } },
    ]);
    // The same stage, the same colour as in the trends; a colour of its own per stage.
    expect(new Set(ORDER.map((s) => stageColour(s, ORDER))).size).toBe(3);
  });

  it('formats time in stage in minutes, hours or days', () => {
    expect(formatHours(null)).toBe('—');
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(30)).toBe('30 h');
    expect(formatHours(7.25)).toBe('7.3 h');
    expect(formatHours(100)).toBe('4.2 d');
  });

  it('reads only known filters from the query string', () => {
    expect(filtersFromSearch(new URLSearchParams('stage=build&closed=false&blocked=maybe&x=1'))).toEqual({
      stage: 'build',
      closed: 'false',
    });
  });
});

const detail: ProjectDetail = {
  id: P,
  key: 'checkout',
  name: 'Checkout',
  podId: uuid(900),
  currentStage: 'build',
  stageEnteredAt: '2026-03-03T10:00:00.000Z',
  blockedReason: null,
  blockedAt: null,
  ideaId: null,
  wipLockId: null,
  closedAt: null,
  outcome: null,
  closeReason: null,
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-03T10:00:00.000Z',
  transitions: [
    {
      id: uuid(1),
      projectId: P,
      fromStage: null,
      toStage: 'discovery',
      evidence: {},
      approvedBy: [],
      actorId: U1,
      createdAt: '2026-03-01T09:00:00.000Z',
    },
    {
      id: uuid(2),
      projectId: P,
      fromStage: 'discovery',
      toStage: 'build',
      evidence: { spec: 'x' },
      approvedBy: [U2],
      actorId: U1,
      createdAt: '2026-03-03T10:00:00.000Z',
    },
  ],
  evidence: [
    {
      id: uuid(3),
      projectId: P,
      stage: 'build',
      data: { spec: 'x' },
      submittedBy: U1,
      source: null,
      createdAt: '2026-03-02T09:00:00.000Z',
    },
    {
      id: uuid(4),
      projectId: P,
      stage: 'launch',
      data: { review: { url: 'https://r' } },
      submittedBy: U1,
      source: 'https://github.com/acme/web/pull/7',
      createdAt: '2026-03-04T09:00:00.000Z',
    },
  ],
  approvals: [
    {
      id: uuid(5),
      projectId: P,
      stage: 'build',
      userId: U2,
      userEmail: 'lead@example.com',
      userRole: 'pod-lead',
      decision: 'approve',
      comment: null,
      createdAt: '2026-03-02T12:00:00.000Z',
    },
    {
      id: uuid(6),
      projectId: P,
      stage: 'launch',
      userId: U2,
      userEmail: 'lead@example.com',
      userRole: 'pod-lead',
      decision: 'reject',
      comment: 'no rollback plan',
      createdAt: '2026-03-04T12:00:00.000Z',
    },
  ],
  linear: null,
  ciStatus: [
    {
      id: uuid(7),
      projectId: P,
      status: 'passed',
      url: 'https://ci.example.com/7',
      context: 'ci',
      reportedBy: null,
      createdAt: '2026-03-04T08:00:00.000Z',
    },
  ],
};

function audit(n: number, action: string, occurredAt: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    sequence: n,
    id: uuid(100 + n),
    occurredAt,
    actorId: U1,
    actorLabel: 'dev@example.com',
    action,
    subjectType: 'project',
    subjectId: P,
    before: null,
    after: null,
    reason: null,
    requestId: null,
    prevHash: '',
    hash: '',
    ...extra,
  };
}

describe('buildTimeline', () => {
  it('merges transitions, evidence, approvals, CI reports and blocks by time, newest first', () => {
    const entries = buildTimeline({
      detail,
      ciStatuses: [
        detail.ciStatus[0]!,
        {
          ...detail.ciStatus[0]!,
          id: uuid(8),
          status: 'failed',
          url: 'javascript:alert(1)',
          createdAt: '2026-03-02T08:00:00.000Z',
        },
      ],
      audit: [
        audit(1, 'project.created', '2026-03-01T09:00:00.000Z'),
        audit(2, 'stage.blocked', '2026-03-05T09:00:00.000Z', { reason: 'waiting on legal' }),
        audit(3, 'stage.unblocked', '2026-03-05T11:00:00.000Z'),
        audit(4, 'stage.advanced', '2026-03-03T10:00:00.000Z'),
      ],
    });
    expect(entries.map((e) => e.kind)).toEqual([
      'unblocked',
      'blocked',
      'rejected',
      'evidence',
      'ci',
      'transition',
      'approved',
      'evidence',
      'ci',
      'created',
    ]);
    const blocked = entries.find((e) => e.kind === 'blocked')!;
    expect(blocked).toMatchObject({ title: 'Blocked', detail: 'waiting on legal', actor: 'dev@example.com' });
    // Transitions carry only an actor id: the audit log names it.
    expect(entries.find((e) => e.kind === 'transition')).toMatchObject({
      title: 'Advanced discovery → build',
      actor: 'dev@example.com',
    });
    expect(entries.find((e) => e.kind === 'rejected')).toMatchObject({
      detail: 'no rollback plan',
      actor: 'lead@example.com (pod-lead)',
    });
    // Only http(s) links are followed.
    const ci = entries.filter((e) => e.kind === 'ci');
    expect(ci.map((e) => e.href)).toEqual(['https://ci.example.com/7', null]);
  });

  it('works from the project alone, with its latest CI report per context', () => {
    const entries = buildTimeline({ detail });
    expect(entries.filter((e) => e.kind === 'ci')).toHaveLength(1);
    expect(entries.at(-1)).toMatchObject({ kind: 'created', title: 'Created in discovery', actor: null });
  });

  it('shows a close with its outcome and reason', () => {
    const entries = buildTimeline({
      detail,
      audit: [
        audit(9, 'project.closed', '2026-03-09T00:00:00.000Z', {
          after: { outcome: 'cancelled' },
          reason: 'no market',
        }),
      ],
    });
    expect(entries[0]).toMatchObject({ kind: 'closed', title: 'Closed (cancelled)', detail: 'no market' });
  });

  it('links evidence merged from a pull request, and shows the merge itself', () => {
    const entries = buildTimeline({
      detail,
      audit: [
        audit(10, 'project.pull_request_merged', '2026-03-10T00:00:00.000Z', {
          after: { repository: 'acme/web', number: 7, title: 'Add evidence', url: 'javascript:alert(1)' },
        }),
      ],
    });
    expect(entries[0]).toMatchObject({
      kind: 'merged',
      title: 'Merged acme/web#7',
      detail: 'Add evidence',
      href: null, // only http(s) links are followed
    });
    const evidence = entries.filter((e) => e.kind === 'evidence');
    expect(evidence.map((e) => e.href)).toEqual(['https://github.com/acme/web/pull/7', null]);
    expect(evidence[0]?.hrefLabel).toBe('Open the pull request');
  });
});

const gate: GateEvaluation = {
  projectId: P,
  currentStage: 'build',
  nextStage: 'launch',
  ready: false,
  criteria: [
    { kind: 'not_blocked', met: true, message: 'project is not blocked' },
    { kind: 'evidence', met: false, path: 'review.by', message: 'evidence field "review.by" is required' },
    { kind: 'evidence', met: false, path: 'owner', message: 'evidence field "owner" is required' },
    { kind: 'evidence', met: false, path: 'risk', message: 'evidence field "risk" must be integer' },
    {
      kind: 'approvals',
      met: false,
      required: 2,
      received: 1,
      roles: ['pod-lead'],
      approvers: ['lead@example.com'],
      message: 'needs 1 more approval from pod-lead (1 of 2)',
    },
  ],
};

describe('evidence', () => {
  it('prefills the latest submission with every field the gate still requires', () => {
    const previous = latestEvidence(detail, 'launch');
    expect(previous).toEqual({ review: { url: 'https://r' } });
    expect(JSON.parse(evidenceSkeleton(gate, previous))).toEqual({
      review: { url: 'https://r', by: '' },
      owner: '',
    });
    // The previous submission is not changed in place.
    expect(previous).toEqual({ review: { url: 'https://r' } });
  });

  it('starts from the required fields alone when nothing was submitted', () => {
    expect(JSON.parse(evidenceSkeleton(gate, null))).toEqual({ review: { by: '' }, owner: '' });
    expect(latestEvidence(detail, 'ship')).toBeNull();
  });

  it('accepts one JSON object and explains anything else', () => {
    expect(parseEvidence('{"spec": "x"}')).toEqual({ ok: true, value: { spec: 'x' } });
    const broken = parseEvidence('{"spec": ');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.message).toMatch(/^Evidence is not valid JSON/);
    expect(parseEvidence('[1]')).toEqual({
      ok: false,
      message: expect.stringMatching(/must be a JSON object/),
    });
    expect(parseEvidence('null').ok).toBe(false);
  });

  it('labels criteria by kind and field', () => {
    expect(gate.criteria.map(criterionLabel)).toEqual([
      'Not blocked',
      'Evidence: review.by',
      'Evidence: owner',
      'Evidence: risk',
      'Approvals',
    ]);
  });
});

describe('unmetFromError', () => {
  it('lists the unmet criteria of a refused advance', () => {
    const error = new ClosApiError({
      status: 422,
      code: 'gate_criteria_unmet',
      message: 'gate to "launch" is not met',
      details: { evaluation: gate },
      requestId: 'r',
      route: 'advanceProject',
    });
    expect(unmetFromError(error).map((c) => c.message)).toEqual([
      'evidence field "review.by" is required',
      'evidence field "owner" is required',
      'evidence field "risk" must be integer',
      'needs 1 more approval from pod-lead (1 of 2)',
    ]);
    expect(unmetFromError(new Error('x'))).toEqual([]);
  });
});

describe('ciSummary', () => {
  it('keeps the newest report per context, failures first', () => {
    const base = detail.ciStatus[0]!;
    const summary = ciSummary([
      { ...base, id: uuid(11), context: 'ci', status: 'failed', createdAt: '2026-03-01T00:00:00.000Z' },
      { ...base, id: uuid(12), context: 'ci', status: 'passed', createdAt: '2026-03-02T00:00:00.000Z' },
      { ...base, id: uuid(13), context: 'e2e', status: 'failed', createdAt: '2026-03-02T00:00:00.000Z' },
    ]);
    expect(summary.map((s) => `${s.context}:${s.status}`)).toEqual(['e2e:failed', 'ci:passed']);
  });
});

describe('errorMessage on gate refusals', () => {
  it('does not repeat field problems the server message already names', () => {
    const error = new ClosApiError({
      status: 400,
      code: 'invalid_request',
      message: 'body.comment: is required when rejecting',
      details: [{ path: 'body.comment', message: 'is required when rejecting' }],
      requestId: 'r',
      route: 'decideGate',
    });
    expect(errorMessage(error)).toBe('body.comment: is required when rejecting');
  });
});
