import { describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_TYPES, type DomainEventType } from '../events/catalog.ts';
import type { DomainEvent } from '../events/event.ts';
import type { EventPayloads } from '../events/payloads.ts';
import { NOTIFIABLE_EVENT_TYPES, notificationFor } from './render.ts';

const AT = new Date('2026-03-02T09:00:00.000Z');

function event<T extends DomainEventType>(
  type: T,
  data: EventPayloads[T],
  podId: string | null = 'pod-1',
): DomainEvent {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    seq: 7,
    type,
    podId,
    subjectType: 'test',
    subjectId: 'subject-1',
    actorId: null,
    data,
    occurredAt: AT,
  } as DomainEvent;
}

const agendaItem = (position: number, title: string, presenter: string) => ({
  position,
  submissionId: `s${position}`,
  title,
  presenter,
  projectId: null,
  url: null,
});

const ALERT = {
  key: 'pod.health_low:pod-1',
  kind: 'pod.health_low',
  severity: 'critical',
  message: 'pod health 55 is below 70',
  details: {},
  subjectType: 'pod',
  subjectId: 'pod-1',
  openedAt: AT.toISOString(),
} as const;

const failedDeployment = (version: string, failedStep?: string): EventPayloads['deployment.finished'] => ({
  actor: 'ci',
  before: { status: 'running' },
  after: {
    status: 'failed',
    ...(failedStep ? { failedStep } : {}),
    pod: 'web',
    version,
    url: null,
    durationSeconds: 60,
  },
});

/** A full payload of each notifiable type, as the domain publishes it. */
const SAMPLES: { [T in (typeof NOTIFIABLE_EVENT_TYPES)[number]]: EventPayloads[T] } = {
  'rhythm.digest_ready': { pod: 'payments', phase: 'recap', day: '2026-03-02', counts: {}, summary: '' },
  'gate.ready': {
    projectId: 'p1',
    projectName: null,
    stage: 'build',
    approvalsNeeded: 1,
    approverRoles: [],
    evidenceId: null,
    canAdvance: false,
  },
  'alert.opened': ALERT,
  'alert.resolved': { ...ALERT, resolvedAt: AT.toISOString() },
  'rotation.completed': { month: '2026-03', moves: [], skipped: 0 },
  'demo.opened': { pod: 'payments', week: '2026-W10', cutoffAt: AT.toISOString() },
  'demo.agenda_ready': { pod: 'payments', week: '2026-W10', agenda: [] },
  'demo.closed': {
    pod: 'payments',
    week: '2026-W10',
    demos: 0,
    feedbackCount: 0,
    averageScore: null,
    submissions: [],
  },
  'workflow.run_failed': { workflow: 'daily-rhythm', key: 'k', step: 'digest', error: 'boom' },
  'deployment.finished': failedDeployment('1.0.0'),
  'wip.limit_reached': { pod: 'payments', itemType: 'bug', itemId: 'B-1', limit: 2, used: 2, actor: 'x' },
};

