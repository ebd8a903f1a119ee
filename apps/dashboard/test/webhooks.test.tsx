// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  parseEvents,
  type Webhook,
  type WebhookDelivery,
  webhookBody,
  webhookFormProblems,
} from '../src/lib/webhooks.ts';
import { Webhooks } from '../src/views/webhooks.tsx';
import { fakeClient, renderView } from './render.tsx';

afterEach(cleanup);

const WEBHOOK: Webhook = {
  id: '00000000-0000-4000-8000-0000000000a1',
  url: 'https://hooks.example.com/clos',
  events: ['stage.advanced', 'alert.opened'],
  description: 'Release notes bot',
  active: true,
  secretHint: '…f00d',
  createdBy: null,
  createdAt: '2026-03-01T09:00:00.000Z',
  disabledAt: null,
};

const delivery = (over: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  id: '00000000-0000-4000-8000-0000000000d1',
  webhookId: WEBHOOK.id,
  eventId: '00000000-0000-4000-8000-0000000000e1',
  eventType: 'stage.advanced',
  attempt: 1,
  status: 'succeeded',
  statusCode: 200,
  error: null,
  durationMs: 42,
  attemptedAt: '2026-03-02T09:00:00.000Z',
  ...over,
});

describe('webhook form', () => {
  it('reads event lists, empty meaning every type', () => {
    expect(parseEvents('stage.advanced, alert.opened  alert.opened')).toEqual([
      'stage.advanced',
      'alert.opened',
    ]);
    expect(parseEvents('  ')).toEqual(['*']);
  });

  it('names what is wrong before sending', () => {
    expect(webhookFormProblems({ url: 'ftp://x', events: '', secret: 'short', description: '' })).toEqual({
      url: expect.stringContaining('http(s)'),
      secret: 'needs 16 to 256 characters',
    });
    const ok = { url: ' https://x.example/h ', events: '', secret: 's'.repeat(16), description: ' ' };
    expect(webhookFormProblems(ok)).toEqual({});
    expect(webhookBody(ok)).toEqual({ url: 'https://x.example/h', events: ['*'], secret: 's'.repeat(16) });
  });
});

describe('Webhooks view', () => {
  it('lists webhooks and, on request, their deliveries with status and attempts', async () => {
    const listWebhookDeliveries = vi.fn(async () => ({
      items: [
        delivery({
          id: '00000000-0000-4000-8000-0000000000d2',
          attempt: 2,
          status: 'failed',
          statusCode: 503,
        }),
        delivery(),
      ],
      nextCursor: null,
    }));
    renderView(<Webhooks />, {
      client: fakeClient({
        listWebhooks: async () => ({ items: [WEBHOOK], nextCursor: null }),
        listWebhookDeliveries,
      }),
      url: '/webhooks',
    });
    expect(await screen.findByText('https://hooks.example.com/clos')).toBeTruthy();
    expect(screen.getByText('secret …f00d')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: `Deliveries to ${WEBHOOK.url}` }));
    const section = await screen.findByRole('region', { name: `Deliveries to ${WEBHOOK.url}` });
    expect(await within(section).findByText('Failed (will retry)')).toBeTruthy();
    expect(within(section).getByText('Delivered')).toBeTruthy();
    expect(within(section).getByText(/HTTP 503/)).toBeTruthy();
    expect(listWebhookDeliveries).toHaveBeenCalledWith({ params: { id: WEBHOOK.id }, query: { limit: 50 } });
  });

  it('registers a webhook once the form is right', async () => {
    const createWebhook = vi.fn(async () => WEBHOOK);
    renderView(<Webhooks />, {
      client: fakeClient({ listWebhooks: async () => ({ items: [], nextCursor: null }), createWebhook }),
      url: '/webhooks',
    });
    await screen.findByText(/No webhooks registered/);
    fireEvent.change(screen.getByLabelText('URL'), { target: { value: 'https://hooks.example.com/clos' } });
    fireEvent.change(screen.getByLabelText('Secret'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByText('needs 16 to 256 characters')).toBeTruthy();
    expect(createWebhook).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Secret'), { target: { value: 'a-long-enough-secret' } });
    fireEvent.change(screen.getByLabelText('Events'), { target: { value: 'stage.advanced' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() =>
      expect(createWebhook).toHaveBeenCalledWith({
        body: {
          url: 'https://hooks.example.com/clos',
          events: ['stage.advanced'],
          secret: 'a-long-enough-secret',
        },
      }),
    );
  });

  it('disables a webhook only after confirming', async () => {
    const disableWebhook = vi.fn(async () => ({ ...WEBHOOK, active: false }));
    renderView(<Webhooks />, {
      client: fakeClient({
        listWebhooks: async () => ({ items: [WEBHOOK], nextCursor: null }),
        disableWebhook,
      }),
      url: '/webhooks',
    });
    fireEvent.click(await screen.findByRole('button', { name: `Disable ${WEBHOOK.url}` }));
    const dialog = await screen.findByRole('dialog', { name: 'Disable this webhook?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(disableWebhook).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: `Disable ${WEBHOOK.url}` }));
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Disable this webhook?' })).getByRole('button', {
        name: 'Disable',
      }),
    );
    await waitFor(() => expect(disableWebhook).toHaveBeenCalledWith({ params: { id: WEBHOOK.id } }));
  });
});
