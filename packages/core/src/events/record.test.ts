import { describe, expect, it } from 'vitest';
import type { Ctx } from '../context.ts';
import type { AuditEvent } from '../entities.ts';
import type { NewAuditEvent, Repositories } from '../ports/repositories.ts';
import { DOMAIN_EVENT_TYPES } from './catalog.ts';
import type { NewDomainEvent } from './event.ts';
import { AUDIT_ONLY_ACTIONS, isChangeEventType, record } from './record.ts';

const AT = new Date('2026-11-26T09:00:00.000Z');
const ctx: Ctx = {
  actor: { userId: 'u1', tokenId: 't1', role: 'developer', podIds: [], label: 'ada@example.com' },
  requestId: 'req-1',
};

/**
 * The two ports `record` writes through, keeping what they were given. The stored entry round-trips
 * `before`/`after` through JSON as the audit repository does, so the test sees what the event gets.
 */
function recordingRepos() {
  const appended: NewAuditEvent[] = [];
  const emitted: NewDomainEvent[] = [];
  const repos = {
    audit: {
      async append(e: NewAuditEvent): Promise<AuditEvent> {
        appended.push(e);
        const json = (v: unknown) => (v === undefined ? null : JSON.parse(JSON.stringify(v)));
        return {
          sequence: appended.length,
          id: `a${appended.length}`,
          occurredAt: e.at,
          actorId: e.actorId,
          actorLabel: e.actorLabel,
          action: e.action,
          subjectType: e.subjectType,
          subjectId: e.subjectId,
          before: json(e.before),
          after: json(e.after),
          reason: e.reason ?? null,
          requestId: e.requestId,
          prevHash: '0',
          hash: '1',
        };
      },
    },
    events: {
      async emit(e: NewDomainEvent) {
        emitted.push(e);
      },
    },
  } as unknown as Repositories;
  return { repos, appended, emitted };
}

describe('record', () => {
  it('appends the audit entry and publishes its event with the stored before/after, actor and reason', async () => {
    const { repos, appended, emitted } = recordingRepos();
    await record(repos, ctx, AT, {
      podId: 'pod-1',
      action: 'stage.blocked',
      subjectType: 'project',
      subjectId: 'p1',
      before: { blockedReason: null },
      after: { blockedReason: 'vendor' },
      reason: 'vendor',
    });
    expect(appended).toEqual([
      {
        at: AT,
        actorId: 'u1',
        actorLabel: 'ada@example.com',
        requestId: 'req-1',
        action: 'stage.blocked',
        subjectType: 'project',
        subjectId: 'p1',
        before: { blockedReason: null },
        after: { blockedReason: 'vendor' },
        reason: 'vendor',
      },
    ]);
    expect(emitted).toEqual([
      {
        type: 'stage.blocked',
        podId: 'pod-1',
        subjectType: 'project',
        subjectId: 'p1',
        actorId: 'u1',
        occurredAt: AT,
        data: {
          actor: 'ada@example.com',
          before: { blockedReason: null },
          after: { blockedReason: 'vendor' },
          reason: 'vendor',
        },
      },
    ]);
  });

  it('publishes timestamps as the log stores them (ISO strings) and a change without a pod company-wide', async () => {
    const { repos, emitted } = recordingRepos();
    await record(repos, ctx, AT, {
      action: 'idea.submitted',
      subjectType: 'idea',
      subjectId: 'i1',
      after: { title: 'Faster checkout' },
    });
    expect(emitted[0]).toMatchObject({ podId: null, data: { after: { title: 'Faster checkout' } } });
    expect(emitted[0]!.data).not.toHaveProperty('before');
  });

  it('keeps what an admin does to access out of the event stream', async () => {
    const { repos, appended, emitted } = recordingRepos();
    for (const action of AUDIT_ONLY_ACTIONS)
      await record(repos, ctx, AT, { action, subjectType: 'user', subjectId: 'u2', after: { x: 1 } });
    expect(appended).toHaveLength(AUDIT_ONLY_ACTIONS.length);
    expect(emitted).toEqual([]);
  });

  it('treats as changes exactly the catalogued types that are not signals', () => {
    for (const action of AUDIT_ONLY_ACTIONS) {
      expect(isChangeEventType(action)).toBe(false);
      expect(Object.hasOwn(DOMAIN_EVENT_TYPES, action)).toBe(false);
    }
    expect(isChangeEventType('wip.acquired')).toBe(true);
    expect(isChangeEventType('wip.limit_reached')).toBe(false);
    expect(isChangeEventType('toString')).toBe(false);
  });
});
