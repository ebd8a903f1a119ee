import { describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_TYPES, eventFromAudit } from './catalog.ts';

describe('the event catalogue', () => {
  it('is documented type by type in docs/events.md', async () => {
    // Read through a dynamic import of node:fs so this stays a test-only dependency of a pure package.
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(new URL('../../../../docs/events.md', import.meta.url), 'utf8');
    const missing = Object.keys(DOMAIN_EVENT_TYPES).filter((type) => !docs.includes(`\`${type}\``));
    expect(missing).toEqual([]);
  });

  it('publishes audited changes of catalogued types with the audit record’s shape, and nothing else', () => {
    const at = new Date('2026-11-26T09:00:00Z');
    const base = {
      subjectType: 'project',
      subjectId: 'p1',
      actorId: 'u1',
      actorLabel: 'ada@example.com',
      at,
    };
    expect(
      eventFromAudit({
        ...base,
        action: 'stage.blocked',
        podId: 'pod-1',
        before: { blockedReason: null },
        after: { blockedReason: 'vendor' },
        reason: 'vendor',
      }),
    ).toEqual({
      type: 'stage.blocked',
      podId: 'pod-1',
      subjectType: 'project',
      subjectId: 'p1',
      actorId: 'u1',
      occurredAt: at,
      data: {
        actor: 'ada@example.com',
        before: { blockedReason: null },
        after: { blockedReason: 'vendor' },
        reason: 'vendor',
      },
    });
    expect(eventFromAudit({ ...base, action: 'token.created' })).toBeNull();
    expect(eventFromAudit({ ...base, action: 'user.created' })).toBeNull();
    expect(eventFromAudit({ ...base, action: 'idea.submitted' })?.podId).toBeNull();
  });
});
