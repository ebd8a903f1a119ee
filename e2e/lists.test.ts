import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, screenshot, settled, startE2e, WAIT } from './harness.ts';

const SCREENS = [
  { width: 1440, options: { viewport: { width: 1440, height: 900 } } },
  { width: 375, options: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true } },
] as const;

// Gates at a glance, the pod page's projects and PR queue, WIP holders by name, unset idea sliders
// (issue 14 §2 and §4), on the sample organisation.
describe.sequential('lists: gates at a glance, pod page, WIP, ideas', { timeout: 300_000 }, () => {
  let e: E2e;

  beforeAll(async () => {
    e = await startE2e({ demo: true });
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  const rowsOf = (page: Page) => page.getByRole('table', { name: /^Projects, / }).locator('tbody tr');

  it('shows each project’s gate, sorts and searches in the URL, and exports the rows as CSV', async () => {
    const page = await e.open(ADMIN_TOKEN, '/projects?closed=false');
    await settled(page);
    const rows = rowsOf(page);
    await expect.poll(() => rows.count(), { timeout: WAIT }).toBeGreaterThan(0);
    // Every open project has a gate status from /dashboard/gates.
    const gates = await rows.locator('td:nth-child(4)').allTextContents();
    for (const gate of gates) expect(gate).toMatch(/ready|unmet|awaiting \d+ approvals?|blocked|last stage/);

    await page.getByRole('button', { name: 'Days in stage' }).click();
    await page.getByRole('button', { name: 'Days in stage' }).click();
    await expect.poll(() => new URL(page.url()).search, { timeout: WAIT }).toContain('sort=days&dir=desc');
    const daysShown = async () => (await rows.locator('td:nth-child(5)').allTextContents()).map(Number);
    await expect
      .poll(
        async () => {
          const shown = await daysShown();
          return shown.every((d, i) => i === 0 || shown[i - 1]! >= d);
        },
        { timeout: WAIT },
      )
      .toBe(true);
    const days = await daysShown();

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('projects.csv');
    const csv = readFileSync((await file.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toBe('Project,Key,Pod,Stage,Gate,Days in stage,Status,Blocked reason');
    expect(csv).toHaveLength(days.length + 1);

    // A reload keeps the search and sort: they live in the URL.
    const first = (await rows.first().getByRole('link').first().textContent())!;
    await page.getByLabel('Search projects').fill(first.slice(0, 4));
    await page.reload();
    await settled(page);
    expect(await page.getByLabel('Search projects').inputValue()).toBe(first.slice(0, 4));
    await expect
      .poll(() => rows.first().getByRole('link').first().textContent())
      .toContain(first.slice(0, 4));
    await page.context().close();
  });

  it('lists the pod’s projects with their gates and its pull requests', async () => {
    const page = await e.open(ADMIN_TOKEN, '/pods/ratio');
    await settled(page);
    const projects = page.locator('section', {
      has: page.getByRole('heading', { name: 'Projects', exact: true }),
    });
    await expect.poll(() => projects.getByRole('row').count(), { timeout: WAIT }).toBeGreaterThan(1);
    expect(await page.getByRole('heading', { name: 'Pull requests' }).count()).toBe(1);
    await page.context().close();
  });

  it('names WIP holders and offers the queue, not a slot, on a full cell', async () => {
    const page = await e.open(ADMIN_TOKEN, '/wip?pod=ratio&type=project');
    await settled(page);
    const holders = page.locator('section', { has: page.getByRole('heading', { name: 'Holders' }) });
    await expect.poll(() => holders.getByRole('link').count(), { timeout: WAIT }).toBeGreaterThan(0);
    for (const name of await holders.getByRole('link').allTextContents())
      expect(name, 'a project holder is named, not shown as an id').not.toMatch(/^[0-9a-f]{8}/);
    const full = await page.getByText(/This cell is full/).count();
    expect(await page.getByRole('button', { name: 'Take a slot' }).count()).toBe(full ? 0 : 1);
    expect(await page.getByRole('button', { name: 'Join the queue' }).count()).toBe(full ? 1 : 0);
    await page.context().close();
  });

  it('starts an evaluation unset, with Submit disabled until every criterion is scored', async () => {
    const pending = await e.ok<{ items: { id: string; status: string }[] }>(
      'GET',
      '/api/v1/ideas?status=pending',
    );
    const idea = pending.items[0];
    expect(idea, 'the sample has a pending idea').toBeTruthy();
    // A fresh evaluator: the admin may have evaluated the sample ideas already.
    const evaluator = await e.user('developer', 'Eve Evaluator');
    const page = await e.open(evaluator.token, `/ideas/${idea!.id}`);
    await settled(page);
    const submit = page.getByRole('button', { name: 'Submit evaluation' });
    await expect.poll(() => submit.isDisabled(), { timeout: WAIT }).toBe(true);
    const sliders = page.getByRole('slider');
    const count = await sliders.count();
    expect(count).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      expect(await sliders.nth(i).getAttribute('aria-valuetext')).toBe('not scored');
      await sliders.nth(i).focus();
      await page.keyboard.press('ArrowRight');
      if (i < count - 1) expect(await submit.isDisabled()).toBe(true);
    }
    expect(await submit.isDisabled()).toBe(false);
    await page.context().close();
  });

  for (const theme of ['light', 'dark'] as const)
    for (const screen of SCREENS)
      it(`looks right at ${screen.width} px in ${theme} mode`, async () => {
        const page = await e.open(ADMIN_TOKEN, '/', { colorScheme: theme, ...screen.options });
        for (const [name, path] of [
          ['lists-projects', '/projects?closed=false&sort=gate'],
          ['lists-pod', '/pods/ratio'],
          ['lists-wip', '/wip?pod=ratio&type=pull-request'],
          ['lists-ideas', '/ideas?sort=score'],
        ] as const) {
          await page.goto(`${e.url}${path}`);
          await settled(page);
          expect(await page.getByRole('alert').count(), `${path} shows an error`).toBe(0);
          await screenshot(page, `${name}-${screen.width}-${theme}`);
        }
        await page.context().close();
      });
});
