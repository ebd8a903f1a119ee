import { describe, expect, it } from 'vitest';
import { DOMAIN_EVENT_TYPES } from './catalog.ts';

describe('the event catalogue', () => {
  it('is documented type by type in docs/events.md', async () => {
    // Read through a dynamic import of node:fs so this stays a test-only dependency of a pure package.
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(new URL('../../../../docs/events.md', import.meta.url), 'utf8');
    const missing = Object.keys(DOMAIN_EVENT_TYPES).filter((type) => !docs.includes(`\`${type}\``));
    expect(missing).toEqual([]);
  });
});
