// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type Alert,
  alertFiltersFromSearch,
  alertQuery,
  alertSubjectLink,
  isSnoozed,
  snoozeUntil,
  splitAlerts,
} from '../src/lib/alerts.ts';
import { Alerts } from '../src/views/alerts.tsx';
import { fakeClient, fakeMe, renderView } from './render.tsx';

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
    acknowledged: null,
    snooze: null,
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

describe('snoozing', () => {
  const NOW = new Date('2026-03-10T12:00:00.000Z');

  it('turns a choice into the end of the snooze', () => {
    expect(snoozeUntil('1h', NOW)).toBe('2026-03-10T13:00:00.000Z');
    expect(snoozeUntil('1d', NOW)).toBe('2026-03-11T12:00:00.000Z');
    expect(snoozeUntil('1w', NOW)).toBe('2026-03-17T12:00:00.000Z');
    // A day: its start in local time; none, a bad one or one not ahead gives nothing to send.
    expect(snoozeUntil('date', NOW, '2026-03-20')).toBe(new Date(2026, 2, 20).toISOString());
    expect(snoozeUntil('date', NOW)).toBeNull();
    expect(snoozeUntil('date', NOW, '20/03/2026')).toBeNull();
    expect(snoozeUntil('date', NOW, '2026-03-01')).toBeNull();
  });

  it('puts alerts snoozed now in their own group; an ended snooze counts as open', () => {
    const by = { at: '2026-03-10T11:00:00.000Z', by: null, byLabel: 'ada@example.com' };
    const snoozed = alert({ id: 's', snooze: { ...by, until: '2026-03-10T13:00:00.000Z' } });
    const ended = alert({ id: 'e', snooze: { ...by, until: '2026-03-10T11:30:00.000Z' } });
    expect(isSnoozed(snoozed, NOW)).toBe(true);
    expect(isSnoozed(ended, NOW)).toBe(false);
    const groups = splitAlerts([snoozed, ended, alert({ id: 'r', status: 'resolved' })], NOW);
    expect(groups.open.map((a) => a.id)).toEqual(['e']);
    expect(groups.snoozed.map((a) => a.id)).toEqual(['s']);
    expect(groups.resolved.map((a) => a.id)).toEqual(['r']);
  });
});

describe('Alerts view', () => {
  const pods = async () => ({
    items: [{ id: POD, slug: 'core', name: 'Core', timezone: 'UTC', createdAt: '2026-01-01T00:00:00.000Z' }],
    nextCursor: null,
  });

  it('acknowledges an alert and shows who did; snoozes one for a chosen time', async () => {
    let current = alert();
    const acknowledgeAlert = vi.fn(async () => {
      current = {
        ...current,
        acknowledged: { at: '2026-03-10T09:30:00.000Z', by: null, byLabel: 'ada@example.com' },
      };
      return current;
    });
    const snoozeAlert = vi.fn(async (input: { body: { until: string } }) => {
      current = {
        ...current,
        snooze: {
          until: input.body.until,
          at: '2026-03-10T09:31:00.000Z',
          by: null,
          byLabel: 'ada@example.com',
        },
      };
      return current;
    });
    renderView(<Alerts />, {
      client: fakeClient({
        listAlerts: async () => ({ items: [current], nextCursor: null }),
        listPods: pods,
        acknowledgeAlert,
        snoozeAlert,
      }),
      url: '/alerts',
    });
    const open = await screen.findByRole('region', { name: 'Open (1)' });
    fireEvent.click(within(open).getByRole('button', { name: 'Acknowledge' }));
    expect(await screen.findByText(/Acknowledged by ada@example.com/)).toBeTruthy();
    expect(acknowledgeAlert).toHaveBeenCalledWith({ params: { id: current.id } });
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();

    fireEvent.change(screen.getByLabelText('Snooze for'), { target: { value: '1d' } });
    const before = Date.now();
    fireEvent.click(screen.getByRole('button', { name: 'Snooze' }));
    const snoozed = await screen.findByRole('region', { name: 'Snoozed (1)' });
    expect(within(snoozed).getByText(/Snoozed by ada@example.com until/)).toBeTruthy();
    const sent = new Date(snoozeAlert.mock.calls[0]![0].body.until).getTime();
    expect(sent - before).toBeGreaterThanOrEqual(24 * 3_600_000 - 1000);
    expect(sent - before).toBeLessThanOrEqual(24 * 3_600_000 + 1000);
    expect(screen.getByRole('region', { name: 'Open (0)' })).toBeTruthy();
  });

  it('asks for a day before snoozing until a date', async () => {
    renderView(<Alerts />, {
      client: fakeClient({
        listAlerts: async () => ({ items: [alert()], nextCursor: null }),
        listPods: pods,
      }),
      url: '/alerts',
    });
    fireEvent.change(await screen.findByLabelText('Snooze for'), { target: { value: 'date' } });
    const snooze = screen.getByRole('button', { name: 'Snooze' }) as HTMLButtonElement;
    expect(snooze.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Until'), { target: { value: '2999-01-01' } });
    expect(snooze.disabled).toBe(false);
  });

  it('offers no actions to a reader, nor on a resolved alert', async () => {
    renderView(<Alerts />, {
      client: fakeClient({
        listAlerts: async () => ({
          items: [alert(), alert({ id: '00000000-0000-4000-8000-0000000000f9', status: 'resolved' })],
          nextCursor: null,
        }),
        listPods: pods,
      }),
      me: fakeMe({ role: 'viewer', permissions: ['read'] }),
      url: '/alerts',
    });
    await screen.findByRole('region', { name: 'Open (1)' });
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Snooze' })).toBeNull();
  });

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