describe('notificationFor', () => {
  it('lists only catalogued types', () => {
    for (const type of NOTIFIABLE_EVENT_TYPES) expect(Object.hasOwn(DOMAIN_EVENT_TYPES, type)).toBe(true);
  });

  it('renders a notifiable event with its id, kind, pod and payload', () => {
    const n = notificationFor(
      event('wip.limit_reached', {
        pod: 'payments',
        itemType: 'project',
        itemId: 'PAY-12',
        limit: 3,
        used: 3,
        actor: 'dev@example.com',
      }),
      'payments',
    );
    expect(n).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      kind: 'wip.limit_reached',
      podId: 'pod-1',
      pod: 'payments',
      title: 'payments: project WIP limit reached (3 of 3 in use)',
      text: 'dev@example.com could not take a project slot for PAY-12: every slot is in use. Finish or release one of the current holders first, or raise the limit.',
      occurredAt: AT,
      data: expect.objectContaining({ itemType: 'project', limit: 3 }),
    });
  });

  it('ignores types people are not notified of', () => {
    expect(
      notificationFor(
        event('wip.acquired', { actor: 'x', after: { pod: 'payments', itemType: 'bug', itemId: 'B-1' } }),
        'payments',
      ),
    ).toBeNull();
    expect(
      notificationFor(event('idea.submitted', { actor: 'x', after: { title: 'An idea' } }, null), null),
    ).toBeNull();
  });

  it('notifies of failed deployments only', () => {
    const succeeded = failedDeployment('1.2.0');
    succeeded.after = { ...succeeded.after!, status: 'succeeded' };
    expect(notificationFor(event('deployment.finished', succeeded), 'web')).toBeNull();
    const failed = notificationFor(event('deployment.finished', failedDeployment('1.2.0', 'test')), 'web');
    expect(failed?.title).toBe('web: Deployment 1.2.0 failed at test');
    expect(notificationFor(event('deployment.finished', failedDeployment('2.0.0')), 'web')?.title).toBe(
      'web: Deployment 2.0.0 failed',
    );
  });

  it('takes the pod from the payload when its slug is not given, and none for company-wide events', () => {
    expect(
      notificationFor(event('wip.limit_reached', { ...SAMPLES['wip.limit_reached'], pod: 'core' }), null)
        ?.pod,
    ).toBe('core');
    // A recorded change names its pod under `after`.
    expect(notificationFor(event('deployment.finished', failedDeployment('1.0.0')), null)?.pod).toBe('web');
    const n = notificationFor(
      event(
        'workflow.run_failed',
        { workflow: 'monthly-rotation', key: 'monthly-rotation:2026-03', step: 'apply', error: 'boom' },
        null,
      ),
      null,
    );
    expect(n).toMatchObject({
      pod: null,
      podId: null,
      title: 'monthly-rotation failed at step apply',
      text: 'The run gave up after its last retry: boom. See GET /api/v1/workflows/runs/subject-1.',
    });
  });

  it('writes every notifiable type for people, from the smallest payload its schema allows', () => {
    for (const type of NOTIFIABLE_EVENT_TYPES) {
      const n = notificationFor(event(type, SAMPLES[type]), 'payments');
      expect(n, type).not.toBeNull();
      expect(n!.title, type).toMatch(/^payments: /);
      expect(n!.title, type).not.toMatch(/undefined|null|\[object/);
      expect(n!.text.length, type).toBeGreaterThan(20);
      expect(n!.text, type).not.toMatch(/undefined|\[object/);
    }
  });

  it('renders the rhythm, demo, rotation and alert payloads', () => {
    expect(
      notificationFor(
        event('rhythm.digest_ready', {
          ...SAMPLES['rhythm.digest_ready'],
          phase: 'unblock',
          day: '2026-03-02',
        }),
        'payments',
      )?.title,
    ).toBe('payments: unblock digest for 2026-03-02 is ready');
    const agenda = notificationFor(
      event('demo.agenda_ready', {
        pod: 'payments',
        week: '2026-W10',
        agenda: [
          agendaItem(1, 'Faster checkout', 'ana@example.com'),
          agendaItem(2, 'New ledger', 'bo@example.com'),
        ],
      }),
      'payments',
    );
    expect(agenda?.title).toBe('payments: Demo agenda for 2026-W10: 2 demos');
    expect(agenda?.text).toBe(
      'Submissions are closed. In order:\n1. Faster checkout (ana@example.com)\n2. New ledger (bo@example.com)',
    );
    expect(
      notificationFor(
        event('demo.closed', { ...SAMPLES['demo.closed'], demos: 2, feedbackCount: 4, averageScore: 4.25 }),
        'p',
      )?.text,
    ).toBe(
      '2 demos presented, average feedback score 4.3 of 5. Scores and comments are stored with the demo.',
    );
    const rotation = notificationFor(
      event(
        'rotation.completed',
        { month: '2026-03', moves: [{ email: 'a@example.com', from: 'payments', to: 'core' }], skipped: 0 },
        null,
      ),
      null,
    );
    expect(rotation?.title).toBe('Monthly rotation applied: 1 move');
    expect(rotation?.text).toContain('• a@example.com: payments → core');
    expect(notificationFor(event('alert.opened', ALERT), 'payments')?.title).toBe(
      'payments: Critical alert: pod health 55 is below 70',
    );
    expect(notificationFor(event('alert.resolved', SAMPLES['alert.resolved']), 'payments')?.title).toBe(
      'payments: Resolved: pod health 55 is below 70',
    );
  });
});

describe('gate.ready and digest wording', () => {
  it('says the gate waits for approvals while they are missing, and ready only when it can advance', () => {
    const waiting = notificationFor(
      event('gate.ready', {
        ...SAMPLES['gate.ready'],
        projectName: 'Checkout',
        stage: 'build',
        approvalsNeeded: 2,
        approverRoles: ['pod-lead', 'admin'],
        canAdvance: false,
      }),
      'payments',
    );
    expect(waiting?.title).toBe('payments: Checkout needs approval to advance to build');
    expect(waiting?.text).toBe(
      'Its gate into build has the evidence it needs. It waits for 2 more approvals from pod-lead or admin.',
    );
    expect(waiting?.text).not.toContain('all the evidence and approvals');
    const ready = notificationFor(
      event('gate.ready', {
        ...SAMPLES['gate.ready'],
        projectName: 'Checkout',
        approvalsNeeded: 0,
        canAdvance: true,
      }),
      'payments',
    );
    expect(ready?.title).toBe('payments: Checkout is ready to advance to build');
    expect(ready?.text).toBe(
      'Its gate into build has all the evidence and approvals it needs. A member of the pod can advance it now.',
    );
  });

  it('ends a digest summary with a full stop before the next sentence', () => {
    const digest = notificationFor(
      event('rhythm.digest_ready', {
        ...SAMPLES['rhythm.digest_ready'],
        phase: 'unblock',
        day: '2026-03-02',
        summary:
          '1 blocked project, 0 gates awaiting approval, 0 stale WIP locks, 2 members without a commitment',
      }),
      'payments',
    );
    expect(digest?.text).toBe(
      '1 blocked project, 0 gates awaiting approval, 0 stale WIP locks, 2 members without a commitment. Read it in the dashboard or at GET /api/v1/pods/payments/rhythm/today.',
    );
  });
});
