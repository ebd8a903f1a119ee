import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, overflowing, screenshot, settled, startE2e, WAIT } from './harness.ts';

interface Listed<T> {
  items: T[];
}

const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true };

// The sample organisation (`--demo`) gives every view something to show, for a reviewer to look at.
describe.sequential('every view of the dashboard, with the sample organisation', { timeout: 120_000 }, () => {
  let e: E2e;
  /** [screenshot name, path] of every view, detail pages included. */
  let views: [name: string, path: string][];

  beforeAll(async () => {
    e = await startE2e({ demo: true });
    const projects = await e.ok<Listed<{ id: string; currentStage: string }>>(
      'GET',
      '/api/v1/projects?closed=false',
    );
    const ideas = await e.ok<Listed<{ id: string; evaluationCount: number }>>('GET', '/api/v1/ideas');
    const runs = await e.ok<Listed<{ id: string; status: string }>>('GET', '/api/v1/workflows/runs');
    // The most telling example of each: a project past its first gate, an evaluated idea, a finished run.
    const project = projects.items.find((p) => p.currentStage !== 'inception') ?? projects.items[0];
    const idea = ideas.items.find((i) => i.evaluationCount > 0) ?? ideas.items[0];
    const run =
      runs.items.find((r) => r.status === 'failed') ??
      runs.items.find((r) => r.status === 'succeeded') ??
      runs.items[0];
    expect(project && idea && run, 'the sample organisation has projects, ideas and runs').toBeTruthy();
    views = [
      ['overview', '/'],
      ['stage-gates', '/projects'],
      ['project', `/projects/${project!.id}`],
      // The sample's full cell, chosen: its holders are shown.
      ['wip', '/wip?pod=ratio&type=project'],
      ['ideas', '/ideas'],
      ['idea', `/ideas/${idea!.id}`],
      ['pods', '/pods'],
      ['pod', '/pods/ratio'],
      ['alerts', '/alerts'],
      ['runs', '/runs'],
      ['run', `/runs/${run!.id}`],
      ['audit', '/audit'],
    ];
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  it('shows each view and saves a screenshot of it (light mode)', async () => {
    const page = await e.open(ADMIN_TOKEN, '/', {
      colorScheme: 'light',
      viewport: { width: 1280, height: 900 },
    });
    for (const [name, path] of views) {
      await page.goto(`${e.url}${path}`);
      await settled(page);
      // A view that failed to load shows its error note: a screenshot of that would pass unnoticed.
      expect(await page.getByRole('alert').count(), `${name} (${path}) shows an error`).toBe(0);
      await screenshot(page, name);
    }
  });

  it('follows the dark colour scheme', async () => {
    const page = await e.open(ADMIN_TOKEN, '/', {
      colorScheme: 'dark',
      viewport: { width: 1280, height: 900 },
    });
    await settled(page);
    expect(await page.evaluate('document.documentElement.classList.contains("dark")')).toBe(true);
    await screenshot(page, 'overview-dark');
    await page.goto(`${e.url}/wip?pod=ratio&type=project`);
    await screenshot(page, 'wip-dark');
  });

  it('shows the same figures on a phone, with the navigation in a menu, and nothing wider than it', async () => {
    const overview = await e.ok<{ alerts: { open: number }; blockedProjects: number }>(
      'GET',
      '/api/v1/dashboard/overview',
    );
    const page = await e.open(ADMIN_TOKEN, '/', PHONE);
    await settled(page);
    const figure = (label: string) => page.getByRole('link').filter({ hasText: label }).first();
    await expect
      .poll(() => figure('Open alerts').textContent(), { timeout: WAIT })
      .toContain(String(overview.alerts.open));
    expect(await figure('Blocked projects').textContent()).toContain(String(overview.blockedProjects));
    // The wide screen's navigation bar is hidden: the menu button opens it.
    expect(await page.getByRole('link', { name: 'Ideas', exact: true }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    const nav = page.locator('#mobile-nav');
    await nav.getByRole('link', { name: 'Ideas' }).waitFor({ timeout: WAIT });
    await screenshot(page, 'phone-menu');
    await nav.getByRole('link', { name: 'Ideas' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ideas' }).waitFor({ timeout: WAIT });
    const pending = await e.ok<Listed<{ title: string }>>('GET', '/api/v1/ideas?status=pending');
    await page.getByRole('link', { name: pending.items[0]!.title }).waitFor({ timeout: WAIT });

    // Every view fits the screen: wide tables scroll inside their own wrappers.
    for (const [name, path] of views) {
      await page.goto(`${e.url}${path}`);
      await screenshot(page, `phone-${name}`);
      expect(await overflowing(page, 375), `${path} is wider than a phone`).toEqual([]);
    }
  });
});
