import type { BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, screenshot, settled, startE2e, WAIT } from './harness.ts';

interface AlertJson {
  id: string;
  kind: string;
  podId: string | null;
  message: string;
  acknowledged: { byLabel: string } | null;
  snooze: { until: string; byLabel: string } | null;
}

const SCREENS = [
  { viewport: { width: 1440, height: 900 } },
  { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true },
] as const satisfies readonly BrowserContextOptions[];
const THEMES = ['light', 'dark'] as const;
const HOOK = 'https://hooks.example.invalid/clos';

/** Polls until `find` returns something: alerts open in a background job after the change. */
async function eventually<T>(find: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.sequential('alerts, webhooks and integrations in Chromium', { timeout: 300_000 }, () => {
  let e: E2e;
  let podId: string;

  beforeAll(async () => {
    e = await startE2e({ demo: true });
    podId = (await e.ok<{ id: string }>('GET', '/api/v1/pods/ratio')).id;
    // Receives every event; the host does not exist (.invalid), so each delivery is logged as failed.
    await e.ok('POST', '/api/v1/webhooks', {
      url: HOOK,
      events: ['*'],
      secret: 'an-e2e-webhook-secret',
      description: 'Release notes bot',
    });
    // Health below the threshold: the alert the lead acknowledges.
    await e.ok('POST', '/api/v1/pods/ratio/health', { metrics: { velocity: 0.4 } });
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  const healthAlert = () =>
    eventually(async () => {
      const list = await e.ok<{ items: AlertJson[] }>(
        'GET',
        '/api/v1/alerts?status=open&kind=pod.health_low',
      );
      return list.items.find((a) => a.podId === podId);
    });

  it('a pod lead acknowledges an alert and sees who did; then snoozes it', async () => {
    const alert = await healthAlert();
    const lead = await e.user('pod-lead', 'Lena Lead', ['ratio']);
    const page = await e.open(lead.token, '/alerts');
    await settled(page);
    const item = page.locator('li', { hasText: alert.message });
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    await item.getByText(`Acknowledged by ${lead.email}`).waitFor({ timeout: WAIT });
    expect(await item.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    const listed = await e.ok<{ items: AlertJson[] }>(
      'GET',
      '/api/v1/alerts?status=open&kind=pod.health_low',
    );
    expect(listed.items.find((a) => a.id === alert.id)?.acknowledged?.byLabel).toBe(lead.email);
    const audit = await e.ok<{ items: { action: string; actorLabel: string }[] }>(
      'GET',
      `/api/v1/audit?subjectType=alert&subjectId=${alert.id}`,
    );
    expect(audit.items).toMatchObject([{ action: 'alert.acknowledged', actorLabel: lead.email }]);

    // Snoozed for an hour: it moves to its own group, with who and until when.
    await item.getByLabel('Snooze for').selectOption('1h');
    await item.getByRole('button', { name: 'Snooze' }).click();
    const snoozed = page.getByRole('region', { name: /^Snoozed/ });
    await snoozed.getByText(`Snoozed by ${lead.email} until`).waitFor({ timeout: WAIT });
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.context().close();
  });

  for (const theme of THEMES)
    for (const screen of SCREENS)
      it(`screenshots of alerts, webhooks and integrations at ${screen.viewport.width} px, ${theme}`, async () => {
        const page = await e.open(ADMIN_TOKEN, '/alerts', { colorScheme: theme, ...screen });
        const name = (view: string) => `${view}-${screen.viewport.width}-${theme}`;
        await screenshot(page, name('alerts-acknowledged'));

        await page.goto(`${e.url}/webhooks`);
        await settled(page);
        await page.getByRole('button', { name: `Deliveries to ${HOOK}` }).click();
        await page
          .getByRole('region', { name: /^Deliveries to/ })
          .locator('tbody tr')
          .first()
          .waitFor({ timeout: WAIT });
        await screenshot(page, name('webhooks-deliveries'));

        await page.goto(`${e.url}/integrations`);
        await settled(page);
        await page.getByRole('heading', { name: 'Slack' }).waitFor({ timeout: WAIT });
        await screenshot(page, name('integrations-status'));
        expect(await page.getByRole('alert').count()).toBe(0);
        await page.context().close();
      });
});
