import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, overflowing, screenshot, settled, startE2e, WAIT } from './harness.ts';

interface Item {
  kind: string;
  rank: number;
  title: string;
  link: string;
  subject: { id: string };
}

const DISCOVERY = { problemStatement: 'Invoices are sent twice to some customers', owner: 'ada@example.com' };
const WIDTHS = [
  ['1440', { viewport: { width: 1440, height: 900 } }],
  ['375', { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true }],
] as const;

describe.sequential('the overview’s attention list, in Chromium', { timeout: 120_000 }, () => {
  let e: E2e;
  let projectId: string;

  beforeAll(async () => {
    e = await startE2e({ demo: true });
    // A gate waiting for the admin's approval: evidence in, no decision yet. In a pod of its own: the
    // sample's pods are full (which the list shows too).
    await e.ok('POST', '/api/v1/pods', { slug: 'ledger', name: 'Ledger', timezone: 'UTC' });
    const project = await e.ok<{ id: string }>('POST', '/api/v1/projects', {
      name: 'Duplicate invoices',
      pod: 'ledger',
    });
    projectId = project.id;
    await e.ok('POST', `/api/v1/projects/${projectId}/evidence`, { evidence: DISCOVERY });
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  it('lists the gate waiting for my approval, and following it lands on the project', async () => {
    const { items } = await e.ok<{ items: Item[] }>('GET', '/api/v1/dashboard/attention');
    const item = items.find((i) => i.subject.id === projectId);
    expect(item, JSON.stringify(items)).toMatchObject({
      kind: 'approval_waiting',
      link: `/projects/${projectId}`,
    });

    const page = await e.open(ADMIN_TOKEN, '/', { viewport: { width: 1440, height: 900 } });
    const list = page.getByRole('list', { name: /Needs attention/ });
    const link = list.getByRole('link').filter({ hasText: 'Duplicate invoices' });
    await link.waitFor({ timeout: WAIT });
    expect(await link.textContent()).toContain(`${item!.rank}.`);
    expect(await link.textContent()).toContain('Your approval');
    await link.click();
    await page.waitForURL(`${e.url}/projects/${projectId}`, { timeout: WAIT });
    await page.getByRole('heading', { level: 1, name: /Duplicate invoices/ }).waitFor({ timeout: WAIT });
    await settled(page);
    // Where it is resolved: the gate's approval is given on this page.
    const approve = page.getByRole('button', { name: 'Approve', exact: true });
    await approve.waitFor({ timeout: WAIT });
    await approve.click();
    await page.getByText('Approved.').waitFor({ timeout: WAIT });
    // Resolved there, it leaves the list.
    await page.goto(`${e.url}/`);
    await page.getByRole('list', { name: /Needs attention/ }).waitFor({ timeout: WAIT });
    expect(await page.getByRole('link').filter({ hasText: 'Duplicate invoices' }).count()).toBe(0);
  });

  it('fits 1440 and 375 px in light and dark, and saves screenshots', async () => {
    for (const [width, options] of WIDTHS)
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await e.open(ADMIN_TOKEN, '/', { ...options, colorScheme });
        await page.getByRole('list', { name: /Needs attention/ }).waitFor({ timeout: WAIT });
        await settled(page);
        expect(
          await page.getByRole('alert').count(),
          `overview at ${width} ${colorScheme} shows an error`,
        ).toBe(0);
        await screenshot(page, `overview-attention-${width}-${colorScheme}`);
        if (width === '375') expect(await overflowing(page, 375)).toEqual([]);
        await page.context().close();
      }
  });
});
