import { AxeBuilder } from '@axe-core/playwright';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, overflowing, screenshot, settled, startE2e, WAIT } from './harness.ts';

interface Listed<T> {
  items: T[];
}

/** The widths every view is looked at: a laptop and a phone. */
const SCREENS = [
  { name: 'desktop', options: { viewport: { width: 1440, height: 900 } } },
  { name: 'phone', options: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true } },
] as const satisfies readonly { name: string; options: BrowserContextOptions }[];
const THEMES = ['light', 'dark'] as const;

/**
 * Collects what the page reports as an error: console errors (a failed request included: Chromium
 * logs every 4xx/5xx answer as one) and uncaught exceptions. A normal page has none.
 */
function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return errors;
}

/**
 * Waits until every chart on the page has drawn: the chart library loads when the first chart
 * mounts, after the view's figures, and a screenshot taken before would show empty frames.
 */
async function chartsDrawn(page: Page): Promise<void> {
  // A string evaluated through the debugger protocol: the page's Content-Security-Policy refuses the
  // `new Function` that `waitForFunction` would use, and the Node project does not load DOM types.
  const drawn = `[...document.querySelectorAll('main div[role="img"][aria-label]')].every((c) => c.querySelector('canvas'))`;
  await expect.poll(() => page.evaluate(drawn), { timeout: WAIT, interval: 100 }).toBe(true);
}

/** The WCAG 2.x A and AA rules (contrast 4.5:1 among them) and axe's best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** The serious and critical violations on the page, one line per element, for a readable failure. */
/**
 * Axe's serious and critical findings on the page. `colourOnly` runs just the rules a colour scheme
 * can change (contrast, links told apart by colour): the dark theme swaps colours, not structure,
 * names or ARIA, which the light-mode scan of the same views covers — and a full scan of every view
 * costs over half a minute of CPU.
 */
async function seriousViolations(page: Page, options: { colourOnly?: boolean } = {}): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  const { violations } = await (options.colourOnly
    ? builder.withRules(['color-contrast', 'link-in-text-block'])
    : builder.withTags(TAGS)
  ).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary ?? v.help}`),
    );
}

// The sample organisation (`--demo`) gives every view something to show, for a reviewer to look at.
describe.sequential('every view of the dashboard, with the sample organisation', { timeout: 300_000 }, () => {
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
      ['access', '/access'],
      ['compliance', '/compliance'],
      ['scorecard', '/scorecard'],
      ['webhooks', '/webhooks'],
      ['integrations', '/integrations'],
      ['not-found', '/no/such/page'],
    ];
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  for (const theme of THEMES)
    for (const screen of SCREENS)
      it(`shows every view at ${screen.options.viewport.width} px in ${theme} mode, without a console error`, async () => {
        const page = await e.open(ADMIN_TOKEN, '/', { colorScheme: theme, ...screen.options });
        const errors = consoleErrors(page);
        expect(await page.evaluate('document.documentElement.classList.contains("dark")')).toBe(
          theme === 'dark',
        );
        for (const [name, path] of views) {
          await page.goto(`${e.url}${path}`);
          await settled(page);
          // A view that failed to load shows its error note: a screenshot of that would pass unnoticed.
          expect(await page.getByRole('alert').count(), `${name} (${path}) shows an error`).toBe(0);
          await chartsDrawn(page);
          await screenshot(page, `${name}-${screen.options.viewport.width}-${theme}`);
          // Nothing wider than a phone: tables are stacked cards there, not strips scrolled sideways.
          if (screen.name === 'phone')
            expect(await overflowing(page, 375), `${path} is wider than a phone`).toEqual([]);
        }
        expect(errors).toEqual([]);
      });

  it('shows an unknown address as a page of its own, and a bad id as not found at once', async () => {
    const page = await e.open(ADMIN_TOKEN, '/');
    const errors = consoleErrors(page);
    await page.goto(`${e.url}/no/such/page`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor({ timeout: WAIT });
    expect(page.url()).toBe(`${e.url}/no/such/page`);
    await page.getByRole('link', { name: 'Go to the overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: WAIT });

    // A 404 is the same on every try: one request, and the message, with no retries in between.
    let asked = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/projects/00000000-0000-4000-8000-00000000dead') asked++;
    });
    await page.goto(`${e.url}/projects/00000000-0000-4000-8000-00000000dead`);
    await page.getByRole('alert').waitFor({ timeout: WAIT });
    expect(await page.getByRole('alert').textContent()).toMatch(/does not exist|not found/i);
    expect(asked).toBe(1);
    // The expected 404 is the only console error: the one the browser logs for the failed request.
    expect(errors.filter((m) => !/status of 404/.test(m))).toEqual([]);
  });

  it('opens the navigation from the menu on a phone', async () => {
    const page = await e.open(ADMIN_TOKEN, '/', SCREENS[1].options);
    await settled(page);
    // The wide screen's navigation bar is hidden: the menu button opens it.
    expect(await page.getByRole('link', { name: 'Ideas', exact: true }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    const nav = page.locator('#mobile-nav');
    await nav.getByRole('link', { name: 'Ideas' }).waitFor({ timeout: WAIT });
    await screenshot(page, 'phone-menu');
    await nav.getByRole('link', { name: 'Ideas' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ideas' }).waitFor({ timeout: WAIT });
    const pending = await e.ok<Listed<{ title: string }>>('GET', '/api/v1/ideas?status=pending');
    await page.getByRole('link', { name: pending.items[0]!.title }).first().waitFor({ timeout: WAIT });
  });

  // Accessibility in the same file: one sample organisation and one browser for both looks at every view.
  for (const theme of ['light', 'dark'] as const)
    it(`has no serious or critical accessibility violation (axe-core) on any view in ${theme} mode${theme === 'dark' ? ' (the colour rules)' : ''}`, async () => {
      const page = await e.open(ADMIN_TOKEN, '/', {
        colorScheme: theme,
        viewport: { width: 1440, height: 900 },
      });
      const found: string[] = [];
      for (const [name, path] of views) {
        await page.goto(`${e.url}${path}`);
        await settled(page);
        for (const line of await seriousViolations(page, { colourOnly: theme === 'dark' }))
          found.push(`${name}: ${line}`);
      }
      expect(found).toEqual([]);
    });

  it('has no serious or critical accessibility violation on a phone, where tables are cards', async () => {
    const page = await e.open(ADMIN_TOKEN, '/', {
      colorScheme: 'dark',
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    });
    const found: string[] = [];
    for (const [name, path] of views.filter(([n]) =>
      ['overview', 'stage-gates', 'pods', 'runs'].includes(n),
    )) {
      await page.goto(`${e.url}${path}`);
      await settled(page);
      for (const line of await seriousViolations(page)) found.push(`${name}: ${line}`);
    }
    expect(found).toEqual([]);
  });
});
