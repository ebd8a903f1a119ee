/**
 * Swagger UI at /api/docs works under the CSP the server sends (security-headers.ts), and no other
 * page can frame it. A real chromium: a CSP is only proven by a browser enforcing it.
 */
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../apps/server/test/harness.ts';
import { CHROMIUM, WAIT } from './harness.ts';

describe('the API docs in a browser', { timeout: 120_000 }, () => {
  let h: Harness;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness('pglite');
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('renders every operation with no Content-Security-Policy violation', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    // A page script (this file has no DOM types): every violation the browser reports, by directive.
    await page.addInitScript(
      "document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));",
    );
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const response = await page.goto(`${url}/api/docs/`);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    // The spec was fetched and rendered: an operation of the route table is on the page.
    await page
      .locator('.opblock-summary-path', { hasText: '/api/v1/webhooks' })
      .first()
      .waitFor({ timeout: WAIT });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    // "Try it out" opens (its scripts run under the policy too).
    await page.locator('.opblock-summary', { hasText: '/healthz' }).first().click();
    await page.getByRole('button', { name: 'Try it out' }).first().waitFor({ timeout: WAIT });
    expect(violations).toEqual([]);
    await page.close();
  });

  it('cannot be framed by another page', async () => {
    const page = await browser.newPage();
    const refusals: string[] = [];
    page.on('console', (m) => {
      if (m.text().includes('frame-ancestors')) refusals.push(m.text());
    });
    await page.setContent(`<iframe id="docs" src="${url}/api/docs/"></iframe>`);
    await expect.poll(() => refusals.length, { timeout: WAIT }).toBeGreaterThan(0);
    expect(refusals[0]).toContain("frame-ancestors 'none'");
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(await frame?.locator('.opblock').count()).toBe(0);
    await page.close();
  });
});
