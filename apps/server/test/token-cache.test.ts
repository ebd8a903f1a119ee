import { SYSTEM_ACTOR } from '@clos/core';
import { composeCore } from '@clos/db';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * Token lookups are cached per process and dropped when any process changes a token or a user: a
 * revocation through another process (another core over the same database) refuses the token here
 * at once, not after the cache's maximum age.
 */
describe.each(testEngines().filter((e) => e === 'postgres'))('the token cache on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    // The job runner starts the listening side of the cache.
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());

  const status = async (token: string) => (await h.call('GET', '/api/v1/pods', undefined, token)).statusCode;

  it('serves a token from the cache, and drops it the moment another process revokes it', async () => {
    const dev = await h.userWithToken('developer');
    const other = await h.userWithToken('developer');
    // This process's own announcements of creating them come back too; let them land, then fill
    // the cache.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await status(dev.token)).toBe(200);
    expect(await status(other.token)).toBe(200);

    // Changed behind CLOS's back (no announcement): this process keeps serving its cached lookup,
    // which is what shows the lookup is cached at all (docs: such changes apply within 30 s).
    await h.database.query('update api_tokens set revoked_at = now() where user_id = $1', [other.userId]);
    expect(await status(other.token)).toBe(200);

    // A second process revokes through CLOS: its transaction announces the change.
    const second = composeCore({ database: h.database, policy: h.services.policy });
    const [token] = (await h.database.query<{ id: string }>('select id from api_tokens where user_id = $1', [
      dev.userId,
    ])) as { id: string }[];
    await second.services.auth.revokeToken({ actor: SYSTEM_ACTOR, requestId: 'test' }, token!.id);
    // Announced at its commit, heard here moments later: every cached lookup is dropped, so the
    // hand-revoked token (which the cache would otherwise serve for up to 30 s) is refused as well.
    const deadline = Date.now() + 5000;
    while ((await status(other.token)) === 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await status(other.token)).toBe(401);
    expect(await status(dev.token)).toBe(401);
  });
});
