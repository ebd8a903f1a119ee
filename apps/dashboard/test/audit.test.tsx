// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AuditEvent,
  auditFiltersFromSearch,
  auditFiltersToSearch,
  auditQuery,
  EMPTY_AUDIT_FILTERS,
  subjectHref,
  toInstant,
  verifyText,
} from '../src/lib/audit.ts';
import { Audit } from '../src/views/audit.tsx';
import { fakeClient, renderView } from './render.tsx';

afterEach(cleanup);

const ACTOR = '00000000-0000-4000-8000-000000000001';
const PROJECT = '00000000-0000-4000-8000-0000000000b1';

function event(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    sequence: 42,
    id: '00000000-0000-4000-8000-0000000000a1',
    occurredAt: '2026-03-10T08:00:00.000Z',
    actorId: ACTOR,
    actorLabel: 'ada@example.com',
    action: 'stage.advanced',
    subjectType: 'project',
    subjectId: PROJECT,
    before: { stage: 'build' },
    after: { stage: 'launch' },
    reason: null,
    requestId: 'req-1',
    prevHash: 'a',
    hash: 'b',
    ...over,
  };
}

describe('audit filter → query', () => {
  it('sends only the filters given, trimmed, with local dates as instants', () => {
    const from = '2026-03-01T09:30';
    const q = auditQuery({
      ...EMPTY_AUDIT_FILTERS,
      action: ' stage.advanced ',
      subjectType: 'project',
      subjectId: PROJECT,
      actorId: '',
      from,
      to: '2026-03-02T00:00:00+01:00',
    });
    expect(q).toEqual({
      limit: 50,
      action: 'stage.advanced',
      subjectType: 'project',
      subjectId: PROJECT,
      from: new Date(from).toISOString(),
      to: '2026-03-02T00:00:00+01:00',
    });
    expect(auditQuery(EMPTY_AUDIT_FILTERS, 'cur')).toEqual({ limit: 50, cursor: 'cur' });
  });

  it('leaves a date that is not one for the server to name', () => {
    expect(toInstant('yesterday')).toBe('yesterday');
    expect(toInstant('')).toBe('');
  });

  it('round-trips through the query string, which keeps only what is set', () => {
    const filters = { ...EMPTY_AUDIT_FILTERS, action: 'wip.acquired', actorId: ACTOR };
    const search = auditFiltersToSearch(filters);
    expect(search.toString()).toBe(`action=wip.acquired&actorId=${ACTOR}`);
    expect(auditFiltersFromSearch(search)).toEqual(filters);
  });

  it('states the chain’s state', () => {
    expect(verifyText({ ok: true, count: 120 })).toEqual({ ok: true, text: 'Chain intact: 120 events' });
    expect(verifyText({ ok: false, brokenAt: 17, reason: 'hash mismatch', count: 120 })).toEqual({
      ok: false,
      text: 'Chain broken at #17: hash mismatch',
    });
  });

  it('links subjects that have a page', () => {
    expect(subjectHref('project', PROJECT)).toBe(`/projects/${PROJECT}`);
    expect(subjectHref('workflow_run', 'r1')).toBe('/runs/r1');
    expect(subjectHref('wip_lock', 'l1')).toBeNull();
  });
});

describe('Audit view', () => {
  it('lists events with before/after, applies filters and verifies the chain', async () => {
    const listAudit = vi.fn(async () => ({ items: [event()], nextCursor: null }));
    const verifyAudit = vi
      .fn()
      .mockResolvedValueOnce({ ok: false, brokenAt: 17, reason: 'hash mismatch', count: 42 })
      .mockResolvedValueOnce({ ok: true, count: 42 });
    renderView(<Audit />, { client: fakeClient({ listAudit, verifyAudit }), url: '/audit' });
    expect(screen.getByRole('heading', { level: 1, name: 'Audit log' })).toBeTruthy();
    expect(await screen.findByText('stage.advanced')).toBeTruthy();
    expect(screen.getByRole('link', { name: PROJECT }).getAttribute('href')).toBe(`/projects/${PROJECT}`);
    const after = screen.getByText('After').closest('details') as HTMLElement;
    expect(after.textContent).toContain('"stage": "launch"');

    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'stage.advanced' } });
    fireEvent.change(screen.getByLabelText('Actor ID'), { target: { value: ACTOR } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() =>
      expect(listAudit).toHaveBeenLastCalledWith({
        query: { limit: 50, action: 'stage.advanced', actorId: ACTOR },
      }),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    expect(await screen.findByText('Chain broken at #17: hash mismatch')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    expect(await screen.findByText('Chain intact: 42 events')).toBeTruthy();
  });

  it('shows the server’s message for a bad filter', async () => {
    renderView(<Audit />, {
      client: fakeClient({
        listAudit: async () => {
          throw new ClosApiError({
            status: 400,
            code: 'invalid_request',
            message: 'The request is invalid',
            details: [{ path: 'query.actorId', message: 'Invalid UUID' }],
            requestId: null,
            route: 'listAudit',
          });
        },
      }),
      url: '/audit?actorId=nobody',
    });
    expect((await screen.findByRole('alert')).textContent).toContain('query.actorId: Invalid UUID');
    expect((screen.getByLabelText('Actor ID') as HTMLInputElement).value).toBe('nobody');
  });
});
