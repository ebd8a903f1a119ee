import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, screenshot, startE2e, WAIT } from './harness.ts';

/** Moves every score slider of the evaluation form to its top (5) with the keyboard, as a user would. */
async function scoreAllTop(page: Page): Promise<void> {
  const sliders = page.getByRole('slider');
  await sliders.first().waitFor({ timeout: WAIT });
  for (const slider of await sliders.all()) {
    await slider.focus();
    await slider.press('End');
  }
}

/** The text of the project page's field `label` (Pod, Stage, Status…). */
const field = (page: Page, label: string) => page.locator(`dt:text-is("${label}") + dd`);

// A real server process and chromium: minutes of budget for what normally takes seconds, because two
// cores also run the other suites meanwhile. Nothing waits for a fixed time, only for conditions.
describe.sequential('the dashboard in a browser', { timeout: 120_000 }, () => {
  let e: E2e;
  beforeAll(async () => {
    e = await startE2e();
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  it('signs in with a token, and shows the server’s refusal of a wrong one', async () => {
    const page = await (await e.context(null)).newPage();
    await page.goto(e.url);
    await page.getByRole('heading', { name: 'Sign in to CLOS' }).waitFor({ timeout: WAIT });
    await screenshot(page, 'sign-in');

    await page.getByLabel('API token').fill('clos_not-a-real-token-0000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor({ timeout: WAIT });
    expect(await refusal.textContent()).toContain('the API token is unknown, revoked or expired');
    await screenshot(page, 'sign-in-refused');

    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: WAIT });
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: WAIT });
    // The session survives a reload of the tab (the token is in its session storage)…
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor({ timeout: WAIT });
    // …and signing out returns to the sign-in form.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to CLOS' }).waitFor({ timeout: WAIT });
  });

  it('submits an idea, has two people evaluate it, promotes it and finds its project in the funnel', async () => {
    await e.ok('POST', '/api/v1/pods', { slug: 'orbit', name: 'Orbit', timezone: 'Europe/London' });
    const second = await e.user('developer', 'Eve Evaluator');
    const title = 'Offline mode for field engineers';

    // The admin submits it through the form and lands on the idea's page.
    const admin = await e.open(ADMIN_TOKEN, '/ideas');
    await admin.getByLabel('Title').fill(title);
    await admin.getByLabel('Description').fill('Engineers lose signal on site; let them keep working.');
    await admin.getByRole('button', { name: 'Submit idea' }).click();
    await admin.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: WAIT });
    const ideaUrl = admin.url();

    // First evaluation: the weighted score follows the sliders before anything is sent.
    await scoreAllTop(admin);
    await expect.poll(() => admin.getByTestId('live-score').textContent(), { timeout: WAIT }).toBe('5.00');
    await admin.getByRole('button', { name: 'Submit evaluation' }).click();
    await admin.getByText('Evaluation saved').waitFor({ timeout: WAIT });
    await admin.getByText('Not yet ready to promote').waitFor({ timeout: WAIT });

    // Second evaluation, by another user in another browser.
    const other = await (await e.context(second.token)).newPage();
    await other.goto(ideaUrl);
    await other.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: WAIT });
    // A developer may evaluate but not promote or archive.
    expect(await other.getByRole('button', { name: 'Promote' }).count()).toBe(0);
    await scoreAllTop(other);
    await other.getByRole('slider').first().press('ArrowLeft');
    await other.getByRole('button', { name: 'Submit evaluation' }).click();
    await other.getByText('Evaluation saved').waitFor({ timeout: WAIT });
    await screenshot(other, 'idea-evaluated');

    // The admin's open page learns of it from the stream: now it qualifies.
    await admin.getByText('Ready to promote.').waitFor({ timeout: WAIT });
    await admin.getByLabel('Pod', { exact: true }).selectOption('orbit');
    await admin.getByRole('button', { name: 'Promote' }).click();
    await admin.getByRole('link', { name: 'its project' }).click();
    await admin.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: WAIT });
    await expect.poll(() => field(admin, 'Stage').textContent(), { timeout: WAIT }).toContain('inception');

    // The funnel counts it in the first stage, and the list shows it.
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Stage gates' }).click();
    await admin.getByRole('heading', { level: 1, name: 'Stage gates' }).waitFor({ timeout: WAIT });
    const funnel = admin.getByRole('table', { name: /Projects per stage/ });
    const inception = funnel.getByRole('row', { name: /inception/ });
    await expect.poll(() => inception.getByRole('cell').first().textContent(), { timeout: WAIT }).toBe('1');
    await admin.getByRole('link', { name: title }).waitFor({ timeout: WAIT });
    await screenshot(admin, 'flow-funnel-after-promotion');
  });

  it('submits evidence, has a pod lead approve, and advances the project through its gate', async () => {
    await e.ok('POST', '/api/v1/pods', { slug: 'gates', name: 'Gates', timezone: 'Europe/London' });
    const project = await e.ok<{ id: string }>('POST', '/api/v1/projects', {
      name: 'Gatekeeper',
      pod: 'gates',
    });
    const dev = await e.user('developer', 'Dana Developer', ['gates']);
    const lead = await e.user('pod-lead', 'Lee Lead', ['gates']);
    const path = `/projects/${project.id}`;

    const work = await e.open(dev.token, path);
    await work.getByRole('heading', { name: 'Next gate: inception → discovery' }).waitFor({ timeout: WAIT });
    expect(await work.getByRole('button', { name: 'Approve' }).count()).toBe(0);

    // Before the gate is met Advance is disabled, and says why.
    const advance = work.getByRole('button', { name: 'Advance to discovery' });
    await advance.waitFor({ timeout: WAIT });
    expect(await advance.isDisabled()).toBe(true);

    // Evidence the gate's schema does not accept is kept, and the gate says what is still missing
    // (typed in the JSON tab, as a power user would; the form refuses it before sending).
    await work.getByRole('tab', { name: 'JSON' }).click();
    const evidence = work.getByLabel('Evidence (JSON)');
    await evidence.fill(JSON.stringify({ problemStatement: 'short', owner: 'not-an-email' }));
    await work.getByRole('button', { name: 'Submit evidence' }).click();
    await work
      .getByText('the gate still finds problems, shown beside their fields.')
      .waitFor({ timeout: WAIT });
    const criteria = work.getByRole('list', { name: 'Gate criteria' });
    await criteria.locator('li[data-met="false"]').first().waitFor({ timeout: WAIT });
    await work.getByRole('tab', { name: 'JSON' }).click();
    await evidence.fill(
      JSON.stringify({ problemStatement: 'Field engineers lose work when offline.', owner: dev.email }),
    );
    await work.getByRole('button', { name: 'Submit evidence' }).click();
    // Only the approval is missing now.
    const unmet = criteria.locator('li[data-met="false"]');
    await expect.poll(() => unmet.count(), { timeout: WAIT }).toBe(1);
    expect(await unmet.textContent()).toMatch(/approv/i);

    // The pod lead approves in another browser.
    const approve = await e.open(lead.token, path);
    await approve.getByRole('button', { name: 'Approve' }).click();
    await approve.getByRole('status').filter({ hasText: 'Approved.' }).waitFor({ timeout: WAIT });

    // The developer's open page shows the gate met (through the stream) and advances.
    await work.getByText('Ready to advance').waitFor({ timeout: WAIT });
    await screenshot(work, 'flow-gate-ready');
    await advance.click();
    await expect.poll(() => field(work, 'Stage').textContent(), { timeout: WAIT }).toContain('discovery');
    await work.getByRole('heading', { name: 'Next gate: discovery → build' }).waitFor({ timeout: WAIT });
    // The lead's page follows without a reload.
    await expect.poll(() => field(approve, 'Stage').textContent(), { timeout: WAIT }).toContain('discovery');
    await screenshot(work, 'flow-gate-advanced');
  });

  it('explains a full WIP cell: the refusal names the limit and who holds the slots', async () => {
    await e.ok('POST', '/api/v1/pods', { slug: 'tight', name: 'Tight', timezone: 'Europe/London' });
    await e.ok('PUT', '/api/v1/pods/tight/wip-limits/pull-request', { limit: 2 });
    const holder = await e.user('developer', 'Holly Holder', ['tight']);
    for (const itemId of ['web#1', 'web#2'])
      await e.ok('POST', '/api/v1/pods/tight/wip/pull-request/locks', { itemId }, holder.token);

    const page = await e.open(ADMIN_TOKEN, '/wip');
    await page.getByRole('button', { name: 'tight pull-request 2/2, full' }).click();
    await page.getByText('This cell is full').waitFor({ timeout: WAIT });
    // A full cell offers no slot, only the queue; the item waits its turn.
    expect(await page.getByRole('button', { name: 'Take a slot' }).count()).toBe(0);
    await page.getByLabel('Item id').fill('web#3');
    await page.getByRole('button', { name: 'Join the queue' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'web#3 waits in the queue: place 1.' })
      .waitFor({ timeout: WAIT });
    // The holders are named, with who took the slot.
    for (const text of ['web#1', 'web#2']) await page.getByText(text).first().waitFor({ timeout: WAIT });
    // Through the API the refusal still names the limit and the holders.
    const refused = await e.api<{ error: { message: string } }>(
      'POST',
      '/api/v1/pods/tight/wip/pull-request/locks',
      { itemId: 'web#4' },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(
      'pod "tight" is at its pull-request WIP limit (2 of 2 in use)',
    );
    await screenshot(page, 'flow-wip-refused');

    // Promoting an idea into a pod whose project cell is full says why, with the holder.
    await e.ok('PUT', '/api/v1/pods/tight/wip-limits/project', { limit: 1 });
    await e.ok('POST', '/api/v1/projects', {
      name: 'Holding the slot',
      pod: 'tight',
    });
    const idea = await e.ok<{ id: string }>('POST', '/api/v1/ideas', { title: 'One idea too many' });
    const scores = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
    await e.ok('POST', `/api/v1/ideas/${idea.id}/evaluations`, { scores });
    await e.ok('POST', `/api/v1/ideas/${idea.id}/evaluations`, { scores }, holder.token);
    await page.goto(`${e.url}/ideas/${idea.id}`);
    await page.getByText('Ready to promote.').waitFor({ timeout: WAIT });
    await page.getByLabel('Pod', { exact: true }).selectOption('tight');
    await page.getByRole('button', { name: 'Promote' }).click();
    const full = page.getByRole('alert').filter({ hasText: 'Not promoted' });
    await full.waitFor({ timeout: WAIT });
    expect(await full.textContent()).toContain('pod "tight" is at its project WIP limit (1 of 1 in use)');
    await full.getByRole('link', { name: 'Holding the slot' }).waitFor({ timeout: WAIT });
    await screenshot(page, 'flow-promotion-refused');
  });

  it('shows a change made through the API on an open page, without a reload', async () => {
    const viewer = await e.user('viewer', 'Vic Viewer');
    const page = await e.open(viewer.token, '/ideas');
    // A viewer reads but is offered no form.
    expect(await page.getByRole('button', { name: 'Submit idea' }).count()).toBe(0);
    // Connected first: an event sent before the stream opens is (rightly) not replayed to a new reader.
    await page.locator('[data-live="live"]').waitFor({ timeout: WAIT });
    const marker = await page.evaluate('performance.timeOrigin');

    const title = 'Submitted from a script while the page was open';
    await e.ok('POST', '/api/v1/ideas', { title });
    await page.getByRole('link', { name: title }).waitFor({ timeout: 10_000 });
    // The same document: no navigation happened.
    expect(await page.evaluate('performance.timeOrigin')).toBe(marker);
  });
});
