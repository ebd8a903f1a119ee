// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Alert, alertFiltersFromSearch, alertQuery, alertSubjectLink } from '../src/lib/alerts.ts';
import { Alerts } from '../src/views/alerts.tsx';
import { fakeClient, renderView } from './render.tsx';

afterEach(cleanup);

const POD = '00000000-0000-4000-8000-0000000000aa';
const PROJECT = '00000000-0000-4000-8000-0000000000b1';

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: '00000000-0000-4000-8000-0000000000f1',
    key: `wip.limit_exceeded:${POD}:project`,
    kind: 'wip.limit_exceeded',
    podId: POD,
    subjectType: 'pod',
    subjectId: POD,
    severity: 'critical',
    message: 'pod "core" holds 4 project slots, above its limit of 3',
    details: { pod: 'core', itemType: 'project', used: 4, limit: 3 },
    status: 'open',
    openedAt: '2026-03-10T08:00:00.000Z',
    lastSeenAt: '2026-03-10T09:00:00.000Z',
    resolvedAt: null,
    ...over,
  };
}

describe('alert shaping', () => {
  it('links a pod alert to the pod and a project alert to the project', () => {
    const slugs = new Map([[POD, 'core']]);
    expect(alertSubjectLink(alert(), slugs)).toEqual({ href: '/pods/core', text: 'Open pod core' });
    // Unknown id (pods not loaded yet): the slug in the details still finds it.
    expect(alertSubjectLink(alert(), new Map())?.href).toBe('/pods/core');
    expect(
      alertSubjectLink(
        alert({
          kind: 'gate.stuck',
          subjectType: 'project',
          subjectId: PROJECT,
          details: { project: 'Importer' },
        }),
        slugs,
      ),
    ).toEqual({ href: `/projects/${PROJECT}`, text: 'Open Importer' });
    expect(
      alertSubjectLink(alert({ subjectType: null, subjectId: null, podId: null, details: {} }), slugs),
    ).toBeNull();
  });

  it('turns the query string into the list query, dropping what is not a filter', () => {
    const filters = alertFiltersFromSearch(new URLSearchParams('status=open&kind=nope&pod=core'));
    expect(filters).toEqual({ status: 'open', pod: 'core' });
    expect(alertQuery(filters, 'c2')).toEqual({ status: 'open', pod: 'core', limit: 50, cursor: 'c2' });
  });
});

describe('Alerts view', () => {
  it('shows open alerts first with a severity in words, then resolved ones, each linking to its subject', async () => {
    const listAlerts = vi.fn(async () => ({
      items: [
        alert(),
        alert({
          id: '00000000-0000-4000-8000-0000000000f2',
          kind: 'gate.stuck',
          severity: 'warning',
          subjectType: 'project',
          subjectId: PROJECT,
          message: 'project "Importer" has not been able to leave stage "build" for 80 h',
          details: { project: 'Importer' },
          status: 'resolved',
          resolvedAt: '2026-03-10T10:00:00.000Z',
        }),
      ],
      nextCursor: null,
    }));
    renderView(<Alerts />, {
      client: fakeClient({
        listAlerts,
        listPods: async () => ({
          items: [
            { id: POD, slug: 'core', name: 'Core', timezone: 'UTC', createdAt: '2026-01-01T00:00:00.000Z' },
          ],
          nextCursor: null,
        }),
      }),
      url: '/alerts',
    });
    expect(screen.getByRole('heading', { level: 1, name: 'Alerts' })).toBeTruthy();
    const open = await screen.findByRole('region', { name: 'Open (1)' });
    expect(within(open).getByText('Critical')).toBeTruthy();
    expect(within(open).getByRole('link', { name: 'Open pod core' }).getAttribute('href')).toBe('/pods/core');
    const resolved = screen.getByRole('region', { name: 'Recently resolved' });
    expect(within(resolved).getByText('Warning')).toBeTruthy();
    expect(within(resolved).getByRole('link', { name: 'Open Importer' }).getAttribute('href')).toBe(
      `/projects/${PROJECT}`,
    );

    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'gate.stuck' } });
    await waitFor(() =>
      expect(listAlerts).toHaveBeenLastCalledWith({ query: { kind: 'gate.stuck', limit: 50 } }),
    );
  });

  it('says when nothing matches', async () => {
    renderView(<Alerts />, {
      client: fakeClient({
        listAlerts: async () => ({ items: [], nextCursor: null }),
        listPods: async () => ({ items: [], nextCursor: null }),
      }),
      url: '/alerts?status=open',
    });
    expect(await screen.findByText('No alerts match.')).toBeTruthy();
  });
});
