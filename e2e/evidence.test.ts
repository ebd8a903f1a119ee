import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, overflowing, screenshot, startE2e, WAIT } from './harness.ts';

const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1440, height: 900 } };

/** The evidence form's field error shown beside `label`'s input (its `aria-describedby` error). */
async function fieldError(page: Page, label: RegExp): Promise<string | null> {
  const input = page.getByLabel(label);
  const ids = ((await input.getAttribute('aria-describedby')) ?? '')
    .split(' ')
    .filter((x) => x.endsWith('-error'));
  if (ids.length === 0) return null;
  return page.locator(`[id="${ids[0]}"]`).textContent();
}

/** The serious and critical axe-core violations (WCAG 2.x A/AA and best practices), one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} at ${n.target.join(' ')}: ${n.failureSummary ?? v.help}`));
}

// A real server process and chromium: generous budgets, as two cores also run the other suites.
describe.sequential('the evidence form in a browser', { timeout: 120_000 }, () => {
  let e: E2e;
  let path = '';
  beforeAll(async () => {
    e = await startE2e();
    await e.ok('POST', '/api/v1/pods', { slug: 'forms', name: 'Forms', timezone: 'Europe/London' });
    const project = await e.ok<{ id: string }>('POST', '/api/v1/projects', {
      name: 'Offline sync',
      pod: 'forms',
    });
    path = `/projects/${project.id}`;
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  it('fills the gate’s form, shows a field error in words, fixes it, submits, and can then advance', async () => {
    const lead = await e.user('pod-lead', 'Lena Lead', ['forms']);
    const page = await e.open(ADMIN_TOKEN, path, DESKTOP);
    await page.getByRole('heading', { name: 'Evidence for discovery' }).waitFor({ timeout: WAIT });
    const advance = page.getByRole('button', { name: 'Advance to discovery' });
    await advance.waitFor({ timeout: WAIT });
    expect(await advance.isDisabled()).toBe(true);
    expect(await page.getByText('Advance is possible once the gate is met').textContent()).toMatch(
      /criteria unmet/,
    );

    // The schema's descriptions are the help; the required marks and the email input come from it too.
    await page.getByText('The problem, who has it and why it matters now.').waitFor({ timeout: WAIT });
    const statement = page.getByLabel(/Problem statement/);
    expect(await statement.getAttribute('aria-required')).toBe('true');
    expect(await page.getByLabel(/^Owner/).getAttribute('type')).toBe('email');

    await statement.fill('Too short');
    await page.getByLabel(/^Owner/).fill('not-an-email');
    await page.getByLabel(/^Owner/).blur();
    await expect
      .poll(() => fieldError(page, /Problem statement/), { timeout: WAIT })
      .toContain('needs at least 10 characters');
    expect(await fieldError(page, /^Owner/)).toContain('must be an email address');
    await page.getByRole('button', { name: 'Submit evidence' }).click();
    await page.getByRole('alert').filter({ hasText: '2 fields need attention' }).waitFor({ timeout: WAIT });
    expect(await page.locator('main').textContent()).not.toMatch(/must NOT|body\.evidence/);
    await screenshot(page, 'project-evidence-errors');
    // The errors are readable and tied to their inputs for everyone, not only drawn in red.
    expect(await seriousViolations(page)).toEqual([]);

    await statement.fill('Field engineers lose their work when the signal drops.');
    await page.getByLabel(/^Owner/).fill(lead.email);
    await expect.poll(() => fieldError(page, /Problem statement/), { timeout: WAIT }).toBeNull();
    await page.getByRole('button', { name: 'Submit evidence' }).click();
    await page.getByRole('status').filter({ hasText: 'Evidence submitted' }).waitFor({ timeout: WAIT });
    // Only the approval is missing now, and Advance still waits for it.
    const unmet = page.getByRole('list', { name: 'Gate criteria' }).locator('li[data-met="false"]');
    await expect.poll(() => unmet.count(), { timeout: WAIT }).toBe(1);
    expect(await advance.isDisabled()).toBe(true);
    // The timeline says the submission satisfies the gate.
    await page
      .getByRole('list', { name: 'Timeline, newest first' })
      .getByText('✓ Valid')
      .waitFor({ timeout: WAIT });

    // A pod lead approves; the open page learns of it and offers Advance.
    await e.ok(
      'POST',
      `/api/v1/projects${path.slice('/projects'.length)}/approvals`,
      { decision: 'approve' },
      lead.token,
    );
    await page.getByText('Ready to advance').waitFor({ timeout: WAIT });
    await expect.poll(() => advance.isDisabled(), { timeout: WAIT }).toBe(false);
    await screenshot(page, 'project-advance-ready');
  });

  it('keeps what was typed when switching to the JSON tab and back', async () => {
    const page = await e.open(ADMIN_TOKEN, path, DESKTOP);
    const statement = page.getByLabel(/Problem statement/);
    await statement.waitFor({ timeout: WAIT });
    await statement.fill('A statement typed in the form.');
    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = page.getByLabel('Evidence (JSON)');
    expect(JSON.parse(await json.inputValue())).toMatchObject({
      problemStatement: 'A statement typed in the form.',
    });
    await page.getByRole('tab', { name: 'Form' }).click();
    expect(await page.getByLabel(/Problem statement/).inputValue()).toBe('A statement typed in the form.');
  });

  it('groups the other actions in a menu and confirms closing', async () => {
    const page = await e.open(ADMIN_TOKEN, path, DESKTOP);
    await page.getByRole('button', { name: /More actions/ }).click();
    await page.getByRole('menuitem', { name: 'Close project…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Close Offline sync?' });
    await dialog.waitFor({ timeout: WAIT });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: WAIT });
    expect((await e.ok<{ closedAt: string | null }>('GET', `/api/v1${path}`)).closedAt).toBeNull();
  });

  it('screenshots the project page at 1440 and 375 px, light and dark', async () => {
    for (const [name, size] of [
      ['1440', DESKTOP],
      ['375', PHONE],
    ] as const)
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await e.open(ADMIN_TOKEN, path, { ...size, colorScheme });
        await page.getByRole('heading', { name: 'Evidence for discovery' }).waitFor({ timeout: WAIT });
        if (name === '375') expect(await overflowing(page, 375)).toEqual([]);
        await screenshot(page, `project-${name}-${colorScheme}`);
        expect(await seriousViolations(page)).toEqual([]);
        await page.context().close();
      }
  });
});
