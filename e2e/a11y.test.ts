import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type E2e, settled, startE2e } from './harness.ts';

interface Listed<T> {
  items: T[];
}

/** The WCAG 2.x A and AA rules (contrast 4.5:1 among them) and axe's best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** The serious and critical violations on the page, one line per element, for a readable failure. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary ?? v.help}`),
    );
}

// axe-core in Debian's chromium over every view of the sample organisation, in both colour schemes.
describe.sequential('accessibility of every view (axe-core)', { timeout: 300_000 }, () => {
  let e: E2e;
  let views: [name: string, path: string][];

  beforeAll(async () => {
    e = await startE2e({ demo: true });
    const projects = await e.ok<Listed<{ id: string; currentStage: string }>>(
      'GET',
      '/api/v1/projects?closed=false',
    );
    const ideas = await e.ok<Listed<{ id: string; evaluationCount: number }>>('GET', '/api/v1/ideas');
    const runs = await e.ok<Listed<{ id: string }>>('GET', '/api/v1/workflows/runs');
    const project = projects.items.find((p) => p.currentStage !== 'inception') ?? projects.items[0];
    const idea = ideas.items.find((i) => i.evaluationCount > 0) ?? ideas.items[0];
    views = [
      ['overview', '/'],
      ['stage-gates', '/projects'],
      ['project', `/projects/${project!.id}`],
      ['wip', '/wip?pod=ratio&type=project'],
      ['ideas', '/ideas'],
      ['idea', `/ideas/${idea!.id}`],
      ['pods', '/pods'],
      ['pod', '/pods/ratio'],
      ['alerts', '/alerts'],
      ['runs', '/runs'],
      ['run', `/runs/${runs.items[0]!.id}`],
      ['audit', '/audit'],
      ['access', '/access'],
      ['compliance', '/compliance'],
      ['not-found', '/no/such/page'],
      ['webhooks', '/webhooks'],
      ['integrations', '/integrations'],
    ];
  }, 240_000);
  afterAll(async () => {
    await e?.close();
  });

  for (const theme of ['light', 'dark'] as const)
    it(`has no serious or critical violation on any view in ${theme} mode`, async () => {
      const page = await e.open(ADMIN_TOKEN, '/', {
        colorScheme: theme,
        viewport: { width: 1440, height: 900 },
      });
      const found: string[] = [];
      for (const [name, path] of views) {
        await page.goto(`${e.url}${path}`);
        await settled(page);
        for (const line of await seriousViolations(page)) found.push(`${name}: ${line}`);
      }
      expect(found).toEqual([]);
    });

  it('has no serious or critical violation on a phone, where tables are cards', async () => {
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
